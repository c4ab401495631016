import { z } from 'zod';
import { functionArn, type Namespace } from '../aws/arn.js';
import { invalidParameter, LambdaError, notFound, validationError } from '../aws/errors.js';
import { parseFunctionName } from '../aws/names.js';
import type { MetadataStore } from '../store/metadata-store.js';
import type { EventInvokeConfigRecord, FunctionRecord } from '../store/records.js';
import type { FunctionService } from './functions.js';
import { effectiveQualifier, LATEST } from './versions.js';

/** The body of Put/UpdateFunctionEventInvokeConfig (service model members, JSON types only). */
const destination = z.object({ Destination: z.string().optional() });
export const EventInvokeConfigBody = z.object({
  MaximumRetryAttempts: z.number().int().optional(),
  MaximumEventAgeInSeconds: z.number().int().optional(),
  DestinationConfig: z
    .object({ OnSuccess: destination.optional(), OnFailure: destination.optional() })
    .optional(),
});
export type EventInvokeConfigInput = z.output<typeof EventInvokeConfigBody>;

/** AWS's FunctionEventInvokeConfig as the API returns it. */
export interface FunctionEventInvokeConfig {
  LastModified: number;
  FunctionArn: string;
  MaximumRetryAttempts?: number;
  MaximumEventAgeInSeconds?: number;
  DestinationConfig: {
    OnSuccess: { Destination?: string };
    OnFailure: { Destination?: string };
  };
}

/** What an asynchronous invocation does when no EventInvokeConfig says otherwise. */
export const DEFAULT_MAXIMUM_RETRY_ATTEMPTS = 2;
export const DEFAULT_MAXIMUM_EVENT_AGE_SECONDS = 21_600;

/** The settings the asynchronous queue applies to events invoking `qualifier` (or $LATEST). */
export interface AsyncSettings {
  maximumRetryAttempts: number;
  maximumEventAgeInSeconds: number;
  onSuccess?: string;
  onFailure?: string;
}

export function asyncSettings(
  record: FunctionRecord,
  qualifier: string | undefined,
): AsyncSettings {
  const config = record.eventInvokeConfigs?.[qualifier ?? LATEST];
  const onSuccess = config?.DestinationConfig?.OnSuccess?.Destination;
  const onFailure = config?.DestinationConfig?.OnFailure?.Destination;
  return {
    maximumRetryAttempts: config?.MaximumRetryAttempts ?? DEFAULT_MAXIMUM_RETRY_ATTEMPTS,
    maximumEventAgeInSeconds: config?.MaximumEventAgeInSeconds ?? DEFAULT_MAXIMUM_EVENT_AGE_SECONDS,
    ...(onSuccess ? { onSuccess } : {}),
    ...(onFailure ? { onFailure } : {}),
  };
}

/** The DestinationArn shape's pattern (service-2.json), as AWS prints it. */
const DESTINATION_PATTERN =
  '$|kafka://([^.]([a-zA-Z0-9\\-_.]{0,248}))|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)';
const DESTINATION_ARN = new RegExp(`^(?:${DESTINATION_PATTERN})$`);
/** NumericLatestPublishedOrAliasQualifier, the Qualifier of these operations. */
const QUALIFIER_PATTERN = '\\$(LATEST(\\.PUBLISHED)?)|[a-zA-Z0-9-_$]+';
const QUALIFIER = new RegExp(`^(?:${QUALIFIER_PATTERN})$`);
/** A Lambda function as a destination: `arn:aws:lambda:region:account:function:name[:qualifier]`. */
const FUNCTION_ARN =
  /^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([a-zA-Z0-9-_]+)(?::(\$LATEST|[a-zA-Z0-9-_]+))?$/;
/** Services AWS delivers asynchronous invocation records to (S3 only on failure). */
const DESTINATION_SERVICES = ['lambda', 'sqs', 'sns', 'events', 's3'];

/** ListFunctionEventInvokeConfigs returns at most 50 a page. */
const PAGE_LIMIT = 50;

/** A destination ARN naming a Lambda function, split into its parts. */
export function parseFunctionArn(
  arn: string,
): { ns: Namespace; name: string; qualifier?: string } | undefined {
  const parts = FUNCTION_ARN.exec(arn);
  if (!parts) return undefined;
  const [, region, account, name, qualifier] = parts as unknown as [
    string,
    string,
    string,
    string,
    string | undefined,
  ];
  return { ns: { account, region }, name, ...(qualifier ? { qualifier } : {}) };
}

