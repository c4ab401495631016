/**
 * Event (asynchronous) invocations, and the cost of the concurrency counter on the sync path.
 *
 * - Events: N `Invoke` calls with `X-Amz-Invocation-Type: Event` (202 expected) from 16 clients,
 *   beside N bare POSTs at 16 clients measured just before. Completion is seen from outside: the
 *   handler GETs `/done` on a small counter server on loopback (functions run sandboxed but share
 *   the host network), and "completed/s" is N ÷ (first accept → N-th `/done`).
 * - Counter check: `CounterService.acquire` + `release`, timed in this process, as a fraction of
 *   a warm invoke's p50 measured in the same section (target: under 5%).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CounterService } from '../src/workers/counter-service.js';
import { clients, type Baselines } from './baselines.js';
import { closedLoop } from './http-client.js';
import {
  createBody,
  FUNCTIONS_PATH,
  LambdaHttp,
  NODE,
  noopZip,
  type RuntimeSpec,
} from './lambda-api.js';
import { paired, throwIfErrors, type Subject } from './measure.js';
import { pairing, type Plan } from './options.js';
import type { Report } from './report.js';
import { fmtMs, fmtRate, sleep } from './stats.js';
import { startAsimov } from './target.js';

const SECTION = 'Async: Event invocations (nodejs20.x) and the counter check';
const CONCURRENCY = 16;
const COUNTER_TARGET = 0.05;
const DRAIN_TIMEOUT_MS = 120_000;

/** A handler that reports its completion to the bench's counter server, then returns null. */
const REPORTING: RuntimeSpec = {
  ...NODE,
  source: (tag) =>
    `// ${tag}\nexports.handler = async (e) => { require('http').get('http://127.0.0.1:' + e.port + '/done').on('error', () => {}); return null; };\n`,
};

/** Counts `GET /done` calls; `until(n)` resolves with the time of the n-th. */
class DoneCounter {
  count = 0;
  private waiter?: { n: number; resolve: (at: number) => void };
  private readonly server = http.createServer((req, res) => {
    if (req.url === '/done') {
      this.count++;
      if (this.waiter && this.count >= this.waiter.n) this.waiter.resolve(performance.now());
    }
    res.end();
  });

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  reset(): void {
    this.count = 0;
    this.waiter = undefined;
  }

