import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { HttpClient } from './http-client.js';
import { createBody, NODE, noopZip } from './lambda-api.js';
import { measure, type Measured, type Subject } from './measure.js';
import type { Plan } from './options.js';
import type { Report } from './report.js';
import { fmtMs, fmtRate, summarize, type Summary } from './stats.js';
import { startTarget, type Target } from './target.js';

/**
 * The bare loopback server (a minimal `node:http` server answering 200 `null`), kept running for
 * the whole run so that every section can measure its baseline right beside its own figures.
 */
export class Bare {
  private constructor(
    readonly target: Target,
    readonly client: HttpClient,
  ) {}

  static async start(plan: Plan): Promise<Bare> {
    const target = await startTarget('bare', { inProcess: plan.inProcess });
    return new Bare(target, new HttpClient(target.url));
  }

  /** `GET /` has the shape of GetFunction and ListFunctions, `POST /` with `{}` that of Invoke. */
  subject(method: 'GET' | 'POST'): Subject {
    return { target: this.target, op: () => this.send(method) };
  }

  async send(method: 'GET' | 'POST', body?: string): Promise<void> {
    const res = await this.client.request(
      method,
      '/',
      method === 'POST' ? (body ?? '{}') : undefined,
    );
    if (res.status !== 200) throw new Error(`bare server answered ${res.status}`);
  }

  async close(): Promise<void> {
    this.client.close();
    await this.target.close();
  }
}

export interface Interpreter {
  label: string;
  command: string;
  args: string[];
}

export interface Baselines {
  bare: Bare;
  /** Bare `GET /` round trips by concurrency, measured at the start. */
  get: Map<number, Measured>;
  /** Bare `POST /` with a `{}` body (Invoke's shape) by concurrency, measured at the start. */
  post: Map<number, Measured>;
  /** Bare POST of a body the size of a 1 MB package's CreateFunction request. */
  upload1mb: Summary;
  uploadBytes: number;
  node: Interpreter;
  nodeStart: Summary;
  /** The real python3.11 binary, when there is one. */
  python?: Interpreter;
  pythonShimStart?: Summary;
  pythonRealStart?: Summary;
}

const SECTION = 'Baselines (measured at the start; sections re-measure theirs alongside)';

/** A CreateFunction request with a 1 MB package of random (incompressible, stored) bytes. */
export function bigCreateBody(name: string): string {
  const blob = { name: 'blob.bin', content: randomBytes(1024 * 1024), store: true };
  return createBody(name, NODE, noopZip(NODE, name, [blob]));
}

export async function measureBaselines(plan: Plan, report: Report): Promise<Baselines> {
  const bare = await Bare.start(plan);
  const get = new Map<number, Measured>();
  const post = new Map<number, Measured>();
  // Untimed: lets both processes' JITs settle before the first timed point.
  await measure(bare.subject('GET'), 4, plan.quick ? 300 : 1000, 'bare warm-up');
  await measure(bare.subject('POST'), 4, plan.quick ? 300 : 1000, 'bare warm-up');
  for (const [method, into] of [
    ['GET', get],
    ['POST', post],
  ] as const) {
    for (const concurrency of plan.concurrencies) {
      const m = await measure(bare.subject(method), concurrency, plan.rttMs, `bare ${method}`);
      into.set(concurrency, m);
      report.add({
        section: SECTION,
        metric: `bare HTTP ${method} round trip, ${clients(concurrency)}`,
        value: `p50 ${fmtMs(m.latency.p50)}`,
        note: `p99 ${fmtMs(m.latency.p99)}, ${fmtRate(m.rate, ' req/s')}`,
      });
    }
  }

  const body = bigCreateBody('upload-baseline');
  const uploadBytes = Buffer.byteLength(body);
  await bare.send('POST', body);
  const uploads: number[] = [];
  for (let i = 0; i < plan.create1mb; i++) {
    const t0 = performance.now();
    await bare.send('POST', body);
    uploads.push(performance.now() - t0);
  }
  const upload1mb = summarize(uploads);
  report.add({
    section: SECTION,
    metric: `bare HTTP POST of a ${(uploadBytes / 1e6).toFixed(2)} MB body`,
    value: `p50 ${fmtMs(upload1mb.p50)}`,
    note: `the size of CreateFunction with a 1 MB zip; n=${upload1mb.n}`,
  });

  const node: Interpreter = { label: 'node', command: process.execPath, args: ['-e', ''] };
  const nodeStart = await timeStarts(node, plan.spawnReps);
  report.add({
    section: SECTION,
    metric: "bare `node -e ''` start (spawn → exit)",
    value: `p50 ${fmtMs(nodeStart.p50)}`,
    note: `min ${fmtMs(nodeStart.min)}, n=${nodeStart.n}`,
  });

  const baselines: Baselines = { bare, get, post, upload1mb, uploadBytes, node, nodeStart };
  const executable = resolvePython();
  if (!executable) {
    report.warn('python3.11 not found: Python baselines and benchmarks are skipped');
    return baselines;
  }
  const shim: Interpreter = { label: 'python3.11 (shim)', command: 'python3.11', args: ['-c', ''] };
  const python: Interpreter = { label: 'python3.11', command: executable, args: ['-c', ''] };
  baselines.python = python;
  baselines.pythonShimStart = await timeStarts(shim, plan.spawnReps);
  baselines.pythonRealStart = await timeStarts(python, plan.spawnReps);
  report.add({
    section: SECTION,
    metric: "bare `python3.11 -c ''` start, via PATH (pyenv shim)",
    value: `p50 ${fmtMs(baselines.pythonShimStart.p50)}`,
    note: `min ${fmtMs(baselines.pythonShimStart.min)}, n=${baselines.pythonShimStart.n}`,
  });
  report.add({
    section: SECTION,
    metric: "bare `python3.11 -c ''` start, real binary",
    value: `p50 ${fmtMs(baselines.pythonRealStart.p50)}`,
    note: `min ${fmtMs(baselines.pythonRealStart.min)}, ${executable}`,
  });
  return baselines;
}

export const clients = (n: number): string => `${n} client${n === 1 ? '' : 's'}`;

/** The interpreter behind `python3.11` (version managers put slow shell shims on PATH). */
function resolvePython(): string | undefined {
  try {
    const out = execFileSync('python3.11', ['-c', 'import sys;print(sys.executable)'], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    return out.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Spawn → exit of an interpreter doing nothing, ms. */
export function timeStart(interpreter: Interpreter): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(interpreter.command, interpreter.args, { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve(performance.now() - t0)
        : reject(new Error(`${interpreter.command} exited ${code}`)),
    );
  });
}

/** `reps` timed starts after one untimed start that warms the page cache. */
async function timeStarts(interpreter: Interpreter, reps: number): Promise<Summary> {
  await timeStart(interpreter);
  const samples: number[] = [];
  for (let i = 0; i < reps; i++) samples.push(await timeStart(interpreter));
  return summarize(samples);
}
