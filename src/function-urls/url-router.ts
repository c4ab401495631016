import type { NextFunction, Request, Response } from 'express';
import { LambdaError } from '../aws/errors.js';
import { parseUrlHost, URL_ID, urlDomain } from '../aws/function-url-rules.js';
import type { FunctionUrlService, UrlTarget } from '../control-plane/function-urls.js';
import { LATEST } from '../control-plane/versions.js';
import { readBody } from '../frontend/body.js';
import { requestIdOf } from '../frontend/request-context.js';
import { drainRequest } from '../http/drain.js';
import { endWithBytes } from '../http/end-with-bytes.js';
import type { InvocationService } from '../invocation/invocation-service.js';
import { MAX_SYNC_PAYLOAD_BYTES } from '../invocation/payload.js';
import { authorizeUrlRequest, iamCaller } from './url-auth.js';
import { corsEnabled, isPreflight, preflightAnswer, withCorsHeaders } from './url-cors.js';
import { urlEvent, type IamCaller } from './url-event.js';
import { internalServerError, urlAnswer, type UrlAnswer } from './url-response.js';
import { UrlStreamWriter } from './url-stream.js';

/** Path-style addressing for clients that cannot set Host: `/_asimov/lambda-url/<url-id>/<path…>`. */
const PATH_PREFIX = /^\/_asimov\/lambda-url\/([a-z0-9]{32})(?=\/|$)/;

interface Routed {
  urlId: string;
  /** The region the Host names; path-style requests do not name one. */
  region?: string;
  rawPath: string;
  rawQueryString: string;
}

export interface UrlRouterDeps {
  urls: FunctionUrlService;
  invocations: InvocationService;
  /** The port this server listens on. */
  port: () => number;
}

/**
 * Serves function URLs: requests whose Host is `<url-id>.lambda-url.<region>.localhost[:port]`,
 * or whose path starts with `/_asimov/lambda-url/<url-id>`, go to the URL's function as AWS's
 * payload format 2.0 event; everything else goes on to the Lambda API.
 */
export function functionUrlRouter(deps: UrlRouterDeps) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const routed = route(req);
    if (!routed) return next();
    serve(deps, req, res, routed).catch(next);
  };
}

function route(req: Request): Routed | null {
  const url = req.originalUrl;
  const mark = url.indexOf('?');
  const path = mark === -1 ? url : url.slice(0, mark);
  const rawQueryString = mark === -1 ? '' : url.slice(mark + 1);
  const host = parseUrlHost(req.headers.host);
  if (host) return { ...host, rawPath: path, rawQueryString };
  const prefixed = PATH_PREFIX.exec(path);
  if (!prefixed || !URL_ID.test(prefixed[1] as string)) return null;
  const rest = path.slice(prefixed[0].length);
  return { urlId: prefixed[1] as string, rawPath: rest === '' ? '/' : rest, rawQueryString };
}

async function serve(deps: UrlRouterDeps, req: Request, res: Response, routed: Routed) {
  const target = await deps.urls.resolve(routed.urlId, routed.region);
  if (!target) return write(req, res, denied(null));
  const { record, key, config } = target;
  const cors = corsEnabled(config.Cors) ? config.Cors : undefined;
  // Browsers send preflights unsigned: Lambda answers them from Cors before checking auth.
  if (cors && isPreflight(req)) return write(req, res, preflightAnswer(cors, req));
  let caller: IamCaller | undefined;
  if (config.AuthType === 'AWS_IAM') {
    caller = iamCaller(req, routed.rawQueryString, record.region) ?? undefined;
    if (!caller) return write(req, res, denied(FORBIDDEN));
  }
  if (!authorizeUrlRequest(record, key, config.AuthType, caller))
    return write(req, res, denied(FORBIDDEN));
  const answer = await invokeUrl(deps, req, res, target, routed, caller, (head) =>
    withCorsHeaders(head, cors, req),
  );
  if (answer) write(req, res, withCorsHeaders(answer, cors, req));
}

