/**
 * What the docker executor costs (issue #6): cold start and warm invoke on two servers side by
 * side, one with the process executor and one with `--executor docker`, turn and turn about, so
 * that the host's noise falls on both. Targets: a docker cold start under 1.5 s, a docker warm
 * invoke within 1.5x of the process executor's.
 *
 * `node --import tsx bench/docker.ts [--quick]` runs it alone; `benchDocker` is the section for
 * bench/run.ts. Without an engine (or the local images) the section is skipped with the reason.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig, type ConfigInput } from '../src/config.js';
import { startServer } from '../src/server.js';
import { engineRelay } from '../test/helpers/engine-relay.js';
import { HttpClient } from './http-client.js';
import { createBody, LambdaHttp, NODE, noopZip, PYTHON, type RuntimeSpec } from './lambda-api.js';
import { parsePlan, type Plan } from './options.js';
import { Report } from './report.js';
import { coldAndWarm, pairRow, type Side } from './server-pair.js';
import { fmtMs, summarize, type Summary } from './stats.js';

const COLD_TARGET_MS = 1500;
const WARM_RATIO_TARGET = 1.5;

/** Why docker cannot be measured here, or undefined. */
function unavailable(): string | undefined {
  if (spawnSync('docker', ['info'], { stdio: 'ignore' }).status !== 0)
    return 'no Docker engine answers (sudo scripts/start-dockerd.sh)';
  if (
    spawnSync('docker', ['image', 'inspect', 'asimov/lambda-nodejs:local'], { stdio: 'ignore' })
      .status !== 0
  )
    return 'no local worker images (npm run images:local)';
  return undefined;
}

