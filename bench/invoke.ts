import { InvokeCommand } from '@aws-sdk/client-lambda';
import { lambdaClient } from '../test/helpers/server.js';
import { clients, timeStart, type Baselines, type Interpreter } from './baselines.js';
import { closedLoop, type HttpClient } from './http-client.js';
import { createBody, LambdaHttp, NODE, noopZip, PYTHON, type RuntimeSpec } from './lambda-api.js';
import { paired, type Subject } from './measure.js';
import { pairing, type Plan } from './options.js';
import type { Report } from './report.js';
import { fmtMs, fmtRate, sleep, summarize, type Summary } from './stats.js';
import { startAsimov, type Target } from './target.js';

const WARM_TARGET = 4;
const COLD_TARGET = 1.5;
const THROUGHPUT_TARGET = 1500;
const THROUGHPUT_TARGET_AT = 16;

export async function benchInvoke(
  plan: Plan,
  base: Baselines,
  report: Report,
): Promise<Record<string, unknown>> {
  const raw: Record<string, unknown> = {};
  const { target, client } = await startAsimov(plan);
  try {
    raw.node = await benchRuntime(plan, base, report, target, client, NODE, base.node);
    if (base.python) {
      raw.python = await benchRuntime(plan, base, report, target, client, PYTHON, base.python);
    }
  } finally {
    client.close();
    await target.close();
  }
  return raw;
}