/**
 * Put/Update/Get/Delete/ListFunctionEventInvokeConfig(s): how asynchronous invocations of a
 * function, version or alias are retried and where their records go. Stored on the function
 * record by qualifier, so they go when the function goes.
 */
export class EventInvokeConfigService {
  constructor(
    private readonly store: MetadataStore,
    private readonly functions: FunctionService,
  ) {}

  /** Replaces the configuration: members not given are unset. */
  async put(
    ns: Namespace,
    rawName: string,
    queryQualifier: string | undefined,
    input: EventInvokeConfigInput,
  ): Promise<FunctionEventInvokeConfig> {
    const { name, key } = await this.target(ns, rawName, queryQualifier, input);
    const config = stored(input);
    await this.write(ns, name, key, () => config);
    return view(ns, name, key, config);
  }

  /** Changes only the members given; the configuration must exist. */
  async update(
    ns: Namespace,
    rawName: string,
    queryQualifier: string | undefined,
    input: EventInvokeConfigInput,
  ): Promise<FunctionEventInvokeConfig> {
    const { name, key } = await this.target(ns, rawName, queryQualifier, input);
    const config = await this.write(ns, name, key, (current) => {
      if (!current) throw missingConfig(ns, name, key);
      return merged(current, input);
    });
    return view(ns, name, key, config);
  }

  async get(
    ns: Namespace,
    rawName: string,
    queryQualifier: string | undefined,
  ): Promise<FunctionEventInvokeConfig> {
    const { name, key } = this.locate(ns, rawName, queryQualifier);
    const record = await this.store.getFunction(ns, name);
    const config = record && live(record, key) ? record.eventInvokeConfigs?.[key] : undefined;
    if (!config) throw missingConfig(ns, name, key);
    return view(ns, name, key, config);
  }

  async delete(ns: Namespace, rawName: string, queryQualifier: string | undefined): Promise<void> {
    const { name, key } = this.locate(ns, rawName, queryQualifier);
    await this.store.mutateFunction(ns, name, (current) => {
      if (!current?.eventInvokeConfigs?.[key]) throw missingConfig(ns, name, key);
      const { [key]: _removed, ...rest } = current.eventInvokeConfigs;
      return { ...current, eventInvokeConfigs: rest };
    });
  }

  /** $LATEST first, then versions by number, then aliases by name; Marker is opaque. */
  async list(
    ns: Namespace,
    rawName: string,
    query: { Marker?: string; MaxItems?: number },
  ): Promise<{ FunctionEventInvokeConfigs: FunctionEventInvokeConfig[]; NextMarker?: string }> {
    checkQuery({ maxItems: query.MaxItems });
    const { name } = parseFunctionName(rawName, ns);
    const record = await this.store.getFunction(ns, name);
    if (!record) throw notFound("The function doesn't exist.");
    const keys = Object.keys(record.eventInvokeConfigs ?? {})
      .filter((k) => live(record, k))
      .sort(byQualifier);
    let start = 0;
    if (query.Marker !== undefined) {
      const after = Buffer.from(query.Marker, 'base64url').toString('utf8');
      if (!QUALIFIER.test(after)) throw invalidParameter(`Invalid marker: ${query.Marker}`);
      start = keys.findIndex((k) => byQualifier(after, k) < 0);
      if (start === -1) start = keys.length;
    }
    const size = Math.min(query.MaxItems ?? PAGE_LIMIT, PAGE_LIMIT);
    const page = keys.slice(start, start + size);
    const configs = page.map((k) =>
      view(ns, name, k, (record.eventInvokeConfigs ?? {})[k] as EventInvokeConfigRecord),
    );
    const last = page[page.length - 1];
    return start + size < keys.length && last !== undefined
      ? { FunctionEventInvokeConfigs: configs, NextMarker: Buffer.from(last).toString('base64url') }
      : { FunctionEventInvokeConfigs: configs };
  }

