import { functionArn, type Namespace } from '../aws/arn.js';
import { conflict, invalidParameter, notFound, validationError } from '../aws/errors.js';
import {
  checkCorsRules,
  checkUrlConfigConstraints,
  checkUrlQualifier,
  newUrlId,
  urlTimestamp,
  type FunctionUrlConfigInput,
} from '../aws/function-url-rules.js';
import { parseFunctionName } from '../aws/names.js';
import type { MetadataStore } from '../store/metadata-store.js';
import type { FunctionRecord, FunctionUrlRecord } from '../store/records.js';
import { effectiveQualifier, LATEST } from './versions.js';

/** AWS's FunctionUrlConfig as Get, Update and List return it. */
export interface FunctionUrlConfig {
  FunctionUrl: string;
  FunctionArn: string;
  AuthType: string;
  Cors?: FunctionUrlRecord['Cors'];
  CreationTime: string;
  LastModifiedTime: string;
  InvokeMode: string;
}

/** Where a URL id leads: the function record and the qualifier key its config is stored under. */
export interface UrlTarget {
  record: FunctionRecord;
  key: string;
  config: FunctionUrlRecord;
}

/** The public address of a URL id, which depends on where this server listens. */
export type UrlAddress = (urlId: string, region: string) => string;

/** ListFunctionUrlConfigs returns at most 50 a page. */
const PAGE_LIMIT = 50;

const FUNCTION_MISSING = 'Function does not exist';
const RESOURCE_MISSING = 'The resource you requested does not exist.';

/**
 * Create/Get/Update/Delete/ListFunctionUrlConfig(s): a function's (or alias's) dedicated HTTP
 * endpoint. Stored on the function record by qualifier, so DeleteFunction removes them; the URL
 * id is stored, the address is derived from it.
 */
export class FunctionUrlService {
  constructor(
    private readonly store: MetadataStore,
    private readonly address: UrlAddress,
  ) {}

  /** Create answers without LastModifiedTime, and with InvokeMode only when it was given. */
  async create(
    ns: Namespace,
    rawName: string,
    queryQualifier: string | undefined,
    input: FunctionUrlConfigInput,
  ): Promise<Omit<FunctionUrlConfig, 'LastModifiedTime' | 'InvokeMode'> & { InvokeMode?: string }> {
    checkUrlConfigConstraints(input, true);
    const { name, key } = this.locate(ns, rawName, queryQualifier);
    checkCorsRules(input.Cors);
    const now = urlTimestamp();
    const config: FunctionUrlRecord = {
      urlId: newUrlId(),
      AuthType: input.AuthType as FunctionUrlRecord['AuthType'],
      ...(input.Cors ? { Cors: input.Cors } : {}),
      InvokeMode: (input.InvokeMode ?? 'BUFFERED') as FunctionUrlRecord['InvokeMode'],
      CreationTime: now,
      LastModifiedTime: now,
    };
    await this.store.mutateFunction(ns, name, (current) => {
      if (!current) throw notFound(FUNCTION_MISSING);
      if (current.urlConfigs?.[key]) {
        throw conflict(
          `Failed to create function url config for [functionArn = ${arnOf(ns, name, key)}]. Error message:  FunctionUrlConfig exists for this Lambda function`,
        );
      }
      if (key !== LATEST && !current.aliases?.[key]) throw notFound(FUNCTION_MISSING);
      return { ...current, urlConfigs: { ...current.urlConfigs, [key]: config } };
    });
    const { LastModifiedTime: _l, InvokeMode, ...shown } = this.view(ns, name, key, config);
    return input.InvokeMode ? { ...shown, InvokeMode } : shown;
  }

  async get(
    ns: Namespace,
    rawName: string,
    queryQualifier: string | undefined,
  ): Promise<FunctionUrlConfig> {
    const { name, key } = this.locate(ns, rawName, queryQualifier);
    const config = (await this.store.getFunction(ns, name))?.urlConfigs?.[key];
    if (!config) throw notFound(RESOURCE_MISSING);
    return this.view(ns, name, key, config);
  }

  /** Changes the members given; a Cors given replaces the whole Cors. */
  async update(
    ns: Namespace,
    rawName: string,
    queryQualifier: string | undefined,
    input: FunctionUrlConfigInput,
  ): Promise<FunctionUrlConfig> {
    checkUrlConfigConstraints(input, false);
    const { name, key } = this.locate(ns, rawName, queryQualifier);
    checkCorsRules(input.Cors);
    let next: FunctionUrlRecord | undefined;
    await this.store.mutateFunction(ns, name, (current) => {
      if (!current) throw notFound(FUNCTION_MISSING);
      if (key !== LATEST && !current.aliases?.[key]) throw notFound(FUNCTION_MISSING);
      const config = current.urlConfigs?.[key];
      if (!config) throw notFound(RESOURCE_MISSING);
      next = {
        ...config,
        ...(input.AuthType ? { AuthType: input.AuthType as FunctionUrlRecord['AuthType'] } : {}),
        ...(input.Cors ? { Cors: input.Cors } : {}),
        ...(input.InvokeMode
          ? { InvokeMode: input.InvokeMode as FunctionUrlRecord['InvokeMode'] }
          : {}),
        LastModifiedTime: urlTimestamp(),
      };
      return { ...current, urlConfigs: { ...current.urlConfigs, [key]: next } };
    });
    return this.view(ns, name, key, next as FunctionUrlRecord);
  }

