/**
 * What the sandbox costs (issue #5): cold start and warm invoke with the sandbox on (`auto`) and
 * off (`none`), measured in the same run on two servers side by side, turn and turn about, so
 * that the host's noise falls on both. Targets: under 25 ms more per cold start, nothing
 * measurable per warm invoke.
 *
 * `node --import tsx bench/sandbox.ts [--quick]` runs it alone; `benchSandbox` is the section
 * for bench/run.ts.
 */
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../src/config.js';
import { detectSandbox } from '../src/executors/process/detect.js';
import { startServer, type RunningServer } from '../src/server.js';
import { HttpClient } from './http-client.js';
import { createBody, LambdaHttp, NODE, noopZip, PYTHON, type RuntimeSpec } from './lambda-api.js';
import { parsePlan, type Plan } from './options.js';
import { Report } from './report.js';
import { fmtMs, summarize, type Summary } from './stats.js';

const COLD_EXTRA_TARGET_MS = 25;
/** "Nothing measurable": within this much of the unsandboxed median. */
const WARM_EXTRA_TARGET_MS = 0.1;

interface Side {
  server: RunningServer;
  client: HttpClient;
  api: LambdaHttp;
}

export async function benchSandbox(plan: Plan, report: Report): Promise<Record<string, unknown>> {
  const setup = await detectSandbox('auto', false);
  if (setup.kind === 'none') {
    report.warn(`sandbox figures skipped: ${setup.summary}`);
    return { skipped: setup.summary };
  }
  const open = async (sandbox: 'auto' | 'none'): Promise<Side> => {
    const server = await startServer(
      loadConfig({ port: 0, inMemory: true, quiet: true, printFunctionLogs: false, sandbox }),
    );
    const client = new HttpClient(server.url);
    return { server, client, api: new LambdaHttp(client) };
  };
  const on = await open('auto');
  const off = await open('none');
  const raw: Record<string, unknown> = { sandbox: setup.summary };
  try {
    for (const spec of [NODE, PYTHON]) {
      try {
        raw[spec.runtime] = await benchRuntime(plan, report, spec, on, off, setup.kind);
      } catch (err) {
        report.warn(`sandbox ${spec.label}: ${(err as Error).message}`);
      }
    }
  } finally {
    for (const side of [on, off]) {
      side.client.close();
      await side.server.close();
    }
  }
  return raw;
}

async function benchRuntime(
  plan: Plan,
  report: Report,
  spec: RuntimeSpec,
  on: Side,
  off: Side,
  kind: string,
): Promise<Record<string, unknown>> {
  const section = `Sandbox (${kind}) vs none: ${spec.label} (${spec.runtime})`;
  const tag = `${spec.runtime.replace(/\W/g, '')}-${Date.now()}`;
  // Cold starts: a new function (so a new environment) on each side, alternately.
  const cold = { on: [] as number[], off: [] as number[] };
  for (let i = 0; i < plan.coldReps + 1; i++) {
    for (const [name, side] of [
      ['on', on],
      ['off', off],
    ] as const) {
      const fn = `sbx-cold-${name}-${tag}-${i}`;
      await side.api.create(createBody(fn, spec, noopZip(spec, fn)));
      await side.api.waitActive(fn);
      const t0 = performance.now();
      await side.api.invoke(fn);
      if (i > 0) cold[name].push(performance.now() - t0); // the first pair warms the servers up
      await side.api.delete(fn);
    }
  }
  // Warm invokes: one warm environment per side, invoked back to back in alternating slices.
  const warm = { on: [] as number[], off: [] as number[] };
  const fn = `sbx-warm-${tag}`;
  for (const side of [on, off]) {
    await side.api.create(createBody(fn, spec, noopZip(spec, fn)));
    await side.api.waitActive(fn);
    await side.api.invoke(fn);
  }
  const perSlice = plan.quick ? 100 : 300;
  for (let round = 0; round < plan.rounds * 2; round++) {
    for (const [name, side] of [
      ['on', on],
      ['off', off],
    ] as const) {
      for (let i = 0; i < perSlice; i++) {
        const t0 = performance.now();
        await side.api.invoke(fn);
        if (round > 0) warm[name].push(performance.now() - t0);
      }
    }
  }
  const s = {
    coldOn: summarize(cold.on),
    coldOff: summarize(cold.off),
    warmOn: summarize(warm.on),
    warmOff: summarize(warm.off),
  };
  const extraCold = s.coldOn.p50 - s.coldOff.p50;
  const extraWarm = s.warmOn.p50 - s.warmOff.p50;
  const row = (metric: string, onS: Summary, offS: Summary, target: string, pass: boolean) =>
    report.add({
      section,
      metric,
      value: fmtMs(onS.p50),
      baseline: `sandbox none ${fmtMs(offS.p50)}`,
      ratio: onS.p50 / offS.p50,
      target,
      pass,
      note: `+${fmtMs(onS.p50 - offS.p50)} p50; p90 ${fmtMs(onS.p90)} vs ${fmtMs(offS.p90)}; n=${onS.n}`,
    });
  row(
    'cold start (first Invoke), p50',
    s.coldOn,
    s.coldOff,
    `< +${COLD_EXTRA_TARGET_MS} ms`,
    extraCold < COLD_EXTRA_TARGET_MS,
  );
  row(
    'warm Invoke, p50',
    s.warmOn,
    s.warmOff,
    `< +${WARM_EXTRA_TARGET_MS} ms`,
    extraWarm < WARM_EXTRA_TARGET_MS,
  );
  return s;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const report = new Report();
  const raw = await benchSandbox(parsePlan(process.argv.slice(2), process.env), report);
  process.stdout.write(`${report.render()}\n`);
  process.stdout.write(`${JSON.stringify(raw, null, 2)}\n`);
}