export async function benchDocker(plan: Plan, report: Report): Promise<Record<string, unknown>> {
  const reason = unavailable();
  if (reason) {
    report.warn(`docker figures skipped: ${reason}`);
    return { skipped: reason };
  }
  const open = async (config: ConfigInput): Promise<Side> => {
    const server = await startServer(
      loadConfig({ port: 0, inMemory: true, quiet: true, printFunctionLogs: false, ...config }),
    );
    const client = new HttpClient(server.url);
    return { server, client, api: new LambdaHttp(client) };
  };
  const docker = await open({ executor: 'docker' });
  const proc = await open({ executor: 'process' });
  const raw: Record<string, unknown> = {};
  try {
    for (const spec of [NODE, PYTHON]) {
      try {
        raw[spec.runtime] = await benchRuntime(plan, report, spec, docker, proc);
      } catch (err) {
        report.warn(`docker ${spec.label}: ${(err as Error).message}`);
      }
    }
    try {
      raw.image = await benchImageCold(plan, report, docker);
    } catch (err) {
      report.warn(`docker image function: ${(err as Error).message}`);
    }
    try {
      raw.remote = await benchRemote(plan, report, docker, open);
    } catch (err) {
      report.warn(`docker remote engine: ${(err as Error).message}`);
    }
  } finally {
    for (const side of [docker, proc]) {
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
  docker: Side,
  proc: Side,
): Promise<Record<string, unknown>> {
  const section = `Docker executor vs process executor: ${spec.label} (${spec.runtime})`;
  const figures = await coldAndWarm(plan, spec, 'dk', docker, proc);
  const s = {
    coldDocker: figures.coldSubject,
    coldProcess: figures.coldBaseline,
    warmDocker: figures.warmSubject,
    warmProcess: figures.warmBaseline,
  };
  const row = (metric: string, d: Summary, p: Summary, target: string, pass: boolean) =>
    pairRow(report, {
      section,
      metric,
      subject: d,
      baseline: p,
      baselineName: 'process executor',
      target,
      pass,
    });
  row(
    'cold start (first Invoke), p50',
    s.coldDocker,
    s.coldProcess,
    `< ${COLD_TARGET_MS} ms`,
    s.coldDocker.p50 < COLD_TARGET_MS,
  );
  row(
    'warm Invoke, p50',
    s.warmDocker,
    s.warmProcess,
    `< ${WARM_RATIO_TARGET}x process`,
    s.warmDocker.p50 < s.warmProcess.p50 * WARM_RATIO_TARGET,
  );
  return s;
}

/**
 * A remote engine (code copied in, output from the attach stream) beside the local engine's bind
 * mounts and FIFOs, both docker; the remote one is this machine's engine reached over TCP.
 */
async function benchRemote(
  plan: Plan,
  report: Report,
  local: Side,
  open: (config: ConfigInput) => Promise<Side>,
): Promise<Record<string, unknown>> {
  const relay = await engineRelay();
  const remote = await open({ executor: 'docker', dockerHost: relay.url });
  try {
    const figures = await coldAndWarm(plan, NODE, 'rm', remote, local);
    const section =
      'Docker executor: remote engine (copy + attach) vs local (bind mounts + FIFOs), Node.js';
    const row = (metric: string, subject: Summary, baseline: Summary) =>
      pairRow(report, { section, metric, subject, baseline, baselineName: 'local engine' });
    row('cold start (first Invoke), p50', figures.coldSubject, figures.coldBaseline);
    row('warm Invoke, p50', figures.warmSubject, figures.warmBaseline);
    return { ...figures };
  } finally {
    remote.client.close();
    await remote.server.close();
    await relay.close();
  }
}

const BENCH_IMAGE = 'asimov-bench/image-fn:1';

/** A no-op Node.js function as an image FROM the local worker image (CMD is the handler). */
function buildBenchImage(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'asimov-bench-image-'));
  try {
    fs.writeFileSync(
      path.join(dir, 'Dockerfile'),
      'FROM asimov/lambda-nodejs:local\nCOPY index.js /var/task/\nCMD ["index.handler"]\n',
    );
    fs.writeFileSync(path.join(dir, 'index.js'), NODE.source('image'));
    const built = spawnSync('docker', ['build', '-q', '-t', BENCH_IMAGE, dir], {
      encoding: 'utf8',
      env: { ...process.env, DOCKER_BUILDKIT: '0' },
    });
    if (built.status !== 0) throw new Error(`docker build: ${built.stderr}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** PackageType Image cold start beside a zip function's, both in containers, alternately. */
async function benchImageCold(
  plan: Plan,
  report: Report,
  docker: Side,
): Promise<Record<string, unknown>> {
  buildBenchImage();
  const tag = Date.now();
  const bodies = {
    image: (fn: string) =>
      JSON.stringify({
        FunctionName: fn,
        PackageType: 'Image',
        Code: { ImageUri: BENCH_IMAGE },
        Role: 'arn:aws:iam::000000000000:role/bench',
      }),
    zip: (fn: string) => createBody(fn, NODE, noopZip(NODE, fn)),
  };
  const cold = { image: [] as number[], zip: [] as number[] };
  for (let i = 0; i < plan.coldReps + 1; i++) {
    for (const kind of ['image', 'zip'] as const) {
      const fn = `dk-img-${kind}-${tag}-${i}`;
      await docker.api.create(bodies[kind](fn));
      await docker.api.waitActive(fn);
      const t0 = performance.now();
      await docker.api.invoke(fn);
      if (i > 0) cold[kind].push(performance.now() - t0);
      await docker.api.delete(fn);
    }
  }
  const image = summarize(cold.image);
  const zip = summarize(cold.zip);
  report.add({
    section: 'Docker executor: PackageType Image (Node.js)',
    metric: 'cold start (first Invoke), p50',
    value: fmtMs(image.p50),
    baseline: `zip function in a container ${fmtMs(zip.p50)}`,
    ratio: image.p50 / zip.p50,
    target: `< ${COLD_TARGET_MS} ms`,
    pass: image.p50 < COLD_TARGET_MS,
    note: `p90 ${fmtMs(image.p90)} vs ${fmtMs(zip.p90)}; n=${image.n}`,
  });
  return { coldImage: image, coldZip: zip };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const report = new Report();
  const raw = await benchDocker(parsePlan(process.argv.slice(2), process.env), report);
  process.stdout.write(`${report.render()}\n`);
  process.stdout.write(`${JSON.stringify(raw, null, 2)}\n`);
}
