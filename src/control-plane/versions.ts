import { layerSizes } from './layer-references.js';
import type { PublishVersionInput } from '../aws/alias-rules.js';
import { functionArn, type Namespace } from '../aws/arn.js';
import { invalidParameter, notFound } from '../aws/errors.js';
import { newRevisionId } from '../aws/formats.js';
import { parseFunctionName, type FunctionRef } from '../aws/names.js';
import { Constraints } from '../aws/validation.js';
import type { MetadataStore } from '../store/metadata-store.js';
import type { FunctionRecord, VersionRecord } from '../store/records.js';
import { toConfiguration, type FunctionConfiguration } from './function-view.js';
import type { FunctionService } from './functions.js';

export const LATEST = '$LATEST';

/** A qualifier may come inside the name (`fn:3`) or as `?Qualifier=3`; AWS refuses two different ones. */
export function effectiveQualifier(ref: FunctionRef, queryQualifier?: string): string | undefined {
  if (ref.qualifier && queryQualifier && ref.qualifier !== queryQualifier) {
    throw invalidParameter(
      'The derived qualifier from the function name does not match the specified qualifier.',
    );
  }
  return ref.qualifier ?? queryQualifier;
}

/**
 * The version a qualifier names: $LATEST, a published number, or an alias's primary version
 * (which version an invocation of a weighted alias runs is chosen per invocation, by
 * `routedVersion` in aliases.ts). AWS answers all three the same way when nothing is found.
 */
export function resolveVersion(
  ns: Namespace,
  record: FunctionRecord,
  qualifier: string | undefined,
): VersionRecord {
  if (qualifier === undefined || qualifier === LATEST) return record.latest;
  const target = record.aliases?.[qualifier]?.FunctionVersion ?? qualifier;
  const version = target === LATEST ? record.latest : record.versions[target];
  if (!version) throw notFound(`Function not found: ${functionArn(ns, record.name, qualifier)}`);
  return version;
}

/** $LATEST, then the published versions by number: the order AWS lists them in. */
export function versionsInOrder(record: FunctionRecord): VersionRecord[] {
  const published = Object.values(record.versions).sort(
    (a, b) => Number(a.Version) - Number(b.Version),
  );
  return [record.latest, ...published];
}

/**
 * PublishVersion's rule: a new immutable copy of $LATEST, unless $LATEST has not changed since the
 * last published version (same code and configuration), in which case that version is returned.
 */
export function publishVersion(
  record: FunctionRecord,
  description?: string,
): { record: FunctionRecord; version: VersionRecord } {
  const last = record.versions[String(record.lastVersion)];
  if (last && sameContent(last, record.latest)) return { record, version: last };
  const number = String(record.lastVersion + 1);
  const version: VersionRecord = {
    ...record.latest,
    Version: number,
    Description: description ?? record.latest.Description,
    RevisionId: newRevisionId(),
  };
  return {
    record: {
      ...record,
      versions: { ...record.versions, [number]: version },
      lastVersion: record.lastVersion + 1,
    },
    version,
  };
}

/** Fields that differ between copies of the same content and so are left out of the comparison. */
function sameContent(a: VersionRecord, b: VersionRecord): boolean {
  const strip = ({
    Version: _v,
    RevisionId: _r,
    LastModified: _l,
    Description: _d,
    State: _s,
    LastUpdateStatus: _u,
    ...rest
  }: VersionRecord) => rest;
  return JSON.stringify(strip(a)) === JSON.stringify(strip(b));
}

/** ListVersionsByFunction returns at most 50 versions a page. */
const PAGE_LIMIT = 50;

/** PublishVersion and ListVersionsByFunction. */
export class VersionService {
  constructor(
    private readonly store: MetadataStore,
    private readonly functions: FunctionService,
  ) {}

  /**
   * Publishes $LATEST as it is now. CodeSha256 and RevisionId, when given, must be $LATEST's:
   * they guard against publishing code or configuration that changed since the caller looked.
   */
  async publish(
    ns: Namespace,
    rawName: string,
    input: PublishVersionInput,
  ): Promise<FunctionConfiguration> {
    new Constraints().length(input.Description, 'description', 0, 256).check();
    const name = parseFunctionName(rawName, ns).name;
    let published: VersionRecord | undefined;
    const record = (await this.store.mutateFunction(ns, name, (current) => {
      if (!current) throw notFound(`Function not found: ${functionArn(ns, name)}`);
      this.functions.refuseBusy(ns, current, input.RevisionId);
      const sha = current.latest.CodeSha256;
      if (input.CodeSha256 !== undefined && input.CodeSha256 !== sha) {
        throw invalidParameter(
          `CodeSHA256 (${input.CodeSha256}) is different from current CodeSHA256 in $LATEST (${sha}). Please try again with the CodeSHA256 in $LATEST.`,
        );
      }
      const result = publishVersion(current, input.Description);
      published = result.version;
      return result.record;
    })) as FunctionRecord;
    const version = published as VersionRecord;
    const sizes = await layerSizes(this.store, [version]);
    return toConfiguration(record, version, { qualifiedArn: true, layerSizes: sizes });
  }

  /** $LATEST first, then the versions by number; the Marker is the last version shown. */
  async list(
    ns: Namespace,
    rawName: string,
    query: { Marker?: string; MaxItems?: number },
  ): Promise<{ Versions: FunctionConfiguration[]; NextMarker?: string }> {
    new Constraints().range(query.MaxItems, 'maxItems', 1, 10000).check();
    const name = parseFunctionName(rawName, ns).name;
    const record = await this.store.getFunction(ns, name);
    if (!record) throw notFound(`Function not found: ${functionArn(ns, name)}`);
    const versions = versionsInOrder(record);
    const start = query.Marker === undefined ? 0 : positionAfter(versions, query.Marker);
    const size = Math.min(query.MaxItems ?? PAGE_LIMIT, PAGE_LIMIT);
    const page = versions.slice(start, start + size);
    const sizes = await layerSizes(this.store, page);
    const Versions = page.map((version) =>
      toConfiguration(record, version, { qualifiedArn: true, forList: true, layerSizes: sizes }),
    );
    const last = page[page.length - 1];
    return start + size < versions.length && last
      ? { Versions, NextMarker: Buffer.from(last.Version).toString('base64url') }
      : { Versions };
  }
}

/** A marker names the last version of the previous page; versions deleted since are skipped. */
function positionAfter(versions: VersionRecord[], marker: string): number {
  const after = Buffer.from(marker, 'base64url').toString('utf8');
  if (after !== LATEST && !/^\d+$/.test(after)) throw invalidParameter(`Invalid marker: ${marker}`);
  const rank = (v: string): number => (v === LATEST ? 0 : Number(v));
  const index = versions.findIndex((version) => rank(version.Version) > rank(after));
  return index === -1 ? versions.length : index;
}