  async delete(ns: Namespace, rawName: string, queryQualifier: string | undefined): Promise<void> {
    const { name, key } = this.locate(ns, rawName, queryQualifier);
    await this.store.mutateFunction(ns, name, (current) => {
      if (!current?.urlConfigs?.[key]) throw notFound(RESOURCE_MISSING);
      const { [key]: _removed, ...rest } = current.urlConfigs;
      return { ...current, urlConfigs: rest };
    });
  }

  /** The unqualified function's URL first, then aliases by name; Marker is opaque. */
  async list(
    ns: Namespace,
    rawName: string,
    query: { Marker?: string; MaxItems?: number },
  ): Promise<{ FunctionUrlConfigs: FunctionUrlConfig[]; NextMarker?: string }> {
    checkMaxItems(query.MaxItems);
    const { name } = parseFunctionName(rawName, ns);
    const record = await this.store.getFunction(ns, name);
    if (!record) throw notFound(FUNCTION_MISSING);
    const configs = record.urlConfigs ?? {};
    const keys = Object.keys(configs).sort(byKey);
    let start = 0;
    if (query.Marker !== undefined) {
      const after = Buffer.from(query.Marker, 'base64url').toString('utf8');
      if (after === '' || !/^[$0-9a-zA-Z-_]+$/.test(after))
        throw invalidParameter(`Invalid marker: ${query.Marker}`);
      start = keys.findIndex((k) => byKey(after, k) < 0);
      if (start === -1) start = keys.length;
    }
    const size = Math.min(query.MaxItems ?? PAGE_LIMIT, PAGE_LIMIT);
    const page = keys.slice(start, start + size);
    const shown = page.map((k) => this.view(ns, name, k, configs[k] as FunctionUrlRecord));
    const last = page[page.length - 1];
    return start + size < keys.length && last !== undefined
      ? { FunctionUrlConfigs: shown, NextMarker: Buffer.from(last).toString('base64url') }
      : { FunctionUrlConfigs: shown };
  }

  /** The function URL a request addresses by its id, in any namespace of the region. */
  async resolve(urlId: string, region?: string): Promise<UrlTarget | undefined> {
    for (const record of await this.store.allFunctions()) {
      if (region !== undefined && record.region !== region) continue;
      for (const [key, config] of Object.entries(record.urlConfigs ?? {})) {
        if (config.urlId === urlId) return { record, key, config };
      }
    }
    return undefined;
  }

  /** The function name and the key its URL config lives under ($LATEST or an alias). */
  private locate(
    ns: Namespace,
    rawName: string,
    queryQualifier: string | undefined,
  ): { name: string; key: string } {
    const ref = parseFunctionName(rawName, ns);
    const qualifier = effectiveQualifier(ref, queryQualifier);
    checkUrlQualifier(qualifier);
    return { name: ref.name, key: qualifier ?? LATEST };
  }

  private view(
    ns: Namespace,
    name: string,
    key: string,
    config: FunctionUrlRecord,
  ): FunctionUrlConfig {
    return {
      FunctionUrl: this.address(config.urlId, ns.region),
      FunctionArn: arnOf(ns, name, key),
      AuthType: config.AuthType,
      ...(config.Cors ? { Cors: config.Cors } : {}),
      CreationTime: config.CreationTime,
      LastModifiedTime: config.LastModifiedTime,
      InvokeMode: config.InvokeMode,
    };
  }
}

/** The unqualified ARN for the function's own URL, the alias ARN for an alias's. */
const arnOf = (ns: Namespace, name: string, key: string): string =>
  functionArn(ns, name, key === LATEST ? undefined : key);

function checkMaxItems(maxItems: number | undefined): void {
  if (maxItems === undefined) return;
  if (maxItems < 1 || maxItems > PAGE_LIMIT) {
    const rule =
      maxItems < 1
        ? 'Member must have value greater than or equal to 1'
        : `Member must have value less than or equal to ${PAGE_LIMIT}`;
    throw validationError([
      `Value '${maxItems}' at 'maxItems' failed to satisfy constraint: ${rule}`,
    ]);
  }
}

/** $LATEST first, then aliases by name. */
function byKey(a: string, b: string): number {
  if (a === b) return 0;
  if (a === LATEST) return -1;
  if (b === LATEST) return 1;
  return a < b ? -1 : 1;
}
