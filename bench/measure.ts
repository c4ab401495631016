import { cpuSplit, type CpuSplit } from './cpu.js';
import { closedLoop, type LoopResult } from './http-client.js';
import { summarize, type Summary } from './stats.js';
import type { Target } from './target.js';

/** Something to load: one operation against one target. */
export interface Subject {
  target: Target;
  op: () => Promise<void>;
}

export interface Measured {
  latency: Summary;
  /** Successful operations per second. */
  rate: number;
  ops: number;
  /** CPU per operation by process, when the target runs in a process of its own. */
  cpu?: CpuSplit;
}

/** Slices of a paired measurement: bare and subject take turns so that noise hits both. */
export interface Pairing {
  rounds: number;
  bareMs: number;
  subjectMs: number;
}

/** A closed loop for a fixed time, with the CPU it cost; any failed operation throws. */
export async function measure(
  subject: Subject,
  concurrency: number,
  durationMs: number,
  what: string,
): Promise<Measured> {
  const { result, cpu } = await cpuSplit(
    subject.target,
    () => closedLoop(concurrency, { durationMs }, subject.op),
    (r) => r.latencies.length,
  );
  throwIfErrors(what, result);
  return {
    latency: summarize(result.latencies),
    rate: result.rate,
    ops: result.latencies.length,
    cpu,
  };
}

/**
 * Measures `subject` and the bare baseline at the same concurrency in alternating slices
 * (bare, subject, bare, subject, …): on a shared, noisy host a baseline taken minutes earlier
 * can be off by a factor of two, one taken in between the subject's slices is not.
 */
export async function paired(
  bare: Subject,
  subject: Subject,
  concurrency: number,
  pairing: Pairing,
  what: string,
): Promise<{ bare: Measured; subject: Measured }> {
  const bareRuns: LoopResult[] = [];
  const subjectRuns: LoopResult[] = [];
  const bareCpu: CpuSplit[] = [];
  const subjectCpu: CpuSplit[] = [];
  for (let round = 0; round < pairing.rounds; round++) {
    for (const [s, ms, runs, cpus] of [
      [bare, pairing.bareMs, bareRuns, bareCpu],
      [subject, pairing.subjectMs, subjectRuns, subjectCpu],
    ] as const) {
      const { result, cpu } = await cpuSplit(
        s.target,
        () => closedLoop(concurrency, { durationMs: ms }, s.op),
        (r) => r.latencies.length,
      );
      throwIfErrors(s === bare ? `bare baseline for ${what}` : what, result);
      runs.push(result);
      if (cpu) cpus.push(cpu);
    }
  }
  return { bare: merge(bareRuns, bareCpu), subject: merge(subjectRuns, subjectCpu) };
}

function merge(runs: LoopResult[], cpus: CpuSplit[]): Measured {
  const latencies = runs.flatMap((r) => r.latencies);
  const elapsedMs = runs.reduce((sum, r) => sum + r.elapsedMs, 0);
  const ops = latencies.length;
  let cpu: CpuSplit | undefined;
  if (cpus.length === runs.length && ops > 0) {
    // Per-op figures of each slice, weighted by that slice's operations.
    const total = (key: keyof CpuSplit): number =>
      cpus.reduce((sum, c, i) => sum + c[key] * (runs[i]?.latencies.length ?? 0), 0) / ops;
    cpu = {
      server: total('server'),
      runtimes: total('runtimes'),
      client: total('client'),
      other: total('other'),
    };
  }
  return { latency: summarize(latencies), rate: ops / (elapsedMs / 1000), ops, cpu };
}

export function throwIfErrors(what: string, run: { errors: number; firstError?: string }): void {
  if (run.errors > 0) throw new Error(`${what}: ${run.errors} errors, first: ${run.firstError}`);
}
