import { z } from 'zod';
import { functionArn, type Namespace } from '../aws/arn.js';
import { conflict, invalidParameter, LambdaError, notFound } from '../aws/errors.js';
import { lastModified } from '../aws/formats.js';
import { parseFunctionName } from '../aws/names.js';
import { Constraints } from '../aws/validation.js';
import type { MetadataStore } from '../store/metadata-store.js';
import type { FunctionRecord, ProvisionedConcurrencyRecord } from '../store/records.js';
import type { ProvisionedConfig, ProvisionedState } from '../workers/worker-manager.js';
import type { FunctionObserver, FunctionService } from './functions.js';
import { aliasShares, type AliasObserver } from './aliases.js';
import { MIN_UNRESERVED } from './concurrency.js';
import { effectiveQualifier, LATEST } from './versions.js';

/** PutProvisionedConcurrencyConfig's body; the member is required, which Constraints checks. */
export const PutProvisionedConcurrencyConfigBody = z.object({
  ProvisionedConcurrentExecutions: z.number().int().optional(),
});

/** The Qualifier shape of the model: 1–128 characters of this pattern. */
const QUALIFIER = /^(|[a-zA-Z0-9$_-]+)$/;
const VERSION_NUMBER = /^\d+$/;
/** MaxProvisionedConcurrencyConfigListItems: 1 to 50, which is also the page size. */
const PAGE_LIMIT = 50;

/** What the worker manager does for provisioned concurrency (the environments themselves). */
export interface ProvisionedEnvironments {
  provision(ns: Namespace, functionName: string, configs: readonly ProvisionedConfig[]): void;
  provisionedState(ns: Namespace, functionName: string, version: string): ProvisionedState;
}

export interface ProvisionedConcurrencyConfig {
  RequestedProvisionedConcurrentExecutions: number;
  AvailableProvisionedConcurrentExecutions: number;
  AllocatedProvisionedConcurrentExecutions: number;
  Status: ProvisionedState['status'];
  StatusReason?: string;
  LastModified: string;
}

export type ProvisionedConcurrencyConfigListItem = {
  FunctionArn: string;
} & ProvisionedConcurrencyConfig;

/**
 * Put/Get/Delete/ListProvisionedConcurrencyConfig(s). The store keeps the requested count per
 * qualifier; the worker manager keeps the environments, and Status, Available and Allocated are
 * read from it. A qualifier is a published version or an alias; an alias provisions the
 * version(s) it routes to.
 */
export class ProvisionedConcurrencyService implements FunctionObserver, AliasObserver {
  /** Per function, the last sync queued: syncs run in order, each reading the store afresh. */
  private readonly syncs = new Map<string, Promise<void>>();

  constructor(
    private readonly store: MetadataStore,
    private readonly functions: FunctionService,
    private readonly workers: ProvisionedEnvironments,
    private readonly accountLimit: number,
    private readonly log: (line: string) => void,
  ) {}

  async put(
    ns: Namespace,
    rawName: string,
    rawQualifier: string | undefined,
    requested: number | undefined,
  ): Promise<ProvisionedConcurrencyConfig> {
    const ref = parseFunctionName(rawName, ns);
    const qualifier = effectiveQualifier(ref, rawQualifier);
    qualifierConstraints(qualifier)
      .required(requested, 'provisionedConcurrentExecutions')
      .range(requested, 'provisionedConcurrentExecutions', 1)
      .check();
    const count = requested as number;
    if (qualifier === LATEST) {
      throw invalidParameter(
        'Provisioned Concurrency Configs cannot be applied to unpublished function versions.',
      );
    }
    const key = qualifier as string;
    const record = await this.recordOf(ns, ref.name, key);
    checkTarget(ns, record, key);
    await this.checkRoom(ns, record, key, count);
    const config: ProvisionedConcurrencyRecord = { requested: count, lastModified: lastModified() };
    const stored = await this.store.mutateFunction(ns, ref.name, (current) => {
      if (!current) throw notFound(`Function not found: ${functionArn(ns, ref.name)}`);
      checkTarget(ns, current, key);
      const configs = { ...current.provisionedConcurrency, [key]: config };
      return { ...current, provisionedConcurrency: configs };
    });
    await this.sync(ns, ref.name);
    return this.view(ns, ref.name, targetVersion(ns, stored as FunctionRecord, key), config);
  }

