import type { IncomingMessage } from 'node:http';
import type { FunctionUrlRecord } from '../store/records.js';
import type { UrlAnswer } from './url-response.js';

type Cors = NonNullable<FunctionUrlRecord['Cors']>;

/** The request's Origin when the URL's Cors allows it (`*` allows every origin). */
function allowedOrigin(cors: Cors | undefined, req: IncomingMessage): string | undefined {
  const origin = req.headers.origin;
  if (!cors || !origin) return undefined;
  const origins = cors.AllowOrigins ?? [];
  return origins.includes('*') || origins.includes(origin) ? origin : undefined;
}

/** A CORS preflight: OPTIONS with Origin and Access-Control-Request-Method. */
export function isPreflight(req: IncomingMessage): boolean {
  return (
    req.method === 'OPTIONS' &&
    req.headers.origin !== undefined &&
    req.headers['access-control-request-method'] !== undefined
  );
}

/**
 * With Cors configured, Lambda answers preflights itself and never invokes the function: 200,
 * and the Access-Control-Allow-* headers when the origin is allowed (none when it is not).
 * The allowed origin is echoed, also for `*`, as AWS does.
 */
export function preflightAnswer(cors: Cors, req: IncomingMessage): UrlAnswer {
  const origin = allowedOrigin(cors, req);
  const headers: [string, string][] = [];
  if (origin) {
    headers.push(['access-control-allow-origin', origin]);
    if (cors.AllowMethods?.length)
      headers.push(['access-control-allow-methods', cors.AllowMethods.join(',')]);
    if (cors.AllowHeaders?.length)
      headers.push(['access-control-allow-headers', cors.AllowHeaders.join(',')]);
    if (cors.AllowCredentials) headers.push(['access-control-allow-credentials', 'true']);
    if (cors.MaxAge !== undefined) headers.push(['access-control-max-age', String(cors.MaxAge)]);
  }
  return { status: 200, headers, body: Buffer.alloc(0) };
}

/**
 * On other responses the configured headers are added to the function's own, duplicates
 * included: AWS does not merge them.
 */
export function withCorsHeaders(
  answer: UrlAnswer,
  cors: Cors | undefined,
  req: IncomingMessage,
): UrlAnswer {
  const origin = allowedOrigin(cors, req);
  if (!cors || !origin) return answer;
  const added: [string, string][] = [['access-control-allow-origin', origin]];
  if (cors.ExposeHeaders?.length)
    added.push(['access-control-expose-headers', cors.ExposeHeaders.join(',')]);
  if (cors.AllowCredentials) added.push(['access-control-allow-credentials', 'true']);
  return { ...answer, headers: [...answer.headers, ...added] };
}

/** A Cors with origins configured; an empty one (as Update may leave) does nothing. */
export const corsEnabled = (cors: Cors | undefined): cors is Cors =>
  (cors?.AllowOrigins ?? []).length > 0;