  /**
   * Put and Update: the model constraints, then "at least one setting", then the function and
   * qualifier must exist, then the destinations must be usable (AWS's order).
   */
  private async target(
    ns: Namespace,
    rawName: string,
    queryQualifier: string | undefined,
    input: EventInvokeConfigInput,
  ): Promise<{ name: string; key: string }> {
    const success = input.DestinationConfig?.OnSuccess?.Destination;
    const failure = input.DestinationConfig?.OnFailure?.Destination;
    checkQuery({ qualifier: queryQualifier });
    const problems: string[] = [];
    checkDestinationPattern(success, 'destinationConfig.onSuccess.destination', problems);
    checkDestinationPattern(failure, 'destinationConfig.onFailure.destination', problems);
    checkRange(input.MaximumRetryAttempts, 'maximumRetryAttempts', 0, 2, problems);
    checkRange(input.MaximumEventAgeInSeconds, 'maximumEventAgeInSeconds', 60, 21_600, problems);
    if (problems.length > 0) throw validationError(problems);
    if (
      input.MaximumRetryAttempts === undefined &&
      input.MaximumEventAgeInSeconds === undefined &&
      input.DestinationConfig === undefined
    ) {
      throw invalidParameter(
        'You must specify at least one of error handling or destination setting.',
      );
    }
    const { name, key } = this.locate(ns, rawName, queryQualifier);
    try {
      await this.functions.find(ns, name, key);
    } catch (err) {
      if (err instanceof LambdaError && err.code === 'ResourceNotFoundException')
        throw notFound("The function doesn't exist.");
      throw err;
    }
    await this.checkDestinations(ns, name, success, failure);
    return { name, key };
  }

  /** The function name and the qualifier the configuration is kept under ($LATEST by default). */
  private locate(
    ns: Namespace,
    rawName: string,
    queryQualifier: string | undefined,
  ): { name: string; key: string } {
    checkQuery({ qualifier: queryQualifier });
    const ref = parseFunctionName(rawName, ns);
    return { name: ref.name, key: effectiveQualifier(ref, queryQualifier) ?? LATEST };
  }

  private async checkDestinations(
    ns: Namespace,
    self: string,
    success: string | undefined,
    failure: string | undefined,
  ): Promise<void> {
    let usable = true;
    for (const [arn, onFailure] of [
      [success, false],
      [failure, true],
    ] as const) {
      if (!arn) continue;
      const service = arn.split(':')[2] ?? '';
      if (!DESTINATION_SERVICES.includes(service) || (service === 's3' && !onFailure)) {
        usable = false;
        continue;
      }
      if (service !== 'lambda') continue;
      const fn = parseFunctionArn(arn);
      if (!fn) {
        usable = false;
        continue;
      }
      const sameNamespace = fn.ns.account === ns.account && fn.ns.region === ns.region;
      if (!sameNamespace || !(await this.store.getFunction(ns, fn.name)))
        throw invalidParameter(`The destination ARN ${arn} is invalid.`);
      if (fn.name === self)
        throw invalidParameter("You can't specify the function as a destination for itself.");
    }
    if (!usable) {
      const part = (kind: string, arn: string | undefined) =>
        arn ? `${kind}(destination=${arn})` : 'null';
      throw invalidParameter(
        `The provided destination config DestinationConfig(onSuccess=${part('OnSuccess', success)}, onFailure=${part('OnFailure', failure)}) is invalid.`,
      );
    }
  }

  /** Reads, changes and writes one configuration atomically; the function must exist. */
  private async write(
    ns: Namespace,
    name: string,
    key: string,
    change: (current: EventInvokeConfigRecord | undefined) => EventInvokeConfigRecord,
  ): Promise<EventInvokeConfigRecord> {
    let next: EventInvokeConfigRecord | undefined;
    await this.store.mutateFunction(ns, name, (current) => {
      if (!current) throw notFound("The function doesn't exist.");
      next = change(current.eventInvokeConfigs?.[key]);
      return { ...current, eventInvokeConfigs: { ...current.eventInvokeConfigs, [key]: next } };
    });
    return next as EventInvokeConfigRecord;
  }
}

/** A configuration outlives a deleted version in the record; it is not shown for one. */
function live(record: FunctionRecord, key: string): boolean {
  return !/^\d+$/.test(key) || record.versions[key] !== undefined;
}

/** Epoch seconds with milliseconds, as AWS returns LastModified here. */
const now = (): number => Date.now() / 1000;

function stored(input: EventInvokeConfigInput): EventInvokeConfigRecord {
  return { ...settingsOf(input), LastModified: now() };
}

