import { layerArn, type Namespace } from '../aws/arn.js';
import { invalidParameter } from '../aws/errors.js';
import { checkCodeWithLayersSize } from '../aws/layer-rules.js';
import { parseLayerVersionArn } from '../aws/names.js';
import type { CodeStore } from '../store/code-store.js';
import type { MetadataStore } from '../store/metadata-store.js';
import type { VersionRecord } from '../store/records.js';
import { layerVersionOf } from './code-references.js';
import { grantsUse } from './layer-policy.js';
import { accessDenied, findLiveVersion, sameNamespace } from './layers.js';

/**
 * The rules AWS applies to a function's Layers on CreateFunction and UpdateFunctionConfiguration
 * (after the count): one version per layer, each version existing and not deleted, and another
 * account's only where its policy grants the function's account.
 */
export async function checkLayerReferences(
  store: MetadataStore,
  ns: Namespace,
  arns: readonly string[] | undefined,
): Promise<void> {
  if (!arns) return;
  const refs = arns.map((arn) => ({ arn, ...parseLayerVersionArn(arn, 'layers') }));
  refs.forEach((ref, i) => {
    const earlier = refs.slice(0, i).find((other) => sameLayer(other, ref));
    if (earlier) {
      throw invalidParameter(
        `Two different versions of the same layer are not allowed to be referenced in the same function. ${earlier.arn} and ${ref.arn} are versions of the same layer.`,
      );
    }
  });
  for (const ref of refs) {
    const found = await findLiveVersion(store, ref, ref.version);
    if (!found) throw invalidParameter(`Layer version ${ref.arn} does not exist.`);
    // LocalStack's limit too: a hot-reload layer is /opt itself, so it cannot be merged.
    if (found.version.hotReloadFolder !== undefined && refs.length > 1) {
      throw invalidParameter(
        `Layer version ${ref.arn} is hot-reloaded from a local folder; a function using it can use no other layer.`,
      );
    }
    if (!sameNamespace(ns, ref.ns) && !grantsUse(found.version.policy, ns.account))
      throw accessDenied(ns, 'GetLayerVersion', ref.arn);
  }
}

/**
 * AWS's 250 MB rule for a function's code (`codeBytes` unzipped) with its layers, checked on
 * CreateFunction, UpdateFunctionCode and UpdateFunctionConfiguration.
 */
export async function checkCodeWithLayers(
  store: MetadataStore,
  code: CodeStore,
  codeBytes: number,
  arns: readonly string[],
): Promise<void> {
  let total = codeBytes;
  for (const arn of arns) {
    const found = await layerVersionOf(store, arn);
    if (found) total += await code.unzippedBytes(found.CodeSha256);
  }
  checkCodeWithLayersSize(total);
}

/**
 * The CodeSize of every layer version the given function versions use, by ARN as stored. A
 * deleted version still has its size: the function keeps its content.
 */
export async function layerSizes(
  store: MetadataStore,
  versions: readonly VersionRecord[],
): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  for (const arn of new Set(versions.flatMap((version) => version.Layers))) {
    const found = await layerVersionOf(store, arn);
    if (found) sizes.set(arn, found.CodeSize);
  }
  return sizes;
}

/**
 * The merged tree of a function's layers, for its environments' /opt. Layers stored before they
 * were checked (and so unknown here) are left out.
 */
export async function layerTree(
  store: MetadataStore,
  code: CodeStore,
  arns: readonly string[],
): Promise<string | undefined> {
  const shas: string[] = [];
  for (const arn of arns) {
    const found = await layerVersionOf(store, arn);
    if (found?.hotReloadFolder !== undefined) return found.hotReloadFolder;
    if (found) shas.push(found.CodeSha256);
  }
  return code.ensureMergedTree(shas);
}

const sameLayer = (
  a: { ns: Namespace; name: string },
  b: { ns: Namespace; name: string },
): boolean => layerArn(a.ns, a.name) === layerArn(b.ns, b.name);