  async get(
    ns: Namespace,
    rawName: string,
    rawQualifier: string | undefined,
  ): Promise<ProvisionedConcurrencyConfig> {
    const { name, key } = this.resolve(ns, rawName, rawQualifier);
    const record = await this.recordOf(ns, name, key);
    const version = targetVersion(ns, record, key);
    const config = record.provisionedConcurrency?.[key];
    if (!config) {
      throw new LambdaError(
        'ProvisionedConcurrencyConfigNotFoundException',
        'No Provisioned Concurrency Config found for this function',
      );
    }
    return this.view(ns, name, version, config);
  }

  /** AWS answers 204 whether or not the version or alias had a config. */
  async delete(ns: Namespace, rawName: string, rawQualifier: string | undefined): Promise<void> {
    const { name, key } = this.resolve(ns, rawName, rawQualifier);
    const record = await this.recordOf(ns, name, key);
    targetVersion(ns, record, key);
    if (!record.provisionedConcurrency?.[key]) return;
    await this.store.mutateFunction(ns, name, (current) => {
      if (!current) throw notFound(`Function not found: ${functionArn(ns, name)}`);
      targetVersion(ns, current, key);
      return withoutConfigs(current, [key]);
    });
    await this.sync(ns, name);
  }

  /** The function's configs, versions by number then aliases by name; Marker is opaque. */
  async list(
    ns: Namespace,
    rawName: string,
    query: { Marker?: string; MaxItems?: number },
  ): Promise<{
    ProvisionedConcurrencyConfigs: ProvisionedConcurrencyConfigListItem[];
    NextMarker?: string;
  }> {
    new Constraints().range(query.MaxItems, 'maxItems', 1, PAGE_LIMIT).check();
    const ref = parseFunctionName(rawName, ns);
    if (ref.qualifier !== undefined) {
      throw invalidParameter('This operation does not support a qualified function name.');
    }
    const { record } = await this.functions.find(ns, ref.name);
    const entries = configsOf(record);
    let start = 0;
    if (query.Marker !== undefined) {
      const after = Buffer.from(query.Marker, 'base64url').toString('utf8');
      if (!QUALIFIER.test(after)) throw invalidParameter(`Invalid marker: ${query.Marker}`);
      start = entries.findIndex(([key]) => byQualifier(key, after) > 0);
      if (start === -1) start = entries.length;
    }
    const size = Math.min(query.MaxItems ?? PAGE_LIMIT, PAGE_LIMIT);
    const page = entries.slice(start, start + size);
    const items = page.map(([key, config]) => ({
      FunctionArn: functionArn(ns, record.name, key),
      ...this.view(ns, record.name, targetVersion(ns, record, key), config),
    }));
    const last = page[page.length - 1];
    return start + size < entries.length && last
      ? {
          ProvisionedConcurrencyConfigs: items,
          NextMarker: Buffer.from(last[0]).toString('base64url'),
        }
      : { ProvisionedConcurrencyConfigs: items };
  }

  /** A version or the function was deleted, or anything else changed: re-apply its configs. */
  functionChanged(ns: Namespace, name: string): void {
    this.sync(ns, name).catch(() => undefined); // sync logs its failures
  }

  /** An alias moved to other versions: its environments follow it. */
  aliasChanged(ns: Namespace, name: string): void {
    this.functionChanged(ns, name);
  }

  /** At start-up: provisioned environments of the configs in the store start again. */
  async resume(): Promise<void> {
    for (const record of await this.store.allFunctions()) {
      if (Object.keys(record.provisionedConcurrency ?? {}).length > 0) {
        await this.sync(record, record.name).catch(() => undefined); // logged by sync
      }
    }
  }

  // ---- internals ----

  /** AWS names the qualified ARN when the function itself is missing. */
  private async recordOf(ns: Namespace, name: string, key: string): Promise<FunctionRecord> {
    const record = await this.store.getFunction(ns, name);
    if (!record) throw notFound(`Function not found: ${functionArn(ns, name, key)}`);
    return record;
  }

