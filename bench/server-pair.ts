import type { RunningServer } from '../src/server.js';
import type { HttpClient } from './http-client.js';
import { createBody, noopZip, type LambdaHttp, type RuntimeSpec } from './lambda-api.js';
import type { Plan } from './options.js';
import type { Report } from './report.js';
import { fmtMs, summarize, type Summary } from './stats.js';

/** One of two servers compared in the same run (docker vs process, sandbox vs none). */
export interface Side {
  server: RunningServer;
  client: HttpClient;
  api: LambdaHttp;
}

export interface PairFigures {
  coldSubject: Summary;
  coldBaseline: Summary;
  warmSubject: Summary;
  warmBaseline: Summary;
}

/**
 * Cold start and warm Invoke of a no-op function on two servers, measured alternately so that
 * the shared host's noise falls on both: a new function per cold start (the first pair only warms
 * the servers up), then one warm environment per side invoked back to back in slices.
 */
export async function coldAndWarm(
  plan: Plan,
  spec: RuntimeSpec,
  prefix: string,
  subject: Side,
  baseline: Side,
): Promise<PairFigures> {
  const tag = `${spec.runtime.replace(/\W/g, '')}-${Date.now()}`;
  const sides = [
    ['subject', subject],
    ['baseline', baseline],
  ] as const;
  const cold = { subject: [] as number[], baseline: [] as number[] };
  for (let i = 0; i < plan.coldReps + 1; i++) {
    for (const [name, side] of sides) {
      const fn = `${prefix}-cold-${name}-${tag}-${i}`;
      await side.api.create(createBody(fn, spec, noopZip(spec, fn)));
      await side.api.waitActive(fn);
      const t0 = performance.now();
      await side.api.invoke(fn);
      if (i > 0) cold[name].push(performance.now() - t0);
      await side.api.delete(fn);
    }
  }
  const warm = { subject: [] as number[], baseline: [] as number[] };
  const fn = `${prefix}-warm-${tag}`;
  for (const [, side] of sides) {
    await side.api.create(createBody(fn, spec, noopZip(spec, fn)));
    await side.api.waitActive(fn);
    await side.api.invoke(fn);
  }
  const perSlice = plan.quick ? 100 : 300;
  for (let round = 0; round < plan.rounds * 2; round++) {
    for (const [name, side] of sides) {
      for (let i = 0; i < perSlice; i++) {
        const t0 = performance.now();
        await side.api.invoke(fn);
        if (round > 0) warm[name].push(performance.now() - t0);
      }
    }
  }
  return {
    coldSubject: summarize(cold.subject),
    coldBaseline: summarize(cold.baseline),
    warmSubject: summarize(warm.subject),
    warmBaseline: summarize(warm.baseline),
  };
}

/** A table row of one pair's p50s, the subject beside its baseline, with the p90s and count. */
export function pairRow(
  report: Report,
  row: {
    section: string;
    metric: string;
    subject: Summary;
    baseline: Summary;
    baselineName: string;
    target?: string;
    pass?: boolean;
    notePrefix?: string;
  },
): void {
  const { subject, baseline } = row;
  report.add({
    section: row.section,
    metric: row.metric,
    value: fmtMs(subject.p50),
    baseline: `${row.baselineName} ${fmtMs(baseline.p50)}`,
    ratio: subject.p50 / baseline.p50,
    target: row.target,
    pass: row.pass,
    note: `${row.notePrefix ?? ''}p90 ${fmtMs(subject.p90)} vs ${fmtMs(baseline.p90)}; n=${subject.n}`,
  });
}
