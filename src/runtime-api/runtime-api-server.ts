import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { endWithBytes } from '../http/end-with-bytes.js';
import protocol from './protocol.json' with { type: 'json' };
import {
  forwardStreamedResponse,
  isStreamedResponse,
  streamContentType,
  type StreamSink,
} from './streamed-response.js';

/** What the runtime is handed on GET /next. */
export interface RuntimeInvocation {
  requestId: string;
  payload: Buffer;
  deadlineMs: number;
  invokedFunctionArn: string;
  traceId: string;
  clientContext?: string;
  cognitoIdentity?: string;
}

/** What the environment hears from its runtime. */
export interface RuntimeListener {
  /** The runtime asked for work: init is over, or the previous invocation is done. */
  polled(): void;
  response(requestId: string, body: Buffer): void;
  error(requestId: string, body: Buffer, errorType: string | undefined): void;
  initError(body: Buffer, errorType: string | undefined): void;
  /** A response over the limit: the runtime got 413, the caller gets AWS's function error. */
  responseTooLarge(requestId: string): void;
  /** The runtime started a streamed response: where its body goes as it arrives. */
  responseStream(requestId: string, contentType: string): StreamSink;
}

/** AWS's limit on a synchronous response: 6 MB plus 100 bytes of envelope. */
export const MAX_RESPONSE_BYTES = 6_291_556;
const MAX_ERROR_BYTES = 1_048_576;

/** streaming: the runtime is sending a streamed response for the current invocation. */
type Phase = 'init' | 'waiting' | 'invoking' | 'streaming';

/** Another API on the same address (Extensions, Telemetry): true when it took the request. */
export type ExtraRoute = (req: http.IncomingMessage, res: http.ServerResponse) => boolean;

/**
 * The Lambda Runtime API (2018-06-01) for one execution environment: the runtime long-polls
 * /next, then posts one response or error for the invocation it was given. Status codes are
 * AWS's: 202 accepted, 400 unknown request id, 403 a post the current state does not allow,
 * 413 too large, 404 unknown path. This module speaks the protocol only; the execution
 * environment decides what the posts mean.
 */
export class RuntimeApiServer {
  private readonly server: http.Server;
  private phase: Phase = 'init';
  private current: RuntimeInvocation | undefined;
  private queued: RuntimeInvocation | undefined;
  private poll: http.ServerResponse | undefined;
  /** The streamed response in flight; a new token for each, so a stale one is ignored. */
  private stream: object | undefined;

  private constructor(
    private readonly listener: RuntimeListener,
    private readonly extra: readonly ExtraRoute[],
  ) {
    this.server = http.createServer((req, res) => this.route(req, res));
    // A runtime may sit in a long poll for as long as its environment stays warm.
    this.server.keepAliveTimeout = 0;
    this.server.requestTimeout = 0;
  }

  static async start(
    listener: RuntimeListener,
    host = '127.0.0.1',
    extra: readonly ExtraRoute[] = [],
  ): Promise<RuntimeApiServer> {
    const api = new RuntimeApiServer(listener, extra);
    await new Promise<void>((resolve, reject) => {
      api.server.once('error', reject);
      api.server.listen(0, host, resolve);
    });
    return api;
  }

  /** `host:port`, the value of AWS_LAMBDA_RUNTIME_API. */
  get address(): string {
    const { address, port } = this.server.address() as AddressInfo;
    return `${address}:${port}`;
  }

  /** Hands an invocation to the runtime now if it is polling, or on its next poll. */
  offer(invocation: RuntimeInvocation): void {
    this.queued = invocation;
    if (this.poll) this.deliver();
  }

  /** A new runtime process starts its init from scratch (after a reset). */
  resetRuntime(): void {
    this.phase = 'init';
    this.current = undefined;
    this.stream = undefined;
    this.poll?.destroy();
    this.poll = undefined;
  }

  async close(): Promise<void> {
    this.poll?.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse): void {
    for (const serve of this.extra) if (serve(req, res)) return;
    const url = req.url ?? '';
    if (req.method === 'GET' && url === protocol.paths.next) return this.next(res);
    if (req.method === 'POST' && url === protocol.paths.initError) {
      return void this.readThen(req, res, MAX_ERROR_BYTES, (body) =>
        this.postInitError(req, res, body),
      );
    }
    const match = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
    if (req.method === 'POST' && match) {
      const [, requestId, kind] = match as unknown as [string, string, string];
      if (kind === 'response' && isStreamedResponse(req))
        return this.postStream(req, res, requestId);
      const limit = kind === 'response' ? MAX_RESPONSE_BYTES : MAX_ERROR_BYTES;
      return void this.readThen(
        req,
        res,
        limit,
        (body) => this.postResult(req, res, requestId, kind, body),
        () => this.tooLarge(res, requestId, kind),
      );
    }
    reply(res, 404, { errorMessage: 'Unknown path', errorType: 'NotFound' });
  }