  /** Get and Delete: the qualifier must name a published version or an alias. */
  private resolve(
    ns: Namespace,
    rawName: string,
    rawQualifier: string | undefined,
  ): { name: string; key: string } {
    const ref = parseFunctionName(rawName, ns);
    const qualifier = effectiveQualifier(ref, rawQualifier);
    qualifierConstraints(qualifier).check();
    if (qualifier === LATEST) {
      throw invalidParameter(
        'The function resource provided must be an alias or a published version.',
      );
    }
    return { name: ref.name, key: qualifier as string };
  }

  /** AWS's two limits: the function's reserved concurrency, and the account's unreserved floor. */
  private async checkRoom(
    ns: Namespace,
    record: FunctionRecord,
    key: string,
    requested: number,
  ): Promise<void> {
    const others = configsOf(record)
      .filter(([k]) => k !== key)
      .reduce((sum, [, config]) => sum + config.requested, 0);
    if (
      record.reservedConcurrency !== undefined &&
      record.reservedConcurrency < others + requested
    ) {
      throw invalidParameter(
        'Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function',
      );
    }
    const unreserved = this.accountLimit - (await this.store.reservedConcurrencyTotal(ns));
    if (unreserved - requested < MIN_UNRESERVED) {
      throw invalidParameter(
        `Specified ConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${MIN_UNRESERVED}].`,
      );
    }
  }

  private view(
    ns: Namespace,
    name: string,
    version: string,
    config: ProvisionedConcurrencyRecord,
  ): ProvisionedConcurrencyConfig {
    const state = this.workers.provisionedState(ns, name, version);
    return {
      RequestedProvisionedConcurrentExecutions: config.requested,
      AvailableProvisionedConcurrentExecutions: state.available,
      AllocatedProvisionedConcurrentExecutions: state.allocated,
      Status: state.status,
      ...(state.statusReason !== undefined ? { StatusReason: state.statusReason } : {}),
      LastModified: shownTime(config.lastModified),
    };
  }

  /**
   * Tells the worker manager the function's configs as stored now. Configs of versions deleted
   * since are removed first (AWS deletes them with the version). Queued per function, so the
   * last state read is the one applied.
   */
  private sync(ns: Namespace, name: string): Promise<void> {
    const key = `${ns.account}/${ns.region}/${name}`;
    const previous = this.syncs.get(key) ?? Promise.resolve();
    const next = previous.then(() => this.apply(ns, name));
    const settled = next.catch((err: Error) =>
      this.log(`provisioned concurrency of ${name}: ${err.message}`),
    );
    this.syncs.set(key, settled);
    void settled.then(() => {
      if (this.syncs.get(key) === settled) this.syncs.delete(key);
    });
    return next;
  }

  private async apply(ns: Namespace, name: string): Promise<void> {
    let record = await this.store.getFunction(ns, name);
    const orphans = record ? orphanedConfigs(record) : [];
    if (orphans.length > 0) {
      record =
        (await this.store.mutateFunction(ns, name, (current) =>
          current ? withoutConfigs(current, orphanedConfigs(current)) : null,
        )) ?? undefined;
    }
    this.workers.provision(ns, name, record ? versionConfigs(record) : []);
  }
}

function qualifierConstraints(qualifier: string | undefined): Constraints {
  return new Constraints()
    .required(qualifier, 'qualifier')
    .length(qualifier, 'qualifier', 1, 128)
    .pattern(qualifier, 'qualifier', QUALIFIER);
}

/** The version a config's qualifier stands for: a published version, or an alias's primary. */
function targetVersion(ns: Namespace, record: FunctionRecord, key: string): string {
  if (VERSION_NUMBER.test(key)) {
    if (!record.versions[key])
      throw notFound(`Function not found: ${functionArn(ns, record.name, key)}`);
    return key;
  }
  const alias = record.aliases?.[key];
  if (!alias) throw notFound(`Cannot find alias arn: ${functionArn(ns, record.name, key)}`);
  return alias.FunctionVersion;
}

