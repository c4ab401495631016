/**
 * A minimal stand-in for the server's Runtime API, for unit tests of the bootstraps we ship: it
 * hands out queued invocations on /next and records what the runtime posts back. The real
 * Runtime API (src/runtime-api/) is exercised by the integration tests.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import protocol from '../../src/runtime-api/protocol.json' with { type: 'json' };

export interface StubInvocation {
  requestId: string;
  payload: string;
  deadlineMs?: number;
  clientContext?: string;
  cognitoIdentity?: string;
  traceId?: string;
  functionArn?: string;
}

export interface RuntimePost {
  kind: 'response' | 'error' | 'init-error';
  requestId?: string;
  body: string;
  headers: http.IncomingHttpHeaders;
  /** A streamed response's trailers (its error, if any). */
  trailers: NodeJS.Dict<string>;
}

export class RuntimeApiStub {
  readonly posts: RuntimePost[] = [];
  private readonly queue: StubInvocation[] = [];
  private readonly waitingPolls: http.ServerResponse[] = [];
  private readonly postWaiters: Array<() => void> = [];
  private server = http.createServer((req, res) => this.handle(req, res));

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    for (const res of this.waitingPolls.splice(0)) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  enqueue(invocation: StubInvocation): void {
    const poll = this.waitingPolls.shift();
    if (poll) this.send(poll, invocation);
    else this.queue.push(invocation);
  }

  /** Resolves once `count` posts have arrived in total. */
  async waitForPosts(count: number, timeoutMs = 10_000): Promise<RuntimePost[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.posts.length < count) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} runtime posts`);
      await new Promise<void>((resolve) => {
        this.postWaiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return this.posts.slice(0, count);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = req.url ?? '';
    if (req.method === 'GET' && url === protocol.paths.next) {
      const next = this.queue.shift();
      if (next) this.send(res, next);
      else this.waitingPolls.push(res);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const match = /\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
      if (match) {
        this.posts.push({
          kind: match[2] as 'response' | 'error',
          requestId: match[1],
          body,
          headers: req.headers,
          trailers: req.trailers,
        });
      } else if (url === protocol.paths.initError) {
        this.posts.push({ kind: 'init-error', body, headers: req.headers, trailers: req.trailers });
      } else {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"OK"}');
      for (const wake of this.postWaiters.splice(0)) wake();
    });
  }

  private send(res: http.ServerResponse, inv: StubInvocation): void {
    const h = protocol.headers;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      [h.requestId]: inv.requestId,
      [h.deadlineMs]: String(inv.deadlineMs ?? Date.now() + 30_000),
      [h.invokedFunctionArn]:
        inv.functionArn ?? 'arn:aws:lambda:us-east-1:000000000000:function:stubbed',
      [h.traceId]: inv.traceId ?? 'Root=1-00000000-000000000000000000000000;Parent=0;Sampled=0',
    };
    if (inv.clientContext) headers[h.clientContext] = inv.clientContext;
    if (inv.cognitoIdentity) headers[h.cognitoIdentity] = inv.cognitoIdentity;
    res.writeHead(200, headers).end(inv.payload);
  }
}

/** Writes handler files into a fresh temporary task root. */
export async function writeTaskRoot(
  prefix: string,
  files: Record<string, string>,
): Promise<string> {
  const taskRoot = await mkdtemp(path.join(os.tmpdir(), prefix));
  for (const [name, source] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(taskRoot, name)), { recursive: true });
    await writeFile(path.join(taskRoot, name), source);
  }
  return taskRoot;
}

/** The variables Lambda sets that the bootstraps read, for a function called `my-function`. */
export function lambdaVariables(
  taskRoot: string,
  runtimeDir: string,
  runtimeApi: string,
  handler: string,
) {
  return {
    _HANDLER: handler,
    LAMBDA_TASK_ROOT: taskRoot,
    LAMBDA_RUNTIME_DIR: runtimeDir,
    AWS_LAMBDA_RUNTIME_API: runtimeApi,
    AWS_LAMBDA_FUNCTION_NAME: 'my-function',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
    AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/my-function',
    AWS_LAMBDA_LOG_STREAM_NAME: '2024/01/01/[$LATEST]0123456789abcdef',
    AWS_REGION: 'us-east-1',
  };
}