  /** The time of the n-th `/done`, or undefined after `timeoutMs`. */
  until(n: number, timeoutMs: number): Promise<number | undefined> {
    if (this.count >= n) return Promise.resolve(performance.now());
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      this.waiter = {
        n,
        resolve: (at) => {
          clearTimeout(timer);
          resolve(at);
        },
      };
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export async function benchAsync(
  plan: Plan,
  base: Baselines,
  report: Report,
): Promise<Record<string, unknown>> {
  const raw: Record<string, unknown> = {};
  const { target, client } = await startAsimov(plan);
  const api = new LambdaHttp(client);
  const counter = new DoneCounter();
  try {
    const port = await counter.listen();
    const n = plan.asyncEvents;
    const name = `async-events-${Date.now()}`;
    await api.create(createBody(name, REPORTING, noopZip(REPORTING, name)));
    await api.waitActive(name);
    const payload = JSON.stringify({ port });
    const sendEvent = async (): Promise<void> => {
      const res = await client.request('POST', `${FUNCTIONS_PATH}/${name}/invocations`, payload, {
        'X-Amz-Invocation-Type': 'Event',
      });
      if (res.status !== 202) {
        throw new Error(`Event Invoke: HTTP ${res.status} ${res.body.toString('utf8')}`);
      }
    };

    // Warm-up, untimed: the server's accept path and the environment(s) that drain the queue.
    const warmup = Math.min(n, plan.quick ? 200 : 500);
    throwIfErrors('Event warm-up', await closedLoop(CONCURRENCY, { count: warmup }, sendEvent));
    if ((await counter.until(warmup, DRAIN_TIMEOUT_MS)) === undefined) {
      throw new Error(`Event warm-up: only ${counter.count}/${warmup} completions`);
    }
    await sleep(100);
    counter.reset();

    // Bare POSTs at 16 clients, the same count, right before the events.
    const bare = await closedLoop(CONCURRENCY, { count: n }, () => base.bare.send('POST'));
    throwIfErrors('bare baseline for Event Invoke', bare);

    const done = counter.until(n, DRAIN_TIMEOUT_MS);
    const t0 = performance.now();
    const accepted = await closedLoop(CONCURRENCY, { count: n }, sendEvent);
    throwIfErrors('Event Invoke', accepted);
    const lastDone = await done;
    const envs = await target.environmentCount();
    const completedMs = lastDone === undefined ? undefined : lastDone - t0;
    const completedRate = completedMs === undefined ? NaN : n / (completedMs / 1000);
    raw.events = {
      n,
      warmup,
      acceptedRate: accepted.rate,
      acceptedMs: accepted.elapsedMs,
      completedMs,
      completedRate,
      completedCount: counter.count,
      bareRate: bare.rate,
      environments: envs,
    };
    report.add({
      section: SECTION,
      metric: `Event Invoke accepted (202), ${clients(CONCURRENCY)}`,
      value: fmtRate(accepted.rate, ' ev/s'),
      baseline: `bare POST ${clients(CONCURRENCY)} ${fmtRate(bare.rate, ' req/s')}`,
      ratio: accepted.rate / bare.rate,
      note: `n=${n}, ${fmtMs(accepted.elapsedMs)}`,
    });
    if (completedMs === undefined) {
      report.warn(`Event completions: only ${counter.count}/${n} in ${DRAIN_TIMEOUT_MS} ms`);
    }
    report.add({
      section: SECTION,
      metric: 'Event completed (first accept → N-th /done)',
      value: fmtRate(completedRate, ' ev/s'),
      baseline: `bare POST ${clients(CONCURRENCY)} ${fmtRate(bare.rate, ' req/s')}`,
      ratio: completedRate / bare.rate,
      note:
        completedMs === undefined
          ? `only ${counter.count}/${n} completed`
          : `drained ${fmtMs(completedMs - accepted.elapsedMs)} after the last accept; ${envs} env${envs === 1 ? '' : 's'}`,
    });
    await api.delete(name);

    // ---- The counter check against a warm invoke of a plain no-op, 1 client, same run.
    const noop = `async-noop-${Date.now()}`;
    await api.create(createBody(noop, NODE, noopZip(NODE, noop)));
    await api.waitActive(noop);
    const invokeFn: Subject = { target, op: async () => void (await api.invoke(noop)) };
    await closedLoop(4, { count: plan.warmupOps }, invokeFn.op);
    const warm = await paired(
      base.bare.subject('POST'),
      invokeFn,
      1,
      pairing(plan, plan.warmMs),
      'warm Invoke (async section)',
    );
    await api.delete(noop);
    const counterNs = timeCounter(plan.counterIters);
    const warmNs = warm.subject.latency.p50 * 1e6;
    const share = counterNs / warmNs;
    raw.counter = { iterations: plan.counterIters, nsPerOp: counterNs, warm, share };
    report.add({
      section: SECTION,
      metric: 'counter check on the sync path: acquire + release',
      value: `${counterNs.toFixed(0)} ns (${(share * 100).toFixed(3)}%)`,
      baseline: `warm Invoke p50, 1 client ${fmtMs(warm.subject.latency.p50)}`,
      ratio: share,
      target: `< ${COUNTER_TARGET * 100}% of warm Invoke`,
      pass: share < COUNTER_TARGET,
      note: `in-process, ${plan.counterIters.toExponential(0)} iterations; reservedConcurrencyTotal is cached (one Map lookup)`,
    });
  } finally {
    await counter.close();
    client.close();
    await target.close();
  }
  return raw;
}

/** Nanoseconds per `acquire` + `release` of an unreserved function, after a warm-up. */
function timeCounter(iterations: number): number {
  const counters = new CounterService(1000);
  const demand = {
    ns: { account: '000000000000', region: 'us-east-1' },
    functionName: 'f',
    reservedTotal: 0,
  };
  const run = (count: number): number => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < count; i++) counters.acquire(demand).release();
    return Number(process.hrtime.bigint() - t0);
  };
  run(Math.min(iterations, 100_000));
  return run(iterations) / iterations;
}