/**
 * Put's rules beyond existence: an alias must point to one published version, and a version is
 * provisioned either directly or through aliases, never both (AWS's words for each).
 */
function checkTarget(ns: Namespace, record: FunctionRecord, key: string): void {
  const version = targetVersion(ns, record, key);
  const configs = record.provisionedConcurrency ?? {};
  const alias = record.aliases?.[key];
  if (alias) {
    if (alias.RoutingConfig) {
      throw invalidParameter('Alias with weights can not be used with Provisioned Concurrency');
    }
    if (version === LATEST) {
      throw invalidParameter(
        'Provisioned Concurrency Configs cannot be applied to unpublished function versions.',
      );
    }
    if (configs[version]) {
      throw conflict(
        "Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version",
      );
    }
    return;
  }
  const pointing = Object.entries(record.aliases ?? {}).some(
    ([name, a]) => configs[name] !== undefined && aliasShares(a).some(([v]) => v === key),
  );
  if (pointing) throw conflict('Version is pointed by a Provisioned Concurrency alias');
}

/** The configs of versions and aliases that exist: versions by number, then aliases by name. */
function configsOf(record: FunctionRecord): [string, ProvisionedConcurrencyRecord][] {
  return Object.entries(record.provisionedConcurrency ?? {})
    .filter(([key]) => !isOrphaned(record, key))
    .sort(([a], [b]) => byQualifier(a, b));
}

function isOrphaned(record: FunctionRecord, key: string): boolean {
  if (VERSION_NUMBER.test(key)) return record.versions[key] === undefined;
  const alias = record.aliases?.[key];
  return !alias || record.versions[alias.FunctionVersion] === undefined;
}

function orphanedConfigs(record: FunctionRecord): string[] {
  return Object.keys(record.provisionedConcurrency ?? {}).filter((k) => isOrphaned(record, k));
}

/**
 * What each published version needs, adding up its own config and those of aliases routing to
 * it. An alias's count is split by its weights (AWS spreads it over both versions while a
 * weighted alias shifts traffic).
 */
function versionConfigs(record: FunctionRecord): ProvisionedConfig[] {
  const byVersion = new Map<string, ProvisionedConfig>();
  for (const [key, config] of configsOf(record)) {
    for (const [number, requested] of split(record, key, config.requested)) {
      const version = record.versions[number];
      if (!version || requested === 0) continue;
      const prior = byVersion.get(number);
      const latest = prior && prior.lastModified > config.lastModified ? prior : config;
      byVersion.set(number, {
        version,
        requested: (prior?.requested ?? 0) + requested,
        lastModified: latest.lastModified,
      });
    }
  }
  return [...byVersion.values()];
}

function split(record: FunctionRecord, key: string, requested: number): [string, number][] {
  const alias = record.aliases?.[key];
  if (!alias) return [[key, requested]];
  const [[primary], ...extra] = aliasShares(alias) as [[string, number], ...[string, number][]];
  const counts = extra.map(([v, weight]): [string, number] => [v, Math.round(requested * weight)]);
  const rest = requested - counts.reduce((sum, [, n]) => sum + n, 0);
  return [[primary, rest], ...counts];
}

/** Versions by number, then aliases by name. */
function byQualifier(a: string, b: string): number {
  const rank = (q: string): [number, number, string] =>
    VERSION_NUMBER.test(q) ? [0, Number(q), ''] : [1, 0, q];
  const [ra, na, sa] = rank(a);
  const [rb, nb, sb] = rank(b);
  if (ra !== rb) return ra - rb;
  if (na !== nb) return na - nb;
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function withoutConfigs(record: FunctionRecord, versions: string[]): FunctionRecord {
  const configs = { ...record.provisionedConcurrency };
  for (const version of versions) delete configs[version];
  const { provisionedConcurrency: _old, ...rest } = record;
  return Object.keys(configs).length > 0 ? { ...rest, provisionedConcurrency: configs } : rest;
}

/** AWS shows a config's LastModified to the second: `2019-12-31T20:28:49+0000`. */
function shownTime(stored: string): string {
  return stored.replace(/\.\d+\+0000$/, '+0000');
}
