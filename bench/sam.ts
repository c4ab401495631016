/**
 * The SAM development loop (issue #8): how long from `asimov serve --template` to the first
 * successful invoke of the sam-app fixture, and how long from writing a handler file to the first
 * invoke that returns the new result (hot reload, no API call in between). Baselines from the same
 * run: `asimov serve` without a template to its first answered API call, and the same change made
 * the redeploy way (UpdateFunctionConfiguration, then invoke). Targets: first invoke within 3 s of
 * the start, hot reload under 300 ms.
 *
 * `node --import tsx bench/sam.ts [--quick]` runs it alone; `benchSam` is the section for run.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { HttpClient } from './http-client.js';
import { parsePlan, type Plan } from './options.js';
import { Report } from './report.js';
import { fmtMs, summarize } from './stats.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'src/cli.ts');
const FIXTURE = path.join(ROOT, 'test/fixtures/sam-app');
const FUNCTION = 'HelloWorldFunction';
const START_TARGET_MS = 3000;
const RELOAD_TARGET_MS = 300;
const SECTION = 'SAM templates: serve --template and hot reload';

interface Served {
  child: ChildProcess;
  url: string;
}

/** Starts `asimov serve` with `args`; resolves when it prints where it listens. */
async function serve(args: string[]): Promise<Served> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CLI, 'serve', '--port', '0', '--in-memory', '--quiet', ...args],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  for (;;) {
    const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
    if (url) return { child, url };
    if (child.exitCode !== null) throw new Error(`asimov serve exited: ${out}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

async function stop(served: Served): Promise<void> {
  served.child.kill('SIGTERM');
  if (served.child.exitCode === null) await once(served.child, 'exit');
}

/** Polls until `ok` answers true; the time since `t0`. */
async function until(t0: number, ok: () => Promise<boolean>, giveUpMs = 30_000): Promise<number> {
  for (;;) {
    if (await ok().catch(() => false)) return performance.now() - t0;
    if (performance.now() - t0 > giveUpMs) throw new Error(`not done after ${giveUpMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** The fixture function's `runtime` field, or undefined while it is not there (or failing). */
async function runtimeField(client: HttpClient): Promise<string | undefined> {
  const res = await client.request('POST', `/2015-03-31/functions/${FUNCTION}/invocations`, '{}');
  if (res.status !== 200 || res.headers['x-amz-function-error']) return undefined;
  const payload = JSON.parse(res.body.toString('utf8')) as { body: string };
  return (JSON.parse(payload.body) as { runtime: string }).runtime;
}

export async function benchSam(plan: Plan, report: Report): Promise<Record<string, unknown>> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'asimov-bench-sam-'));
  await fs.cp(FIXTURE, dir, { recursive: true });
  await fs.chmod(dir, 0o755);
  const template = path.join(dir, 'template.yaml');
  const handler = path.join(dir, 'hello-world', 'app.js');
  const original = await fs.readFile(handler, 'utf8');
  const reps = plan.coldReps;
  const start: number[] = [];
  const plain: number[] = [];
  for (let i = 0; i < reps; i++) {
    let t0 = performance.now();
    let served = await serve(['--template', template]);
    let client = new HttpClient(served.url);
    start.push(await until(t0, async () => (await runtimeField(client)) === 'nodejs'));
    client.close();
    await stop(served);
    t0 = performance.now();
    served = await serve([]);
    client = new HttpClient(served.url);
    plain.push(
      await until(
        t0,
        async () => (await client.request('GET', '/2015-03-31/functions/')).status === 200,
      ),
    );
    client.close();
    await stop(served);
  }

  const served = await serve(['--template', template]);
  const client = new HttpClient(served.url);
  const reload: number[] = [];
  const redeploy: number[] = [];
  try {
    await until(performance.now(), async () => (await runtimeField(client)) === 'nodejs');
    for (let i = 0; i < (plan.quick ? 5 : 20); i++) {
      const value = `edit-${i}`;
      const t0 = performance.now();
      await fs.writeFile(handler, original.replace("runtime: 'nodejs'", `runtime: '${value}'`));
      reload.push(await until(t0, async () => (await runtimeField(client)) === value));
      redeploy.push(await redeployed(client, i));
    }
  } finally {
    await fs.writeFile(handler, original);
    client.close();
    await stop(served);
    await fs.rm(dir, { recursive: true, force: true });
  }

  const s = {
    start: summarize(start),
    plain: summarize(plain),
    reload: summarize(reload),
    redeploy: summarize(redeploy),
  };
  report.add({
    section: SECTION,
    metric: 'serve --template start → first successful invoke, p50',
    value: fmtMs(s.start.p50),
    baseline: `serve (no template) → first API answer ${fmtMs(s.plain.p50)}`,
    ratio: s.start.p50 / s.plain.p50,
    target: `< ${START_TARGET_MS} ms`,
    pass: s.start.p50 < START_TARGET_MS,
    note: `p90 ${fmtMs(s.start.p90)}; n=${s.start.n}`,
  });
  report.add({
    section: SECTION,
    metric: 'hot reload: handler file write → new result, p50',
    value: fmtMs(s.reload.p50),
    baseline: `UpdateFunctionConfiguration → new result ${fmtMs(s.redeploy.p50)}`,
    ratio: s.reload.p50 / s.redeploy.p50,
    target: `< ${RELOAD_TARGET_MS} ms`,
    pass: s.reload.p50 < RELOAD_TARGET_MS,
    note: `p90 ${fmtMs(s.reload.p90)}, max ${fmtMs(s.reload.max)}; n=${s.reload.n}`,
  });
  return s;
}

/** The redeploy way to the same effect: a configuration change, then invokes until it shows. */
async function redeployed(client: HttpClient, i: number): Promise<number> {
  const marker = `redeploy-${i}`;
  const t0 = performance.now();
  const res = await client.request(
    'PUT',
    `/2015-03-31/functions/${FUNCTION}/configuration`,
    JSON.stringify({ Description: marker }),
  );
  if (res.status !== 200) throw new Error(`UpdateFunctionConfiguration: ${res.status}`);
  return until(t0, async () => {
    const config = await client.request('GET', `/2015-03-31/functions/${FUNCTION}/configuration`);
    const { LastUpdateStatus } = JSON.parse(config.body.toString('utf8')) as {
      LastUpdateStatus?: string;
    };
    return LastUpdateStatus === 'Successful' && (await runtimeField(client)) !== undefined;
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const report = new Report();
  await benchSam(parsePlan(process.argv.slice(2), process.env), report);
  process.stdout.write(`${report.render()}\n`);
}