async function invokeUrl(
  deps: UrlRouterDeps,
  req: Request,
  res: Response,
  { record, key, config }: UrlTarget,
  routed: Routed,
  caller: IamCaller | undefined,
  decorate: (head: UrlAnswer) => UrlAnswer,
): Promise<UrlAnswer | null> {
  const requestId = requestIdOf(res);
  try {
    const body = await readBody(req, MAX_SYNC_PAYLOAD_BYTES, 'InvokeFunctionUrl');
    const event = urlEvent(req, {
      urlId: routed.urlId,
      domain: urlDomain(routed.urlId, record.region),
      rawPath: routed.rawPath,
      rawQueryString: routed.rawQueryString,
      body,
      requestId,
      port: deps.port(),
      ...(caller ? { caller } : {}),
    });
    const payload = Buffer.from(JSON.stringify(event), 'utf8');
    if (payload.length > MAX_SYNC_PAYLOAD_BYTES) return invokeRefused(tooLarge());
    const ns = { account: record.account, region: record.region };
    const request = {
      functionName: record.name,
      ...(key === LATEST ? {} : { qualifier: key }),
      payload,
      requestId,
    };
    // RESPONSE_STREAM: Lambda invokes with InvokeWithResponseStream and streams to the client.
    if (config.InvokeMode === 'RESPONSE_STREAM') {
      const stream = new UrlStreamWriter(res, decorate);
      const result = await deps.invocations.invokeWithResponseStream(ns, request, () =>
        stream.sink(),
      );
      return stream.finish(result);
    }
    const result = await deps.invocations.invoke(ns, request);
    return result.functionError ? internalServerError() : urlAnswer(result.payload);
  } catch (err) {
    if (!(err instanceof LambdaError)) throw err;
    if (err.code === 'RequestEntityTooLargeException') {
      await drainRequest(req, 4 * MAX_SYNC_PAYLOAD_BYTES);
    }
    return invokeRefused(err);
  }
}

/**
 * Invoke's API errors, as a function URL answers them: a throttle keeps its 429, a request over
 * the payload limit its 413, a target that no longer resolves (an alias deleted after the URL was
 * made) is Forbidden, anything else a 502.
 */
function invokeRefused(err: LambdaError): UrlAnswer {
  switch (err.code) {
    case 'TooManyRequestsException':
      return jsonAnswer(429, { Message: 'Rate Exceeded.' });
    case 'RequestEntityTooLargeException':
      return jsonAnswer(413, { Message: 'Request must be smaller than 6291456 bytes' });
    case 'ResourceNotFoundException':
      return denied(FORBIDDEN);
    default:
      return internalServerError();
  }
}

const tooLarge = (): LambdaError =>
  new LambdaError('RequestEntityTooLargeException', 'The event is over the payload limit.');

/** AWS's answer when a URL's auth refuses the request. */
const FORBIDDEN =
  'Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html';

/** 403 AccessDeniedException; an unknown URL id gets `{"Message":null}`, as on AWS. */
function denied(message: string | null): UrlAnswer {
  const answer = jsonAnswer(403, { Message: message });
  answer.headers.push(['x-amzn-ErrorType', 'AccessDeniedException']);
  return answer;
}

function jsonAnswer(status: number, body: unknown): UrlAnswer {
  return {
    status,
    headers: [['content-type', 'application/json']],
    body: Buffer.from(JSON.stringify(body)),
  };
}

function write(req: Request, res: Response, answer: UrlAnswer): void {
  res.status(answer.status);
  // A body refused half-way, or never read, cannot be drained cheaply: the socket is not reused.
  if (!req.complete) res.setHeader('connection', 'close');
  for (const [name, value] of answer.headers) res.appendHeader(name, value);
  endWithBytes(res, answer.body);
}