  private next(res: http.ServerResponse): void {
    this.poll?.destroy();
    this.poll = res;
    res.on('close', () => {
      if (this.poll === res) this.poll = undefined;
    });
    this.phase = 'waiting';
    this.current = undefined;
    this.listener.polled();
    if (this.queued) this.deliver();
  }

  private deliver(): void {
    const invocation = this.queued as RuntimeInvocation;
    const res = this.poll as http.ServerResponse;
    this.queued = undefined;
    this.poll = undefined;
    this.current = invocation;
    this.phase = 'invoking';
    const h = protocol.headers;
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      'content-length': invocation.payload.length,
      [h.requestId]: invocation.requestId,
      [h.deadlineMs]: invocation.deadlineMs,
      [h.invokedFunctionArn]: invocation.invokedFunctionArn,
      [h.traceId]: invocation.traceId,
    };
    if (invocation.clientContext) headers[h.clientContext] = invocation.clientContext;
    if (invocation.cognitoIdentity) headers[h.cognitoIdentity] = invocation.cognitoIdentity;
    res.writeHead(200, headers);
    endWithBytes(res, invocation.payload);
  }

  private postResult(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    requestId: string,
    kind: string,
    body: Buffer,
  ): void {
    if (!this.current || this.current.requestId !== requestId) {
      return reply(res, 400, { errorMessage: 'Invalid request ID', errorType: 'InvalidRequestID' });
    }
    // An error posted while a response streams (an uncaught exception) ends that stream.
    const endsStream = this.phase === 'streaming' && kind === 'error';
    if (this.phase !== 'invoking' && !endsStream) return this.forbidden(res, kind);
    this.phase = 'waiting';
    this.stream = undefined;
    reply(res, 202, { status: 'OK' });
    if (kind === 'response') this.listener.response(requestId, body);
    else this.listener.error(requestId, body, errorTypeOf(req));
  }

  /** A streamed response: checked before its body is read, then forwarded as it arrives. */
  private postStream(req: http.IncomingMessage, res: http.ServerResponse, requestId: string): void {
    if (!this.current || this.current.requestId !== requestId) {
      req.resume();
      return reply(res, 400, { errorMessage: 'Invalid request ID', errorType: 'InvalidRequestID' });
    }
    if (this.phase !== 'invoking') {
      req.resume();
      return this.forbidden(res, 'response');
    }
    this.phase = 'streaming';
    const token = {};
    this.stream = token;
    const target = this.listener.responseStream(requestId, streamContentType(req));
    const live = () => this.stream === token;
    forwardStreamedResponse(req, res, {
      write: (chunk) => (live() ? target.write(chunk) : undefined),
      end: (ending) => {
        if (!live()) return;
        this.stream = undefined;
        this.phase = 'waiting';
        target.end(ending);
      },
    });
  }

  private postInitError(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
    if (this.phase !== 'init') return this.forbidden(res, 'init/error');
    reply(res, 202, { status: 'OK' });
    this.listener.initError(body, errorTypeOf(req));
  }

  private tooLarge(res: http.ServerResponse, requestId: string, kind: string): void {
    reply(res, 413, {
      errorMessage: `Exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`,
      errorType: 'RequestEntityTooLarge',
    });
    if (kind === 'response' && this.current?.requestId === requestId && this.phase === 'invoking') {
      this.phase = 'waiting';
      this.listener.responseTooLarge(requestId);
    }
  }

  private forbidden(res: http.ServerResponse, what: string): void {
    reply(res, 403, {
      errorMessage: `State transition to ${what} is not allowed in the current state`,
      errorType: 'InvalidStateTransition',
    });
  }

  /** Reads a body up to `limit`; past it, answers through `onTooLarge` and drops the rest. */
  private readThen(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    limit: number,
    onBody: (body: Buffer) => void,
    onTooLarge?: () => void,
  ): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > limit) {
        refused = true;
        res.setHeader('connection', 'close');
        if (onTooLarge) onTooLarge();
        else
          reply(res, 413, {
            errorMessage: 'Payload too large',
            errorType: 'RequestEntityTooLarge',
          });
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!refused) onBody(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    });
  }
}

function errorTypeOf(req: http.IncomingMessage): string | undefined {
  const value = req.headers[protocol.headers.functionErrorType];
  return typeof value === 'string' ? value : undefined;
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