/** The members stored and shown alike: limits only when set, both destinations always. */
function settingsOf(source: EventInvokeConfigInput | EventInvokeConfigRecord) {
  return {
    ...(source.MaximumRetryAttempts !== undefined
      ? { MaximumRetryAttempts: source.MaximumRetryAttempts }
      : {}),
    ...(source.MaximumEventAgeInSeconds !== undefined
      ? { MaximumEventAgeInSeconds: source.MaximumEventAgeInSeconds }
      : {}),
    DestinationConfig: {
      OnSuccess: destinationOf(source.DestinationConfig?.OnSuccess),
      OnFailure: destinationOf(source.DestinationConfig?.OnFailure),
    },
  };
}

/** Update: the members given replace the stored ones (OnSuccess and OnFailure each on its own). */
function merged(
  current: EventInvokeConfigRecord,
  input: EventInvokeConfigInput,
): EventInvokeConfigRecord {
  const given = input.DestinationConfig;
  const destinations = current.DestinationConfig ?? {};
  return {
    ...current,
    ...(input.MaximumRetryAttempts !== undefined
      ? { MaximumRetryAttempts: input.MaximumRetryAttempts }
      : {}),
    ...(input.MaximumEventAgeInSeconds !== undefined
      ? { MaximumEventAgeInSeconds: input.MaximumEventAgeInSeconds }
      : {}),
    DestinationConfig: {
      OnSuccess: given?.OnSuccess ? destinationOf(given.OnSuccess) : (destinations.OnSuccess ?? {}),
      OnFailure: given?.OnFailure ? destinationOf(given.OnFailure) : (destinations.OnFailure ?? {}),
    },
    LastModified: now(),
  };
}

/** An empty Destination (the pattern allows it) means none. */
function destinationOf(given: { Destination?: string } | undefined): { Destination?: string } {
  return given?.Destination ? { Destination: given.Destination } : {};
}

function view(
  ns: Namespace,
  name: string,
  key: string,
  config: EventInvokeConfigRecord,
): FunctionEventInvokeConfig {
  return {
    LastModified: config.LastModified,
    FunctionArn: functionArn(ns, name, key),
    ...settingsOf(config),
  };
}

/** AWS names the qualified ARN even when the caller gave no qualifier. */
function missingConfig(ns: Namespace, name: string, key: string): LambdaError {
  return notFound(`The function ${functionArn(ns, name, key)} doesn't have an EventInvokeConfig`);
}

/** The query members' model constraints (Qualifier, MaxItems), as one ValidationException. */
function checkQuery(query: { qualifier?: string; maxItems?: number }): void {
  const problems: string[] = [];
  const { qualifier } = query;
  if (qualifier !== undefined) {
    if (qualifier.length < 1 || qualifier.length > 128) {
      const rule =
        qualifier.length < 1
          ? 'Member must have length greater than or equal to 1'
          : 'Member must have length less than or equal to 128';
      problems.push(problem(qualifier, 'qualifier', rule));
    } else if (!QUALIFIER.test(qualifier)) {
      problems.push(
        problem(
          qualifier,
          'qualifier',
          `Member must satisfy regular expression pattern: ${QUALIFIER_PATTERN}`,
        ),
      );
    }
  }
  checkRange(query.maxItems, 'maxItems', 1, PAGE_LIMIT, problems);
  if (problems.length > 0) throw validationError(problems);
}

function checkDestinationPattern(arn: string | undefined, field: string, problems: string[]): void {
  if (arn === undefined) return;
  if (arn.length > 350)
    problems.push(problem(arn, field, 'Member must have length less than or equal to 350'));
  else if (!DESTINATION_ARN.test(arn))
    problems.push(
      problem(arn, field, `Member must satisfy regular expression pattern: ${DESTINATION_PATTERN}`),
    );
}

function checkRange(
  value: number | undefined,
  field: string,
  min: number,
  max: number,
  problems: string[],
): void {
  if (value === undefined) return;
  if (value < min)
    problems.push(problem(value, field, `Member must have value greater than or equal to ${min}`));
  else if (value > max)
    problems.push(problem(value, field, `Member must have value less than or equal to ${max}`));
}

function problem(value: unknown, field: string, rule: string): string {
  return `Value '${String(value)}' at '${field}' failed to satisfy constraint: ${rule}`;
}

/** $LATEST, then published versions by number, then aliases by name. */
function byQualifier(a: string, b: string): number {
  const rank = (q: string): [number, number, string] =>
    q === LATEST ? [0, 0, ''] : /^\d+$/.test(q) ? [1, Number(q), ''] : [2, 0, q];
  const [ra, na, sa] = rank(a);
  const [rb, nb, sb] = rank(b);
  if (ra !== rb) return ra - rb;
  if (na !== nb) return na - nb;
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}
