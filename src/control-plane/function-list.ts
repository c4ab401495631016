import type { Namespace } from '../aws/arn.js';
import { invalidParameter } from '../aws/errors.js';
import { Constraints } from '../aws/validation.js';
import type { MetadataStore } from '../store/metadata-store.js';
import type { FunctionRecord, VersionRecord } from '../store/records.js';
import { toConfiguration, type FunctionConfiguration } from './function-view.js';
import { layerSizes } from './layer-references.js';

export interface ListFunctionsQuery {
  Marker?: string;
  MaxItems?: number;
  FunctionVersion?: string;
  MasterRegion?: string;
}

/** AWS returns at most 50 functions a page, whatever MaxItems asks beyond that. */
const PAGE_LIMIT = 50;

/**
 * ListFunctions: functions in name order, each $LATEST, or with FunctionVersion=ALL every
 * published version too. The Marker is the opaque position after the last item returned.
 */
export async function listFunctions(
  store: MetadataStore,
  ns: Namespace,
  query: ListFunctionsQuery,
): Promise<{ Functions: FunctionConfiguration[]; NextMarker?: string }> {
  new Constraints()
    .range(query.MaxItems, 'maxItems', 1, 10000)
    .oneOf(query.FunctionVersion, 'functionVersion', ['ALL'])
    .check();
  const all = query.FunctionVersion === 'ALL';
  const entries = (await store.listFunctions(ns)).flatMap((record) => versionsOf(record, all));
  const start = query.Marker === undefined ? 0 : positionAfter(entries, query.Marker);
  const size = Math.min(query.MaxItems ?? PAGE_LIMIT, PAGE_LIMIT);
  const page = entries.slice(start, start + size);
  const layerSizesOf = await layerSizes(
    store,
    page.map(([, version]) => version),
  );
  const Functions = page.map(([record, version]) =>
    toConfiguration(record, version, {
      qualifiedArn: all,
      forList: true,
      layerSizes: layerSizesOf,
    }),
  );
  const last = page[page.length - 1];
  return start + size < entries.length && last
    ? { Functions, NextMarker: markerOf(last) }
    : { Functions };
}

type Entry = [FunctionRecord, VersionRecord];

function versionsOf(record: FunctionRecord, all: boolean): Entry[] {
  if (!all) return [[record, record.latest]];
  const published = Object.values(record.versions).sort(
    (a, b) => Number(a.Version) - Number(b.Version),
  );
  return [record.latest, ...published].map((version) => [record, version]);
}

const entryKey = ([record, version]: Entry): string => `${record.name}:${version.Version}`;
const markerOf = (entry: Entry): string => Buffer.from(entryKey(entry)).toString('base64url');

/** Entries sort by name, then $LATEST before the published versions in number order. */
function compare(name: string, version: string, entry: Entry): number {
  const [record, other] = entry;
  if (name !== record.name) return name < record.name ? -1 : 1;
  const rank = (v: string): number => (v === '$LATEST' ? 0 : Number(v));
  return rank(version) - rank(other.Version);
}

/** A marker names the last item of the previous page; items deleted since then are skipped over. */
function positionAfter(entries: Entry[], marker: string): number {
  const key = Buffer.from(marker, 'base64url').toString('utf8');
  const parts = /^([a-zA-Z0-9-_]+):(\$LATEST|\d+)$/.exec(key);
  if (!parts) throw invalidParameter(`Invalid marker: ${marker}`);
  const [, name, version] = parts as unknown as [string, string, string];
  const index = entries.findIndex((entry) => compare(name, version, entry) < 0);
  return index === -1 ? entries.length : index;
}
