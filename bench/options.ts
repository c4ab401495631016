import type { Pairing } from './measure.js';

/** What a run measures and how much: `--quick` for a smoke run, `--only` to pick a section. */
export type Section = 'control-plane' | 'invoke' | 'async' | 'sandbox' | 'docker' | 'sam';
const SECTIONS: readonly Section[] = [
  'control-plane',
  'invoke',
  'async',
  'sandbox',
  'docker',
  'sam',
];

export interface Plan {
  quick: boolean;
  only?: Section;
  /** Run servers inside the benchmark process (default: each in a child process). */
  inProcess: boolean;
  /** Write V8 CPU profiles of the Asimov server processes here. */
  cpuProfDir?: string;
  /** Duration of each bare round-trip measurement point. */
  rttMs: number;
  /** Interpreter start-ups timed per interpreter. */
  spawnReps: number;
  /** CreateFunction calls with a 1 MB package. */
  create1mb: number;
  /** Functions created for ListFunctions. */
  functionCount: number;
  /** Duration of each GetFunction measurement point. */
  getFunctionMs: number;
  listPageReps: number;
  listWalkReps: number;
  /** Cold starts per runtime (each: one create→response and one first-invoke). */
  coldReps: number;
  /**
   * Untimed operations (at 4 clients) before the warm figures: the server's hot paths need a
   * few thousand calls before V8 has optimized them, and a half-warm server reads 2x slower.
   */
  warmupOps: number;
  /**
   * Untimed invokes per client before a throughput point: enough to start every environment and
   * to let each runtime process's own JIT warm up (16 environments share the load 16 ways).
   */
  warmupPerEnv: number;
  /** Duration of the single-client warm-latency measurement. */
  warmMs: number;
  /** Duration of each throughput point. */
  throughputMs: number;
  /** Duration of the extra SDK figures. */
  sdkMs: number;
  concurrencies: number[];
  /** Event invocations sent by the async section. */
  asyncEvents: number;
  /** In-process iterations of the counter check (acquire + release). */
  counterIters: number;
  /** Alternating bare/subject slices of the paired measurements. */
  rounds: number;
}

/** A paired measurement of `totalMs` for the subject, in `plan.rounds` slices, plus bare slices. */
export function pairing(plan: Plan, totalMs: number): Pairing {
  const subjectMs = Math.round(totalMs / plan.rounds);
  return { rounds: plan.rounds, subjectMs, bareMs: Math.max(150, Math.round(subjectMs / 3)) };
}

export function parsePlan(argv: string[], env: NodeJS.ProcessEnv): Plan {
  const flag = (name: string): boolean => argv.includes(`--${name}`);
  const value = (name: string): string | undefined => {
    const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
    if (i === -1) return undefined;
    const arg = argv[i] as string;
    return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[i + 1];
  };
  const truthy = (v: string | undefined): boolean => v === '1' || v === 'true';
  const quick = flag('quick') || truthy(env.BENCH_QUICK);
  const only = value('only') ?? env.BENCH_ONLY;
  if (only !== undefined && !SECTIONS.includes(only as Section)) {
    throw new Error(`--only must be one of ${SECTIONS.join(', ')}, not ${only}`);
  }
  const cpuProf = flag('cpu-prof') || truthy(env.BENCH_CPU_PROF);
  return {
    quick,
    only: only as Section | undefined,
    inProcess: flag('in-process') || truthy(env.BENCH_IN_PROCESS),
    cpuProfDir: cpuProf ? 'bench/results/profiles' : undefined,
    rttMs: quick ? 300 : 2000,
    spawnReps: quick ? 3 : 15,
    create1mb: quick ? 3 : 30,
    functionCount: 1000,
    getFunctionMs: quick ? 600 : 3000,
    listPageReps: quick ? 50 : 200,
    listWalkReps: quick ? 5 : 20,
    coldReps: quick ? 3 : 7,
    warmupOps: quick ? 1000 : 3000,
    warmupPerEnv: quick ? 60 : 200,
    warmMs: quick ? 1000 : 3000,
    throughputMs: quick ? 2000 : 5000,
    sdkMs: quick ? 500 : 1500,
    concurrencies: [1, 4, 16],
    asyncEvents: quick ? 500 : 2000,
    counterIters: 1_000_000,
    rounds: quick ? 2 : 4,
  };
}
