/**
 * `npm run bench [-- --quick] [-- --only control-plane|invoke|async|sandbox|docker|sam] [-- --cpu-prof] [-- --in-process]`
 *
 * Measures the control plane and Invoke of a real Asimov Lambda server, and beside every figure a
 * baseline measured in the same run (bare loopback HTTP, bare interpreter start), as a ratio: the
 * host is shared and noisy, so absolute numbers from different runs do not compare. Targets are
 * printed as PASS/MISS; a miss never fails the run. Results also go to bench/results/latest.json.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureBaselines, type Baselines } from './baselines.js';
import { benchAsync } from './async.js';
import { benchControlPlane } from './control-plane.js';
import { benchInvoke } from './invoke.js';
import { parsePlan, type Section } from './options.js';
import { Report } from './report.js';
import { benchDocker } from './docker.js';
import { benchSandbox } from './sandbox.js';
import { benchSam } from './sam.js';

// The SDK (used only for the extra SDK figures) warns about Node 20 on stderr; not our subject.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const here = path.dirname(fileURLToPath(import.meta.url));
const plan = parsePlan(process.argv.slice(2), process.env);
const report = new Report();
const startedAt = new Date();
const loadBefore = os.loadavg();
const progress = (line: string): void => void process.stderr.write(`bench: ${line}\n`);

progress(
  `${plan.quick ? 'quick' : 'full'} run${plan.only ? `, only ${plan.only}` : ''}; ` +
    `${os.cpus().length} CPUs, load ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`,
);
if (plan.cpuProfDir) await fs.mkdir(plan.cpuProfDir, { recursive: true });

const raw: Record<string, unknown> = {};
let failure: unknown;
let base: Baselines | undefined;
try {
  progress('baselines…');
  base = await measureBaselines(plan, report);
  const { bare: _bare, ...measured } = base;
  raw.baselines = {
    ...measured,
    get: Object.fromEntries(base.get),
    post: Object.fromEntries(base.post),
  };
  const selected = (section: Section): boolean => plan.only === undefined || plan.only === section;
  if (selected('control-plane')) {
    progress('control plane…');
    raw.controlPlane = await benchControlPlane(plan, base, report);
  }
  if (selected('invoke')) {
    progress('invoke…');
    raw.invoke = await benchInvoke(plan, base, report);
  }
  if (selected('async')) {
    progress('async…');
    raw.async = await benchAsync(plan, base, report);
  }
  if (selected('sandbox')) {
    progress('sandbox…');
    raw.sandbox = await benchSandbox(plan, report);
  }
  if (selected('docker')) {
    progress('docker…');
    raw.docker = await benchDocker(plan, report);
  }
  if (selected('sam')) {
    progress('sam…');
    raw.sam = await benchSam(plan, report);
  }
} catch (err) {
  failure = err;
  report.warn(`run aborted: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
} finally {
  await base?.bare.close();
}

const finishedAt = new Date();
const durationS = (finishedAt.getTime() - startedAt.getTime()) / 1000;
process.stdout.write(`\n${report.render()}\n`);
process.stdout.write(
  `\n${durationS.toFixed(0)} s; load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, ` +
    `after ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n`,
);

const resultsDir = path.join(here, 'results');
await fs.mkdir(resultsDir, { recursive: true });
const file = path.join(resultsDir, 'latest.json');
await fs.writeFile(
  file,
  `${JSON.stringify(
    {
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationS,
      plan,
      machine: {
        node: process.version,
        platform: `${os.platform()} ${os.release()}`,
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model,
        loadavgBefore: loadBefore,
        loadavgAfter: os.loadavg(),
      },
      rows: report.rows,
      warnings: report.warnings,
      raw,
    },
    null,
    2,
  )}\n`,
);
process.stdout.write(`results: ${path.relative(process.cwd(), file)}\n`);
// A failed run (not a missed target) is the one case that exits non-zero.
process.exitCode = failure === undefined ? 0 : 1;
