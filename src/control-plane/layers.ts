import { layerArn, type Namespace } from '../aws/arn.js';
import { invalidParameter, LambdaError, notFound } from '../aws/errors.js';
import { lastModified } from '../aws/formats.js';
import {
  checkListConstraints,
  checkPublishConstraints,
  type LayerListQuery,
  type PublishLayerVersionInput,
} from '../aws/layer-rules.js';
import { parseLayerName, parseLayerVersionArn, type LayerRef } from '../aws/names.js';
import type { CodeStore } from '../store/code-store.js';
import type { MetadataStore } from '../store/metadata-store.js';
import type { LayerRecord, LayerVersionRecord } from '../store/records.js';
import { releaseUnused } from './code-references.js';
import { codePackage, HOT_RELOAD_SHA256 } from './code-source.js';
import { grantsUse } from './layer-policy.js';
import { toLayerListItem, toLayerVersion, type CodeLocator } from './layer-view.js';

/** AWS returns at most 50 layers or versions a page. */
const PAGE_LIMIT = 50;

/**
 * PublishLayerVersion, GetLayerVersion(ByArn), ListLayerVersions, ListLayers and
 * DeleteLayerVersion. A layer lives in one account and region; its versions are numbered from 1
 * and never renumbered. Another account may only read a version whose policy grants it.
 */
export class LayerService {
  constructor(
    private readonly store: MetadataStore,
    private readonly code: CodeStore,
  ) {}

  async publish(
    ns: Namespace,
    rawName: string,
    input: PublishLayerVersionInput,
    locate: CodeLocator,
  ): Promise<Record<string, unknown>> {
    const ref = parseLayerName(rawName, ns);
    checkPublishConstraints(input);
    requireOwn(ns, ref, 'PublishLayerVersion', layerArn(ref.ns, ref.name));
    const source = await codePackage(input.Content ?? {});
    const stored =
      source.folder !== undefined
        ? { sha256: HOT_RELOAD_SHA256, size: 0, folder: source.folder }
        : await this.code.put(source.zip);
    let written = false;
    try {
      const record = (await this.store.mutateLayer(ns, ref.name, (current) => {
        const layer = current ?? { ...ns, name: ref.name, lastVersion: 0, versions: {} };
        const version: LayerVersionRecord = {
          Version: layer.lastVersion + 1,
          Description: input.Description ?? '',
          CreatedDate: lastModified(),
          CompatibleRuntimes: input.CompatibleRuntimes,
          CompatibleArchitectures: input.CompatibleArchitectures,
          LicenseInfo: input.LicenseInfo,
          CodeSha256: stored.sha256,
          CodeSize: stored.size,
          ...('folder' in stored ? { hotReloadFolder: stored.folder } : {}),
        };
        const versions = { ...layer.versions, [String(version.Version)]: version };
        return { ...layer, lastVersion: version.Version, versions };
      })) as LayerRecord;
      written = true;
      return toLayerVersion(record, latestOf(record), locate);
    } finally {
      this.code.unpin(stored.sha256);
      if (!written) await releaseUnused(this.store, this.code, [stored.sha256]);
    }
  }

  async get(
    ns: Namespace,
    rawName: string,
    versionNumber: number,
    locate: CodeLocator,
  ): Promise<Record<string, unknown>> {
    const ref = parseLayerName(rawName, ns);
    checkVersionNumber(versionNumber);
    return this.readable(ns, ref, versionNumber, locate);
  }

  async getByArn(
    ns: Namespace,
    arn: string,
    locate: CodeLocator,
  ): Promise<Record<string, unknown>> {
    const ref = parseLayerVersionArn(arn);
    return this.readable(ns, ref, ref.version, locate);
  }

  async listVersions(
    ns: Namespace,
    rawName: string,
    query: LayerListQuery,
  ): Promise<{ LayerVersions: Record<string, unknown>[]; NextMarker?: string }> {
    const ref = parseLayerName(rawName, ns);
    checkListConstraints(query);
    requireOwn(ns, ref, 'ListLayerVersions', layerArn(ref.ns, ref.name));
    const layer = await this.store.getLayer(ns, ref.name);
    const versions = layer
      ? liveVersions(layer)
          .filter((v) => matches(v, query))
          .reverse()
      : [];
    const { page, next } = paginate(versions, query, (v) => String(v.Version), newestFirst);
    const LayerVersions = page.map((v) => toLayerListItem(layer as LayerRecord, v));
    return next === undefined ? { LayerVersions } : { LayerVersions, NextMarker: next };
  }

  /** The namespace's layers by name, each with its newest version that matches the filters. */
  async list(
    ns: Namespace,
    query: LayerListQuery,
  ): Promise<{ Layers: Record<string, unknown>[]; NextMarker?: string }> {
    checkListConstraints(query);
    const matching = (await this.store.listLayers(ns)).flatMap((layer) => {
      const latest = liveVersions(layer)
        .filter((v) => matches(v, query))
        .pop();
      return latest ? [{ layer, latest }] : [];
    });
    const { page, next } = paginate(matching, query, ({ layer }) => layer.name, byName);
    const Layers = page.map(({ layer, latest }) => ({
      LayerName: layer.name,
      LayerArn: layerArn(layer, layer.name),
      LatestMatchingVersion: toLayerListItem(layer, latest),
    }));
    return next === undefined ? { Layers } : { Layers, NextMarker: next };
  }

