import {
  aliasNameConstraints,
  checkRouting,
  descriptionConstraints,
  functionVersionConstraints,
  weightProblems,
  type CreateAliasInput,
  type UpdateAliasInput,
  type Weights,
} from '../aws/alias-rules.js';
import { functionArn, type Namespace } from '../aws/arn.js';
import { conflict, invalidParameter, LambdaError, notFound } from '../aws/errors.js';
import { newRevisionId } from '../aws/formats.js';
import { parseFunctionName } from '../aws/names.js';
import type { MetadataStore } from '../store/metadata-store.js';
import type { AliasRecord, FunctionRecord, VersionRecord } from '../store/records.js';
import { LATEST } from './versions.js';

/** AWS's AliasConfiguration. */
export interface AliasConfiguration {
  AliasArn: string;
  Name: string;
  FunctionVersion: string;
  Description: string;
  RoutingConfig?: { AdditionalVersionWeights: Weights };
  RevisionId: string;
}

/** Told when an alias is created, moved or deleted (provisioned concurrency follows aliases). */
export interface AliasObserver {
  aliasChanged(ns: Namespace, functionName: string): void;
}

/** ListAliases returns at most 50 a page, whatever MaxItems asks beyond that. */
const PAGE_LIMIT = 50;

/**
 * The version an invocation of `qualifier` runs. For a weighted alias that is the additional
 * version with its weight's probability, chosen anew for every invocation, else the primary.
 */
export function routedVersion(
  record: FunctionRecord,
  primary: VersionRecord,
  qualifier: string | undefined,
  random: () => number = Math.random,
): VersionRecord {
  const alias = qualifier === undefined ? undefined : record.aliases?.[qualifier];
  const [additional, weight] =
    Object.entries(alias?.RoutingConfig?.AdditionalVersionWeights ?? {})[0] ?? [];
  if (additional === undefined || weight === undefined) return primary;
  return random() < weight ? (record.versions[additional] ?? primary) : primary;
}

/** The versions an alias sends invocations to, with the share of them each gets. */
export function aliasShares(alias: AliasRecord): [string, number][] {
  const extra = Object.entries(alias.RoutingConfig?.AdditionalVersionWeights ?? {});
  const rest = 1 - extra.reduce((sum, [, weight]) => sum + weight, 0);
  return [[alias.FunctionVersion, rest], ...extra];
}

/** DeleteFunction of a version: AWS refuses while an alias routes to it, naming the aliases. */
export function refuseAliasedVersion(record: FunctionRecord, version: string): void {
  const names = Object.entries(record.aliases ?? {})
    .filter(([, alias]) => aliasShares(alias).some(([v]) => v === version))
    .map(([name]) => name)
    .sort();
  if (names.length > 0) {
    throw conflict(
      `Unable to delete version because the following aliases reference it: [${names.join(', ')}]`,
    );
  }
}

/** CreateAlias, GetAlias, UpdateAlias, DeleteAlias, ListAliases. Aliases live on the function record. */
export class AliasService {
  constructor(
    private readonly store: MetadataStore,
    private readonly observer: AliasObserver,
  ) {}

  async create(
    ns: Namespace,
    rawName: string,
    input: CreateAliasInput,
  ): Promise<AliasConfiguration> {
    const weights = input.RoutingConfig?.AdditionalVersionWeights;
    const c = aliasNameConstraints(input.Name);
    functionVersionConstraints(
      input.FunctionVersion,
      c.required(input.FunctionVersion, 'functionVersion'),
    );
    descriptionConstraints(input.Description, c).add(weightProblems(weights)).check();
    const name = input.Name as string;
    const fn = parseFunctionName(rawName, ns).name;
    const alias: AliasRecord = {
      FunctionVersion: input.FunctionVersion as string,
      Description: input.Description ?? '',
      ...routing(weights),
      RevisionId: newRevisionId(),
    };
    await this.store.mutateFunction(ns, fn, (current) => {
      const record = existing(ns, fn, current);
      checkTargets(ns, record, alias);
      if (record.aliases?.[name]) {
        throw conflict(`Alias already exists: ${functionArn(ns, fn, name)}`);
      }
      return { ...record, aliases: { ...record.aliases, [name]: alias } };
    });
    this.observer.aliasChanged(ns, fn);
    return view(ns, fn, name, alias);
  }

  async get(ns: Namespace, rawName: string, name: string): Promise<AliasConfiguration> {
    aliasNameConstraints(name).check();
    const fn = parseFunctionName(rawName, ns).name;
    const record = existing(ns, fn, await this.store.getFunction(ns, fn));
    const alias = record.aliases?.[name];
    if (!alias) throw notFound(`Cannot find alias arn: ${functionArn(ns, fn, name)}`);
    return view(ns, fn, name, alias);
  }

