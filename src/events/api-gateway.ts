import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import {
  clfTime,
  hex,
  upperAlnum,
  uuid,
  value,
  type EventOption,
  type EventValues,
} from './event-options.js';

/** The options of both API Gateway events (SAM's, plus `--query`). */
export const API_OPTIONS: readonly EventOption[] = [
  { name: 'method', default: 'POST', help: 'the HTTP method' },
  { name: 'path', default: '/path/to/resource', help: 'the request path' },
  { name: 'query', default: '', help: "the query string, e.g. 'a=1&a=2&b=3'" },
  { name: 'body', default: '{"test":"body"}', help: 'the request body (empty for none)' },
  { name: 'account-id', default: '123456789012', help: 'the API’s account' },
  { name: 'region', default: 'us-east-1', help: 'the API’s region' },
];

/**
 * A REST API's Lambda proxy integration event (payload format 1.0), as API Gateway sends it
 * for `ANY <resource>` behind a stage: single- and multi-value headers and query (the
 * single-value maps keep the last value), path parameters matched from the resource template,
 * a text body as is.
 */
export function restApiEvent(values: EventValues, now = new Date()): APIGatewayProxyEvent {
  const method = value(values, 'method').toUpperCase();
  const path = withSlash(value(values, 'path'));
  const resource = value(values, 'resource');
  const stage = value(values, 'stage');
  const body = value(values, 'body');
  const apiId = upperAlnum(10).toLowerCase();
  const domainName = `${apiId}.execute-api.${value(values, 'region')}.amazonaws.com`;
  const headerPairs = requestHeaders(domainName, body, 'Title-Case');
  const query = queryPairs(value(values, 'query'));
  return {
    resource,
    path,
    httpMethod: method,
    headers: lastValues(headerPairs),
    multiValueHeaders: allValues(headerPairs),
    queryStringParameters: query.length > 0 ? lastValues(query) : null,
    multiValueQueryStringParameters: query.length > 0 ? allValues(query) : null,
    pathParameters: pathParameters(resource, path),
    stageVariables: null,
    requestContext: {
      resourceId: upperAlnum(6).toLowerCase(),
      resourcePath: resource,
      httpMethod: method,
      extendedRequestId: `${upperAlnum(14)}=`,
      requestTime: clfTime(now),
      path: `/${stage}${path}`,
      accountId: value(values, 'account-id'),
      protocol: 'HTTP/1.1',
      stage,
      domainPrefix: apiId,
      requestTimeEpoch: now.getTime(),
      requestId: uuid(),
      identity: {
        cognitoIdentityPoolId: null,
        accountId: null,
        cognitoIdentityId: null,
        caller: null,
        sourceIp: SOURCE_IP,
        principalOrgId: null,
        accessKey: null,
        cognitoAuthenticationType: null,
        cognitoAuthenticationProvider: null,
        userArn: null,
        userAgent: USER_AGENT,
        user: null,
        apiKey: null,
        apiKeyId: null,
        clientCert: null,
      },
      domainName,
      apiId,
      authorizer: undefined, // absent without an authorizer
    },
    body: body === '' ? null : body,
    isBase64Encoded: false,
  };
}

/**
 * An HTTP API's event (payload format 2.0) for its `$default` route and stage: lower-case
 * headers, repeated query values joined with commas, no multi-value maps, and the members
 * that would be empty (query, cookies, body, path parameters) left out, as API Gateway does.
 */
export function httpApiEvent(values: EventValues, now = new Date()): APIGatewayProxyEventV2 {
  const method = value(values, 'method').toUpperCase();
  const path = withSlash(value(values, 'path'));
  const body = value(values, 'body');
  const rawQueryString = value(values, 'query');
  const query = queryPairs(rawQueryString);
  const apiId = upperAlnum(10).toLowerCase();
  const domainName = `${apiId}.execute-api.${value(values, 'region')}.amazonaws.com`;
  const routeKey = value(values, 'route-key') || '$default';
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString,
    headers: joinedValues(requestHeaders(domainName, body, 'lower-case')),
    ...(query.length > 0 ? { queryStringParameters: joinedValues(query) } : {}),
    requestContext: {
      accountId: value(values, 'account-id'),
      apiId,
      domainName,
      domainPrefix: apiId,
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: SOURCE_IP, userAgent: USER_AGENT },
      requestId: `${upperAlnum(14)}=`,
      routeKey,
      stage: value(values, 'stage') || '$default',
      time: clfTime(now),
      timeEpoch: now.getTime(),
    },
    ...(body === '' ? {} : { body }),
    isBase64Encoded: false,
  };
}

const SOURCE_IP = '203.0.113.10';
const USER_AGENT = 'curl/8.5.0';

type Pair = [string, string];

/** What a client's request carries once CloudFront and API Gateway have added theirs. */
function requestHeaders(host: string, body: string, style: 'Title-Case' | 'lower-case'): Pair[] {
  const pairs: Pair[] = [
    ['Accept', '*/*'],
    ...(body === ''
      ? []
      : ([
          ['Content-Length', String(Buffer.byteLength(body))],
          ['Content-Type', 'application/json'],
        ] as Pair[])),
    ['Host', host],
    ['User-Agent', USER_AGENT],
    ['X-Amzn-Trace-Id', `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${hex(12)}`],
    ['X-Forwarded-For', SOURCE_IP],
    ['X-Forwarded-Port', '443'],
    ['X-Forwarded-Proto', 'https'],
  ];
  return style === 'lower-case' ? pairs.map(([k, v]) => [k.toLowerCase(), v]) : pairs;
}

function queryPairs(query: string): Pair[] {
  return [...new URLSearchParams(query)];
}

const lastValues = (pairs: Pair[]): Record<string, string> => Object.fromEntries(pairs);

function allValues(pairs: Pair[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of pairs) (out[k] ??= []).push(v);
  return out;
}

function joinedValues(pairs: Pair[]): Record<string, string> {
  return Object.fromEntries(Object.entries(allValues(pairs)).map(([k, v]) => [k, v.join(',')]));
}

const withSlash = (path: string): string => (path.startsWith('/') ? path : `/${path}`);

/**
 * The values of a resource template's `{name}` and greedy `{name+}` segments in `path`
 * (`/{proxy+}` and `/a/b` give `{ proxy: 'a/b' }`); null when the template has none or
 * does not match, as API Gateway sends for a resource without parameters.
 */
export function pathParameters(resource: string, path: string): Record<string, string> | null {
  const template = resource.split('/').filter(Boolean);
  const segments = path.split('/').filter(Boolean);
  const found: Record<string, string> = {};
  for (const [i, part] of template.entries()) {
    const param = /^\{(.+?)(\+)?\}$/.exec(part);
    if (!param) {
      if (segments[i] !== part) return null;
      continue;
    }
    const [, name, greedy] = param as unknown as [string, string, string | undefined];
    const taken = greedy ? segments.slice(i).join('/') : segments[i];
    if (taken === undefined || taken === '') return null;
    found[name] = taken;
    if (greedy) break;
  }
  return Object.keys(found).length > 0 ? found : null;
}