  /**
   * Idempotent, as on AWS. The version disappears from the layer operations and can no longer be
   * added to functions; functions that use it keep its content until they stop using it.
   */
  async delete(ns: Namespace, rawName: string, versionNumber: number): Promise<void> {
    const ref = parseLayerName(rawName, ns);
    checkVersionNumber(versionNumber);
    requireOwn(ns, ref, 'DeleteLayerVersion', layerArn(ref.ns, ref.name, versionNumber));
    let dropped: string | undefined;
    await this.store.mutateLayer(ns, ref.name, (current) => {
      const version = current?.versions[String(versionNumber)];
      if (!current || !version || version.deleted) return current ?? null;
      dropped = version.CodeSha256;
      const { policy: _policy, ...kept } = version;
      const versions = { ...current.versions, [String(versionNumber)]: { ...kept, deleted: true } };
      return { ...current, versions };
    });
    if (dropped) await releaseUnused(this.store, this.code, [dropped]);
  }

  /** A version the caller may read: its own, or another account's that grants it. */
  private async readable(
    ns: Namespace,
    ref: LayerRef,
    versionNumber: number,
    locate: CodeLocator,
  ): Promise<Record<string, unknown>> {
    const found = await findLiveVersion(this.store, ref, versionNumber);
    if (!found) throw notFound('The resource you requested does not exist.');
    const arn = layerArn(ref.ns, ref.name, versionNumber);
    if (!sameNamespace(ns, ref.ns) && !grantsUse(found.version.policy, ns.account))
      throw accessDenied(ns, 'GetLayerVersion', arn);
    return toLayerVersion(found.layer, found.version, locate);
  }
}

/** A version that exists and is not deleted, with its layer. */
export async function findLiveVersion(
  store: MetadataStore,
  ref: LayerRef,
  versionNumber: number,
): Promise<{ layer: LayerRecord; version: LayerVersionRecord } | undefined> {
  const layer = await store.getLayer(ref.ns, ref.name);
  const version = layer?.versions[String(versionNumber)];
  return layer && version && !version.deleted ? { layer, version } : undefined;
}

/** AWS's range check of a layer version number in the path. */
export function checkVersionNumber(versionNumber: number): void {
  if (!Number.isSafeInteger(versionNumber) || versionNumber < 1)
    throw invalidParameter('Layer Version Cannot be less than 1');
}

/** Only a layer's own account, in its region, may change it or list its versions. */
export function requireOwn(ns: Namespace, ref: LayerRef, action: string, resource: string): void {
  if (!sameNamespace(ns, ref.ns)) throw accessDenied(ns, action, resource);
}

export const sameNamespace = (a: Namespace, b: Namespace): boolean =>
  a.account === b.account && a.region === b.region;

/** IAM's refusal when no resource-based policy grants the caller the action. */
export function accessDenied(ns: Namespace, action: string, resource: string): LambdaError {
  return new LambdaError(
    'AccessDeniedException',
    `User: arn:aws:iam::${ns.account}:root is not authorized to perform: lambda:${action} on resource: ${resource} because no resource-based policy allows the lambda:${action} action`,
  );
}

/** Live versions, oldest first. */
function liveVersions(layer: LayerRecord): LayerVersionRecord[] {
  return Object.values(layer.versions)
    .filter((version) => !version.deleted)
    .sort((a, b) => a.Version - b.Version);
}

/** A filter matches only versions that declare the runtime or architecture. */
function matches(version: LayerVersionRecord, query: LayerListQuery): boolean {
  const runtime = query.CompatibleRuntime;
  const architecture = query.CompatibleArchitecture;
  if (runtime && !(version.CompatibleRuntimes ?? []).includes(runtime)) return false;
  if (architecture && !(version.CompatibleArchitectures ?? []).includes(architecture)) return false;
  return true;
}

const latestOf = (layer: LayerRecord): LayerVersionRecord =>
  layer.versions[String(layer.lastVersion)] as LayerVersionRecord;

/**
 * The Marker is the opaque key of the last item of the previous page; items are in `order` by
 * key, so a page resumes after the marker even when that item is gone since.
 */
function paginate<T>(
  items: readonly T[],
  query: LayerListQuery,
  keyOf: (item: T) => string,
  order: (a: string, b: string) => number,
): { page: T[]; next?: string } {
  let start = 0;
  if (query.Marker !== undefined) {
    const key = Buffer.from(query.Marker, 'base64url').toString('utf8');
    const index = items.findIndex((item) => order(keyOf(item), key) > 0);
    start = index === -1 ? items.length : index;
  }
  const size = Math.min(query.MaxItems ?? PAGE_LIMIT, PAGE_LIMIT);
  const page = items.slice(start, start + size);
  const last = page[page.length - 1];
  if (start + size >= items.length || last === undefined) return { page };
  return { page, next: Buffer.from(keyOf(last)).toString('base64url') };
}

/** Versions are listed newest first; layers by name. */
const newestFirst = (a: string, b: string): number => Number(b) - Number(a);
const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
