import { functionArn, type Namespace } from '../aws/arn.js';
import { invalidParameter, notFound } from '../aws/errors.js';
import { newRevisionId } from '../aws/formats.js';
import type { FunctionRef } from '../aws/names.js';
import type { FunctionRecord, VersionRecord } from '../store/records.js';

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

/** The version a qualifier names: $LATEST, a published number (aliases come with their own module). */
export function resolveVersion(
  ns: Namespace,
  record: FunctionRecord,
  qualifier: string | undefined,
): VersionRecord {
  if (qualifier === undefined || qualifier === LATEST) return record.latest;
  const version = record.versions[qualifier];
  if (!version) throw notFound(`Function not found: ${functionArn(ns, record.name, qualifier)}`);
  return version;
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
