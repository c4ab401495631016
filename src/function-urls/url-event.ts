import type { IncomingMessage } from 'node:http';
import { randomHex } from '../aws/formats.js';

/** What the request says about the URL, once the router has found it. */
export interface UrlRequest {
  urlId: string;
  /** `<url-id>.lambda-url.<region>.localhost`, AWS's domainName. */
  domain: string;
  /** The path after the URL's root, as received (still percent-encoded). */
  rawPath: string;
  /** The query string without `?`, as received. */
  rawQueryString: string;
  body: Buffer;
  requestId: string;
  /** Port this server listens on, which AWS reports in x-forwarded-port. */
  port: number;
  /** The IAM caller for AWS_IAM URLs; absent for NONE. */
  caller?: IamCaller;
}

export interface IamCaller {
  accessKey: string;
  accountId: string;
}

/**
 * Hop-by-hop headers never reach the function (AWS's front end consumes them); `cookie` arrives
 * as the `cookies` array instead.
 */
const DROPPED = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'expect',
  'cookie',
]);

/**
 * Request bodies Lambda passes as text; anything else (and text that is not UTF-8) arrives
 * base64-encoded with isBase64Encoded true, as AWS does for function URLs.
 */
const TEXT_TYPE = /^(text\/|application\/(json|javascript|ecmascript|xml)\b|[^;]*\+(json|xml)\b)/i;

/**
 * The HTTP request as AWS's payload format 2.0 event for function URLs (the API Gateway HTTP API
 * shape, with `$default` placeholders): headers lower-cased with repeated values comma-joined,
 * query parameters decoded and comma-joined, cookies split out, the body as text or base64.
 */
export function urlEvent(req: IncomingMessage, url: UrlRequest): Record<string, unknown> {
  const headers = eventHeaders(req, url);
  const cookies = cookiesOf(req);
  const query = queryParameters(url.rawQueryString);
  const now = new Date();
  const sourceIp = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  const { body, isBase64Encoded } = eventBody(url.body, headers['content-type']);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.rawPath,
    rawQueryString: url.rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(query ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: url.caller ? url.caller.accountId : 'anonymous',
      apiId: url.urlId,
      ...(url.caller ? { authorizer: { iam: iamIdentity(url.caller) } } : {}),
      domainName: url.domain,
      domainPrefix: url.urlId,
      http: {
        method: req.method ?? 'GET',
        path: url.rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: url.requestId,
      routeKey: '$default',
      stage: '$default',
      time: clfTime(now),
      timeEpoch: now.getTime(),
    },
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded,
  };
}

function eventHeaders(req: IncomingMessage, url: UrlRequest): Record<string, string> {
  const grouped: Record<string, string[]> = {};
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    if (DROPPED.has(name)) continue;
    (grouped[name] ??= []).push(raw[i + 1] as string);
  }
  const headers: Record<string, string> = {};
  for (const [name, values] of Object.entries(grouped)) headers[name] = values.join(',');
  const sourceIp = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  // Headers AWS's front end adds (the TLS ones do not apply: this endpoint is plain HTTP).
  headers['x-amzn-trace-id'] ??=
    `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomHex(12)}`;
  headers['x-forwarded-for'] = headers['x-forwarded-for']
    ? `${headers['x-forwarded-for']}, ${sourceIp}`
    : sourceIp;
  headers['x-forwarded-proto'] = 'http';
  headers['x-forwarded-port'] = String(url.port);
  return headers;
}

function cookiesOf(req: IncomingMessage): string[] {
  const raw = req.rawHeaders;
  const cookies: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if ((raw[i] as string).toLowerCase() !== 'cookie') continue;
    for (const part of (raw[i + 1] as string).split(';')) {
      const cookie = part.trim();
      if (cookie) cookies.push(cookie);
    }
  }
  return cookies;
}

function queryParameters(raw: string): Record<string, string> | undefined {
  if (raw === '') return undefined;
  const grouped: Record<string, string[]> = {};
  for (const [key, value] of new URLSearchParams(raw)) (grouped[key] ??= []).push(value);
  const out: Record<string, string> = {};
  for (const [key, values] of Object.entries(grouped)) out[key] = values.join(',');
  return out;
}

function eventBody(
  raw: Buffer,
  contentType: string | undefined,
): { body?: string; isBase64Encoded: boolean } {
  if (raw.length === 0) return { isBase64Encoded: false };
  if (TEXT_TYPE.test(contentType ?? '')) {
    const text = new TextDecoder('utf-8', { fatal: false }).decode(raw);
    if (Buffer.from(text, 'utf8').equals(raw)) return { body: text, isBase64Encoded: false };
  }
  return { body: raw.toString('base64'), isBase64Encoded: true };
}

/**
 * AWS only knows the caller's access key and account here; ids and the ARN are derived from the
 * key, since this server has no IAM.
 */
function iamIdentity(caller: IamCaller): Record<string, unknown> {
  return {
    accessKey: caller.accessKey,
    accountId: caller.accountId,
    callerId: caller.accessKey,
    cognitoIdentity: null,
    principalOrgId: null,
    userArn: `arn:aws:iam::${caller.accountId}:root`,
    userId: caller.accessKey,
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `12/Mar/2020:19:03:58 +0000`, the common log format time AWS puts in requestContext.time. */
function clfTime(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}
