import http from 'node:http';

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/**
 * The one client every latency figure goes through, the bare baselines included: raw `node:http`
 * with a keep-alive agent, so each concurrent caller keeps its own warm socket.
 */
export class HttpClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  private readonly hostname: string;
  private readonly port: number;

  constructor(baseUrl: string) {
    const url = new URL(baseUrl);
    this.hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    this.port = Number(url.port);
  }

  /** A string body is sent with the headers in one write; JSON is assumed when there is one. */
  request(
    method: string,
    path: string,
    body?: string,
    extraHeaders?: Record<string, string>,
  ): Promise<HttpResult> {
    const headers: Record<string, string | number> = { ...extraHeaders };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(body);
    }
    return new Promise((resolve, reject) => {
      const req = http.request(
        { agent: this.agent, hostname: this.hostname, port: this.port, method, path, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks),
            }),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface LoopResult {
  /** Latency of each successful operation, ms. */
  latencies: number[];
  elapsedMs: number;
  /** Successful operations per second over the whole run. */
  rate: number;
  errors: number;
  firstError?: string;
}

/**
 * A closed loop: `concurrency` callers each issue `op` back to back until `count` operations have
 * been issued in total or `durationMs` has passed (whichever is given).
 */
export async function closedLoop(
  concurrency: number,
  stop: { count?: number; durationMs?: number },
  op: (index: number) => Promise<void>,
): Promise<LoopResult> {
  const latencies: number[] = [];
  let issued = 0;
  let errors = 0;
  let firstError: string | undefined;
  const start = performance.now();
  const deadline = stop.durationMs === undefined ? Infinity : start + stop.durationMs;
  const limit = stop.count ?? Infinity;
  const caller = async (): Promise<void> => {
    while (issued < limit && performance.now() < deadline) {
      const index = issued++;
      const t0 = performance.now();
      try {
        await op(index);
        latencies.push(performance.now() - t0);
      } catch (err) {
        errors++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, caller));
  const elapsedMs = performance.now() - start;
  return { latencies, elapsedMs, rate: latencies.length / (elapsedMs / 1000), errors, firstError };
}
