import { ROLE } from '../test/helpers/server.js';
import { buildZip, type ZipEntryInput } from '../test/helpers/zip-builder.js';
import type { HttpClient, HttpResult } from './http-client.js';
import { sleep } from './stats.js';

export const FUNCTIONS_PATH = '/2015-03-31/functions';

export interface RuntimeSpec {
  /** Label in the report. */
  label: string;
  runtime: 'nodejs20.x' | 'python3.11';
  handler: string;
  file: string;
  /** Source of a no-op handler; `tag` makes the code (and so the package) unique. */
  source(tag: string): string;
}

export const NODE: RuntimeSpec = {
  label: 'Node.js',
  runtime: 'nodejs20.x',
  handler: 'index.handler',
  file: 'index.js',
  source: (tag) => `// ${tag}\nexports.handler = async () => null;\n`,
};

export const PYTHON: RuntimeSpec = {
  label: 'Python',
  runtime: 'python3.11',
  handler: 'app.handler',
  file: 'app.py',
  source: (tag) => `# ${tag}\ndef handler(e, c):\n    return None\n`,
};

/** A no-op function's package, plus any extra entries (e.g. a stored blob of random bytes). */
export function noopZip(spec: RuntimeSpec, tag: string, extra: ZipEntryInput[] = []): Buffer {
  return buildZip([{ name: spec.file, content: spec.source(tag) }, ...extra]);
}

/** The REST-JSON body of CreateFunction, as the SDK sends it (the zip as base64). */
export function createBody(name: string, spec: RuntimeSpec, zip: Buffer): string {
  return JSON.stringify({
    FunctionName: name,
    Runtime: spec.runtime,
    Handler: spec.handler,
    Role: ROLE,
    Code: { ZipFile: zip.toString('base64') },
  });
}

const fail = (what: string, res: HttpResult): Error =>
  new Error(`${what}: HTTP ${res.status} ${res.body.toString('utf8').slice(0, 300)}`);

/** The Lambda API calls the benchmarks make, over the raw keep-alive client. */
export class LambdaHttp {
  constructor(readonly http: HttpClient) {}

  async create(body: string): Promise<void> {
    const res = await this.http.request('POST', FUNCTIONS_PATH, body);
    if (res.status !== 201) throw fail('CreateFunction', res);
  }

  async getFunction(name: string): Promise<{ State?: string }> {
    const res = await this.http.request('GET', `${FUNCTIONS_PATH}/${name}`);
    if (res.status !== 200) throw fail('GetFunction', res);
    return (JSON.parse(res.body.toString('utf8')) as { Configuration: { State?: string } })
      .Configuration;
  }

  async waitActive(name: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { State } = await this.getFunction(name);
      if (State === 'Active') return;
      if (State === 'Failed') throw new Error(`function ${name} is Failed`);
      if (Date.now() > deadline) throw new Error(`function ${name} still ${State}`);
      await sleep(2);
    }
  }

  async delete(name: string): Promise<void> {
    const res = await this.http.request('DELETE', `${FUNCTIONS_PATH}/${name}`);
    if (res.status !== 204) throw fail('DeleteFunction', res);
  }

  /** RequestResponse Invoke; anything but a clean 200 (a function error included) throws. */
  async invoke(name: string, payload = '{}'): Promise<Buffer> {
    const res = await this.http.request('POST', `${FUNCTIONS_PATH}/${name}/invocations`, payload);
    if (res.status !== 200 || res.headers['x-amz-function-error']) throw fail('Invoke', res);
    return res.body;
  }

  async listPage(marker?: string): Promise<{ count: number; nextMarker?: string }> {
    const query = marker === undefined ? '' : `&Marker=${encodeURIComponent(marker)}`;
    const res = await this.http.request('GET', `${FUNCTIONS_PATH}?MaxItems=50${query}`);
    if (res.status !== 200) throw fail('ListFunctions', res);
    const page = JSON.parse(res.body.toString('utf8')) as {
      Functions: unknown[];
      NextMarker?: string;
    };
    return { count: page.Functions.length, nextMarker: page.NextMarker };
  }

  /** Walks every page; returns how many functions and pages there were. */
  async listAll(): Promise<{ functions: number; pages: number }> {
    let functions = 0;
    let pages = 0;
    let marker: string | undefined;
    do {
      const page = await this.listPage(marker);
      functions += page.count;
      pages++;
      marker = page.nextMarker;
    } while (marker !== undefined);
    return { functions, pages };
  }
}