  /** Changes the members given; a RoutingConfig replaces the old one (empty weights remove it). */
  async update(
    ns: Namespace,
    rawName: string,
    name: string,
    input: UpdateAliasInput,
  ): Promise<AliasConfiguration> {
    const weights = input.RoutingConfig?.AdditionalVersionWeights;
    const c = aliasNameConstraints(name);
    functionVersionConstraints(input.FunctionVersion, c);
    descriptionConstraints(input.Description, c).add(weightProblems(weights)).check();
    const fn = parseFunctionName(rawName, ns).name;
    let next: AliasRecord | undefined;
    await this.store.mutateFunction(ns, fn, (current) => {
      const record = existing(ns, fn, current);
      const alias = record.aliases?.[name];
      if (!alias) throw notFound(`Alias not found: ${functionArn(ns, fn, name)}`);
      if (input.RevisionId !== undefined && input.RevisionId !== alias.RevisionId) {
        throw new LambdaError(
          'PreconditionFailedException',
          'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
        );
      }
      const { RoutingConfig: kept, ...rest } = alias;
      next = {
        ...rest,
        FunctionVersion: input.FunctionVersion ?? alias.FunctionVersion,
        Description: input.Description ?? alias.Description,
        ...(input.RoutingConfig ? routing(weights) : kept ? { RoutingConfig: kept } : {}),
        RevisionId: newRevisionId(),
      };
      checkTargets(ns, record, next);
      return { ...record, aliases: { ...record.aliases, [name]: next } };
    });
    this.observer.aliasChanged(ns, fn);
    return view(ns, fn, name, next as AliasRecord);
  }

  /**
   * AWS answers 204 whether or not the alias existed. What was configured for the alias (async
   * invoke config, provisioned concurrency, resource policy, URL) goes with it.
   */
  async delete(ns: Namespace, rawName: string, name: string): Promise<void> {
    aliasNameConstraints(name).check();
    const fn = parseFunctionName(rawName, ns).name;
    let removed = false;
    await this.store.mutateFunction(ns, fn, (current) => {
      const record = existing(ns, fn, current);
      removed = record.aliases?.[name] !== undefined;
      return removed ? withoutAlias(record, name) : record;
    });
    if (removed) this.observer.aliasChanged(ns, fn);
  }

  /** Aliases by name; FunctionVersion keeps those whose primary version it is. */
  async list(
    ns: Namespace,
    rawName: string,
    query: { FunctionVersion?: string; Marker?: string; MaxItems?: number },
  ): Promise<{ Aliases: AliasConfiguration[]; NextMarker?: string }> {
    functionVersionConstraints(query.FunctionVersion)
      .range(query.MaxItems, 'maxItems', 1, 10000)
      .check();
    const fn = parseFunctionName(rawName, ns).name;
    const record = existing(ns, fn, await this.store.getFunction(ns, fn));
    const names = Object.entries(record.aliases ?? {})
      .filter(
        ([, a]) =>
          query.FunctionVersion === undefined || a.FunctionVersion === query.FunctionVersion,
      )
      .map(([name]) => name)
      .sort();
    const start = query.Marker === undefined ? 0 : positionAfter(names, query.Marker);
    const size = Math.min(query.MaxItems ?? PAGE_LIMIT, PAGE_LIMIT);
    const page = names.slice(start, start + size);
    const aliases = page.map((name) => view(ns, fn, name, record.aliases?.[name] as AliasRecord));
    const last = page[page.length - 1];
    return start + size < names.length && last !== undefined
      ? { Aliases: aliases, NextMarker: Buffer.from(last).toString('base64url') }
      : { Aliases: aliases };
  }
}

function existing(ns: Namespace, name: string, record: FunctionRecord | undefined): FunctionRecord {
  if (!record) throw notFound(`Function not found: ${functionArn(ns, name)}`);
  return record;
}

/** The versions an alias names must exist, and its routing must follow AWS's rules. */
function checkTargets(ns: Namespace, record: FunctionRecord, alias: AliasRecord): void {
  const primary = alias.FunctionVersion;
  if (primary !== LATEST) existingVersion(ns, record, primary);
  const weights = alias.RoutingConfig?.AdditionalVersionWeights;
  checkRouting(primary, weights);
  for (const version of Object.keys(weights ?? {})) existingVersion(ns, record, version);
}

function existingVersion(ns: Namespace, record: FunctionRecord, version: string): void {
  if (!record.versions[version]) {
    throw notFound(`Function not found: ${functionArn(ns, record.name, version)}`);
  }
}

function routing(weights: Weights | undefined): Pick<AliasRecord, 'RoutingConfig'> {
  return weights && Object.keys(weights).length > 0
    ? { RoutingConfig: { AdditionalVersionWeights: { ...weights } } }
    : {};
}

/** The record without the alias and everything kept under its name as a qualifier. */
function withoutAlias(record: FunctionRecord, name: string): FunctionRecord {
  const drop = <T>(map: Record<string, T> | undefined): Record<string, T> | undefined => {
    if (!map || !(name in map)) return map;
    const { [name]: _gone, ...rest } = map;
    return rest;
  };
  return {
    ...record,
    aliases: drop(record.aliases),
    eventInvokeConfigs: drop(record.eventInvokeConfigs),
    provisionedConcurrency: drop(record.provisionedConcurrency),
    policies: drop(record.policies),
    urlConfigs: drop(record.urlConfigs),
  };
}

function view(ns: Namespace, fn: string, name: string, alias: AliasRecord): AliasConfiguration {
  return {
    AliasArn: functionArn(ns, fn, name),
    Name: name,
    FunctionVersion: alias.FunctionVersion,
    Description: alias.Description,
    ...(alias.RoutingConfig ? { RoutingConfig: alias.RoutingConfig } : {}),
    RevisionId: alias.RevisionId,
  };
}

/** A marker is the last name of the previous page; aliases deleted since are skipped over. */
function positionAfter(names: string[], marker: string): number {
  const after = Buffer.from(marker, 'base64url').toString('utf8');
  if (!/^[a-zA-Z0-9-_]+$/.test(after)) throw invalidParameter(`Invalid marker: ${marker}`);
  const index = names.findIndex((name) => name > after);
  return index === -1 ? names.length : index;
}
