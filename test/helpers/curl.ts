import { execFile } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

export interface CurlResponse {
  status: number;
  /** Header lines in order, names lower-cased; repeated headers stay repeated. */
  headers: [string, string][];
  body: Buffer;
  header(name: string): string | undefined;
  all(name: string): string[];
  json(): unknown;
}

/**
 * Runs the real curl (never the event loop's own client: the server under test runs in this
 * process, so the call must be asynchronous). `Expect:` is cleared so that a large body gets a
 * single header block back.
 */
export function curl(args: string[]): Promise<CurlResponse> {
  return new Promise((resolve, reject) => {
    execFile(
      'curl',
      ['-s', '-i', '-H', 'Expect:', ...args],
      { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
      (err, stdout) => {
        if (err) return reject(err);
        resolve(parse(stdout));
      },
    );
  });
}

function parse(raw: Buffer): CurlResponse {
  const end = raw.indexOf('\r\n\r\n');
  const head = raw.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number((head[0] ?? '').split(' ')[1]);
  const headers = head.slice(1).map((line): [string, string] => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
  });
  const body = raw.subarray(end + 4);
  return {
    status,
    headers,
    body,
    header: (name) => headers.find(([n]) => n === name.toLowerCase())?.[1],
    all: (name) => headers.filter(([n]) => n === name.toLowerCase()).map(([, v]) => v),
    json: () => JSON.parse(body.toString('utf8')) as unknown,
  };
}

/** curl options that send `url` to 127.0.0.1 whatever its host name resolves to. */
export function resolveToLoopback(url: string): string[] {
  const { hostname, port } = new URL(url);
  return ['--resolve', `${hostname}:${port}:127.0.0.1`];
}

class NodeSha256 {
  private readonly hash;
  constructor(secret?: unknown) {
    this.hash =
      secret === undefined
        ? createHash('sha256')
        : createHmac('sha256', typeof secret === 'string' ? secret : toBuffer(secret));
  }
  update(data: unknown): void {
    this.hash.update(typeof data === 'string' ? data : toBuffer(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

/** Bytes of an ArrayBuffer or any typed-array view, without copying. */
function toBuffer(data: unknown): Buffer {
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data as ArrayBuffer);
}

/** SigV4 headers (service `lambda`) for a request to a function URL, as awscurl would send. */
export async function signedHeaders(
  url: string,
  init: { method: string; body?: string; accessKeyId: string; region: string },
): Promise<Record<string, string>> {
  const parsed = new URL(url);
  const signer = new SignatureV4({
    service: 'lambda',
    region: init.region,
    credentials: { accessKeyId: init.accessKeyId, secretAccessKey: 'test-secret' },
    sha256: NodeSha256,
  });
  const query: Record<string, string> = {};
  for (const [k, v] of parsed.searchParams) query[k] = v;
  const signed = await signer.sign({
    method: init.method,
    protocol: parsed.protocol,
    hostname: parsed.hostname,
    port: Number(parsed.port),
    path: parsed.pathname,
    query,
    headers: { host: parsed.host },
    body: init.body,
  });
  return signed.headers;
}
