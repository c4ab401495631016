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
import { startServer } from '../src/server.js';
import { HttpClient } from './http-client.js';
import { LambdaHttp, NODE, PYTHON, type RuntimeSpec } from './lambda-api.js';
import { parsePlan, type Plan } from './options.js';
import { Report } from './report.js';
import { coldAndWarm, pairRow, type Side } from './server-pair.js';
import { fmtMs, type Summary } from './stats.js';

const COLD_EXTRA_TARGET_MS = 25;
/** "Nothing measurable": within this much of the unsandboxed median. */
const WARM_EXTRA_TARGET_MS = 0.1;

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
  const figures = await coldAndWarm(plan, spec, 'sbx', on, off);
  const s = {
    coldOn: figures.coldSubject,
    coldOff: figures.coldBaseline,
    warmOn: figures.warmSubject,
    warmOff: figures.warmBaseline,
  };
  const extraCold = s.coldOn.p50 - s.coldOff.p50;
  const extraWarm = s.warmOn.p50 - s.warmOff.p50;
  const row = (metric: string, onS: Summary, offS: Summary, target: string, pass: boolean) =>
    pairRow(report, {
      section,
      metric,
      subject: onS,
      baseline: offS,
      baselineName: 'sandbox none',
      target,
      pass,
      notePrefix: `+${fmtMs(onS.p50 - offS.p50)} p50; `,
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
