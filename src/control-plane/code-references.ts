import { isImageDigest } from '../aws/image-rules.js';
import { parseLayerVersionArn } from '../aws/names.js';
import type { CodeStore } from '../store/code-store.js';
import type { MetadataStore } from '../store/metadata-store.js';
import type { FunctionRecord, LayerRecord, LayerVersionRecord } from '../store/records.js';

/**
 * Every code blob something still refers to: the functions' packages, the live layer versions,
 * and deleted layer versions that a function version still uses (AWS keeps their content for it).
 */
export async function referencedCode(store: MetadataStore): Promise<Set<string>> {
  const functions = await store.allFunctions();
  const used = usedLayerVersions(functions);
  const shas = new Set(functions.flatMap(functionCode));
  for (const layer of await store.allLayers()) {
    for (const version of Object.values(layer.versions)) {
      if (!version.deleted || used.has(layerVersionKey(layer, version.Version)))
        shas.add(version.CodeSha256);
    }
  }
  return shas;
}

/**
 * Removes the given blobs from the code store where nothing refers to them any more, and the
 * content of the given layer versions (a function's, when it stops using them) where those were
 * deleted and no other function uses them.
 */
export async function releaseUnused(
  store: MetadataStore,
  code: CodeStore,
  shas: readonly string[],
  layerArns: readonly string[] = [],
): Promise<void> {
  const candidates = new Set(shas.filter((sha) => !isImageDigest(sha)));
  for (const arn of new Set(layerArns)) {
    const version = await layerVersionOf(store, arn);
    if (version?.deleted) candidates.add(version.CodeSha256);
  }
  const referenced = await referencedCode(store);
  for (const sha of candidates) await code.release(sha, referenced.has(sha));
}

/** The stored layer version an ARN names, deleted or not. */
export async function layerVersionOf(
  store: MetadataStore,
  arn: string,
): Promise<LayerVersionRecord | undefined> {
  let ref;
  try {
    ref = parseLayerVersionArn(arn);
  } catch {
    return undefined;
  }
  return (await store.getLayer(ref.ns, ref.name))?.versions[String(ref.version)];
}

/** The code store's blobs a function uses: its zips (an image lives on the Docker engine). */
export function functionCode(record: FunctionRecord): string[] {
  return [record.latest, ...Object.values(record.versions)]
    .map((version) => version.CodeSha256)
    .filter((sha) => !isImageDigest(sha));
}

/** `account/region/name/version` of every layer version some function version references. */
function usedLayerVersions(functions: readonly FunctionRecord[]): Set<string> {
  const used = new Set<string>();
  for (const record of functions) {
    for (const version of [record.latest, ...Object.values(record.versions)]) {
      for (const arn of version.Layers) {
        try {
          const ref = parseLayerVersionArn(arn);
          used.add(layerVersionKey({ ...ref.ns, name: ref.name }, ref.version));
        } catch {
          // Stored before layers were checked: refers to nothing here.
        }
      }
    }
  }
  return used;
}

const layerVersionKey = (
  layer: Pick<LayerRecord, 'account' | 'region' | 'name'>,
  version: number,
): string => `${layer.account}/${layer.region}/${layer.name}/${version}`;
