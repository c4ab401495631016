import type http from 'node:http';
import { ApiRefusal, answer, identifier, readBody, reply } from './extensions-api.js';
import protocol from './protocol.json' with { type: 'json' };

/** Which API a subscription came through: the Telemetry API (2022-07-01) or the older Logs API. */
export type SubscriptionApi = 'telemetry' | 'logs';

export type TelemetryType = 'platform' | 'function' | 'extension';

/** A valid subscription request, defaults filled in. */
export interface Subscription {
  api: SubscriptionApi;
  schemaVersion: string;
  protocol: 'HTTP' | 'TCP';
  uri: string;
  types: TelemetryType[];
  buffering: { maxItems: number; maxBytes: number; timeoutMs: number };
}

/** What the environment does with a subscription (src/workers/telemetry.ts). */
export interface TelemetryService {
  /** `true` for a new subscription, `false` when the extension was subscribed already. */
  subscribe(extensionId: string, subscription: Subscription): boolean;
}

/**
 * AWS's documented limits per API. Telemetry API: maxItems 1,000–10,000 (default 1,000),
 * maxBytes 262,144–1,048,576 (default 262,144), timeoutMs 25–30,000 (default 1,000); the Logs
 * API defaults maxItems to 10,000.
 */
const LIMITS = {
  maxItems: { min: 1000, max: 10000 },
  maxBytes: { min: 262144, max: 1048576 },
  timeoutMs: { min: 25, max: 30000 },
} as const;
const DEFAULTS: Record<SubscriptionApi, Subscription['buffering']> = {
  telemetry: { maxItems: 1000, maxBytes: 262144, timeoutMs: 1000 },
  logs: { maxItems: 10000, maxBytes: 262144, timeoutMs: 1000 },
};
const SCHEMA_VERSIONS: Record<SubscriptionApi, string[]> = {
  telemetry: ['2022-07-01', '2022-12-13', '2025-01-29'],
  logs: ['2020-08-15', '2021-03-18'],
};
const TYPES: TelemetryType[] = ['platform', 'function', 'extension'];

/**
 * `PUT /2022-07-01/telemetry` and `PUT /2020-08-15/logs`: an extension (by its identifier)
 * subscribes a listener of its own to the environment's telemetry. Answers as AWS's Runtime API
 * does: 200 `"OK"` (or `"AlreadySubcribed"`, AWS's spelling), 400 for an invalid request, 403
 * for an unknown extension or once init is over.
 */
export function telemetryRoute(
  service: () => TelemetryService | undefined,
): (req: http.IncomingMessage, res: http.ServerResponse) => boolean {
  return (req, res) => {
    const url = req.url ?? '';
    const api: SubscriptionApi | undefined =
      url === protocol.paths.telemetrySubscribe
        ? 'telemetry'
        : url === protocol.paths.logsSubscribe
          ? 'logs'
          : undefined;
    if (!api) return false;
    const target = service();
    if (req.method !== 'PUT' || !target) {
      reply(res, 404, { errorMessage: 'Unknown path', errorType: 'NotFound' });
      return true;
    }
    readBody(req, (body) =>
      answer(res, () => {
        const id = identifier(req);
        const fresh = target.subscribe(id, parseSubscription(api, body));
        reply(res, 200, fresh ? 'OK' : 'AlreadySubcribed');
      }),
    );
    return true;
  };
}

export function parseSubscription(api: SubscriptionApi, body: Buffer): Subscription {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch (err) {
    throw invalid(`invalid JSON: ${(err as Error).message}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw invalid('the request body must be a JSON object');
  const schemaVersion = value.schemaVersion ?? (api === 'logs' ? '2020-08-15' : undefined);
  if (typeof schemaVersion !== 'string' || !SCHEMA_VERSIONS[api].includes(schemaVersion))
    throw invalid(`schemaVersion must be one of ${SCHEMA_VERSIONS[api].join(', ')}`);
  const destination = value.destination as { protocol?: unknown; URI?: unknown } | undefined;
  if (!destination || typeof destination !== 'object') throw invalid('destination is required');
  if (destination.protocol !== 'HTTP' && destination.protocol !== 'TCP')
    throw invalid('destination.protocol must be HTTP or TCP');
  const uri = destination.URI;
  if (typeof uri !== 'string' || !validUri(uri, destination.protocol))
    throw invalid(`destination.URI is not a valid ${destination.protocol} URI`);
  const types = value.types;
  if (
    !Array.isArray(types) ||
    types.length === 0 ||
    types.some((t) => !TYPES.includes(t as TelemetryType))
  )
    throw invalid('types must be a non-empty list of platform, function, extension');
  return {
    api,
    schemaVersion,
    protocol: destination.protocol,
    uri,
    types: [...new Set(types as TelemetryType[])],
    buffering: buffering(api, value.buffering),
  };
}

function buffering(api: SubscriptionApi, raw: unknown): Subscription['buffering'] {
  const out = { ...DEFAULTS[api] };
  if (raw === undefined || raw === null) return out;
  if (typeof raw !== 'object') throw invalid('buffering must be an object');
  for (const key of Object.keys(LIMITS) as (keyof typeof LIMITS)[]) {
    const given = (raw as Record<string, unknown>)[key];
    if (given === undefined) continue;
    const { min, max } = LIMITS[key];
    if (typeof given !== 'number' || !Number.isInteger(given) || given < min || given > max)
      throw invalid(`buffering.${key} must be an integer between ${min} and ${max}`);
    out[key] = given;
  }
  return out;
}

/** HTTP wants http://host[:port][/path] (not HTTPS); TCP wants tcp://host:port. */
function validUri(uri: string, kind: 'HTTP' | 'TCP'): boolean {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return false;
  }
  return url.protocol === (kind === 'HTTP' ? 'http:' : 'tcp:') && url.hostname !== '';
}

function invalid(message: string): ApiRefusal {
  return new ApiRefusal('ValidationError', message, 400);
}
