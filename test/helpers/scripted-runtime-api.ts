/**
 * A Runtime API over plain TCP for the bootstraps' own HTTP clients: a test script writes
 * whatever bytes it likes for each request (chunked bodies, bodies that end at the close,
 * dropped connections), which an http.Server would not let it do.
 */
import assert from 'node:assert/strict';
import net from 'node:net';

export interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** Which TCP connection it came on, counting from 1. */
  connection: number;
}

export type Responder = (request: RawRequest, socket: net.Socket) => void | Promise<void>;

export interface ScriptedApi {
  requests: RawRequest[];
  /** `host:port`, for AWS_LAMBDA_RUNTIME_API. */
  address: string;
  close(): Promise<void>;
}

export async function startScriptedApi(respond: Responder): Promise<ScriptedApi> {
  const requests: RawRequest[] = [];
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((socket) => {
    const connection = ++connections;
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const parsed = parseRequest(buffer, connection);
        if (!parsed) return;
        buffer = buffer.subarray(parsed.size);
        requests.push(parsed.request);
        void respond(parsed.request, socket);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  const close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  };
  return { requests, address, close };
}

/** The first complete request in `buffer` and how many bytes it took, if it is all there. */
function parseRequest(
  buffer: Buffer,
  connection: number,
): { request: RawRequest; size: number } | undefined {
  const headEnd = buffer.indexOf('\r\n\r\n');
  if (headEnd < 0) return undefined;
  const [requestLine = '', ...lines] = buffer.subarray(0, headEnd).toString('latin1').split('\r\n');
  const headers = Object.fromEntries(
    lines.map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
    }),
  );
  const size = headEnd + 4 + Number(headers['content-length'] ?? 0);
  if (buffer.length < size) return undefined;
  const body = buffer.subarray(headEnd + 4, size).toString('utf8');
  const [method = '', path = ''] = requestLine.split(' ');
  return { request: { method, path, headers, body, connection }, size };
}

export async function waitForRequests(
  requests: RawRequest[],
  count: number,
): Promise<RawRequest[]> {
  const deadline = Date.now() + 10_000;
  while (requests.length < count) {
    if (Date.now() > deadline) assert.fail(`expected ${count} requests, got ${requests.length}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return requests.slice(0, count);
}

export function rawResponse(status: string, headers: string[], body = ''): string {
  return [`HTTP/1.1 ${status}`, ...headers, '', body].join('\r\n');
}

export function invocationHeaders(requestId: string): string[] {
  return [
    'Content-Type: application/json',
    `Lambda-Runtime-Aws-Request-Id: ${requestId}`,
    `LAMBDA-RUNTIME-DEADLINE-MS: ${Date.now() + 30_000}`,
  ];
}

export const ACCEPTED = rawResponse('202 Accepted', ['Content-Length: 15'], '{"status":"OK"}');