async function benchRuntime(
  plan: Plan,
  base: Baselines,
  report: Report,
  target: Target,
  client: HttpClient,
  spec: RuntimeSpec,
  interpreter: Interpreter,
): Promise<Record<string, unknown>> {
  const section = `Invoke: ${spec.label} no-op (${spec.runtime})`;
  const api = new LambdaHttp(client);
  const raw: Record<string, unknown> = {};
  const tag = spec.runtime.replace(/\W/g, '');
  const barePost = base.bare.subject('POST');

  // ---- Cold starts, each with a package of its own (nothing shared with an earlier one), and
  // each beside a bare start of the same interpreter.
  const createToResponse: number[] = [];
  const firstInvoke: number[] = [];
  const bareStarts: number[] = [];
  for (let i = 0; i < plan.coldReps; i++) {
    bareStarts.push(await timeStart(interpreter));
    const a = `cold-${tag}-a${i}`;
    const bodyA = createBody(a, spec, noopZip(spec, `${a}-${Date.now()}`));
    const t0 = performance.now();
    await api.create(bodyA);
    await api.invoke(a);
    createToResponse.push(performance.now() - t0);

    bareStarts.push(await timeStart(interpreter));
    const b = `cold-${tag}-b${i}`;
    await api.create(createBody(b, spec, noopZip(spec, `${b}-${Date.now()}`)));
    await api.waitActive(b);
    const t1 = performance.now();
    await api.invoke(b);
    firstInvoke.push(performance.now() - t1);
    await api.delete(a);
    await api.delete(b);
    await sleep(20);
  }
  const c2r = summarize(createToResponse);
  const first = summarize(firstInvoke);
  const bare = summarize(bareStarts);
  raw.cold = {
    createToFirstResponse: { ...c2r, samples: createToResponse },
    firstInvoke: { ...first, samples: firstInvoke },
    bareStart: { ...bare, samples: bareStarts },
  };
  const bareLabel = `bare ${interpreter.label} start p50 ${fmtMs(bare.p50)}`;
  const spread = (s: Summary, samples: number[]): string =>
    `min ${fmtMs(s.min)}, max ${fmtMs(s.max)}, 1st ${fmtMs(samples[0] ?? NaN)}, n=${s.n}`;
  for (const [metric, s, samples] of [
    ['cold start: CreateFunction → first Invoke response, p50', c2r, createToResponse],
    ['cold start: first Invoke latency alone (function Active), p50', first, firstInvoke],
  ] as const) {
    report.add({
      section,
      metric,
      value: fmtMs(s.p50),
      baseline: bareLabel,
      ratio: s.p50 / bare.p50,
      target: `≤ ${COLD_TARGET}x bare start`,
      pass: s.p50 / bare.p50 <= COLD_TARGET,
      note: spread(s, samples),
    });
  }

  // ---- Warm latency, one client, paired with bare POSTs.
  const name = `warm-${tag}`;
  await api.create(createBody(name, spec, noopZip(spec, name)));
  await api.waitActive(name);
  const answer = (await api.invoke(name)).toString('utf8');
  if (answer !== 'null') throw new Error(`${name} answered ${answer}, not null`);
  const invokeFn: Subject = { target, op: async () => void (await api.invoke(name)) };
  await closedLoop(4, { count: plan.warmupOps }, invokeFn.op);
  const warm = await paired(barePost, invokeFn, 1, pairing(plan, plan.warmMs), 'warm Invoke');
  raw.warm = warm;
  const warmRatio = warm.subject.latency.p50 / warm.bare.latency.p50;
  report.add({
    section,
    metric: 'warm Invoke p50, 1 client',
    value: fmtMs(warm.subject.latency.p50),
    baseline: `bare POST p50 ${fmtMs(warm.bare.latency.p50)}`,
    ratio: warmRatio,
    target: `≤ ${WARM_TARGET}x bare`,
    pass: warmRatio <= WARM_TARGET,
    note: `n=${warm.subject.ops}`,
  });
  report.add({
    section,
    metric: 'warm Invoke p99, 1 client',
    value: fmtMs(warm.subject.latency.p99),
    baseline: `bare POST p99 ${fmtMs(warm.bare.latency.p99)}`,
    ratio: warm.subject.latency.p99 / warm.bare.latency.p99,
  });
  if (warm.subject.cpu && warm.bare.cpu) {
    const cpu = warm.subject.cpu;
    report.add({
      section,
      metric: '  CPU per warm invoke in the server process, 1 client',
      value: fmtMs(cpu.server),
      baseline: `bare server per POST ${fmtMs(warm.bare.cpu.server)}`,
      ratio: cpu.server / warm.bare.cpu.server,
      note: `per invoke: runtime ${fmtMs(cpu.runtimes)}, client ${fmtMs(cpu.client)}`,
    });
  }

  const sdk = lambdaClient(target.url);
  try {
    const payload = Buffer.from('{}');
    const sdkInvoke: Subject = {
      target,
      op: async () => {
        const out = await sdk.send(new InvokeCommand({ FunctionName: name, Payload: payload }));
        if (out.FunctionError) throw new Error(`function error ${out.FunctionError}`);
      },
    };
    await closedLoop(1, { count: 50 }, sdkInvoke.op);
    const s = await paired(barePost, sdkInvoke, 1, pairing(plan, plan.sdkMs), 'SDK Invoke');
    raw.warmSdk = s;
    report.add({
      section,
      metric: '  (extra) warm Invoke p50 via @aws-sdk, 1 client',
      value: fmtMs(s.subject.latency.p50),
      baseline: `bare POST p50 ${fmtMs(s.bare.latency.p50)}`,
      ratio: s.subject.latency.p50 / s.bare.latency.p50,
      note: 'includes SigV4 signing and SDK middleware',
    });
  } finally {
    sdk.destroy();
  }

  // ---- Throughput: environments warmed first (a burst starts up to `concurrency` of them, and
  // each then serves enough invokes for its runtime process to be JIT-warm).
  const throughput: Record<string, unknown> = {};
  for (const concurrency of plan.concurrencies) {
    await closedLoop(concurrency, { count: concurrency * plan.warmupPerEnv }, invokeFn.op);
    const envs = await target.environmentCount();
    const run = await paired(
      barePost,
      invokeFn,
      concurrency,
      pairing(plan, plan.throughputMs),
      `Invoke x${concurrency}`,
    );
    throughput[concurrency] = { ...run, environments: envs };
    const s = run.subject;
    const isTarget = concurrency === THROUGHPUT_TARGET_AT;
    report.add({
      section,
      metric: `throughput, ${clients(concurrency)}`,
      value: fmtRate(s.rate, ' inv/s'),
      baseline: `bare POST ${clients(concurrency)} ${fmtRate(run.bare.rate, ' req/s')}`,
      ratio: s.rate / run.bare.rate,
      ...(isTarget
        ? {
            target: `≥ ${THROUGHPUT_TARGET.toLocaleString('en-US')}/s`,
            pass: s.rate >= THROUGHPUT_TARGET,
          }
        : {}),
      note: `p50 ${fmtMs(s.latency.p50)}, p99 ${fmtMs(s.latency.p99)}, ${envs} env${envs === 1 ? '' : 's'}`,
    });
    if (isTarget && s.cpu && run.bare.cpu) {
      report.add({
        section,
        metric: `  CPU per invoke in the server process, ${clients(concurrency)}`,
        value: fmtMs(s.cpu.server),
        baseline: `bare server per POST ${fmtMs(run.bare.cpu.server)}`,
        ratio: s.cpu.server / run.bare.cpu.server,
        note: `per invoke: runtimes ${fmtMs(s.cpu.runtimes)}, client ${fmtMs(s.cpu.client)}, other ${fmtMs(s.cpu.other)}`,
      });
    }
  }
  raw.throughput = throughput;
  await api.delete(name);
  await sleep(100);
  return raw;
}
