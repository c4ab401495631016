import fs from 'node:fs';
import type { Target } from './target.js';

/** Busy CPU time of the whole machine, ms (all cores; /proc/stat counts in 1/100 s). */
function machineBusyMs(): number | undefined {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const [, user, nice, system, , , irq, softirq] = line.trim().split(/\s+/).map(Number);
    return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0)) * 10;
  } catch {
    return undefined;
  }
}

const ownMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** CPU ms per operation, by process. */
export interface CpuSplit {
  server: number;
  /** The runtime processes the server started (0 for the bare server). */
  runtimes: number;
  /** This benchmark process, which generates the load. */
  client: number;
  /** Everything else busy on the machine meanwhile (kernel work, neighbours). */
  other: number;
}

/**
 * Where the CPU went during a measurement, per operation. Undefined when the server runs
 * in-process (it cannot be told apart from the client) or /proc is missing.
 */
export async function cpuSplit<T>(
  target: Target,
  measure: () => Promise<T>,
  operations: (result: T) => number,
): Promise<{ result: T; cpu?: CpuSplit }> {
  const before = await target.cpuMs();
  const machine0 = machineBusyMs();
  const client0 = ownMs();
  const result = await measure();
  const client = ownMs() - client0;
  const machine1 = machineBusyMs();
  const after = await target.cpuMs();
  const ops = operations(result);
  if (!before || !after || machine0 === undefined || machine1 === undefined || !ops) {
    return { result };
  }
  const server = after.server - before.server;
  const runtimes = Math.max(0, (after.children ?? 0) - (before.children ?? 0));
  const other = Math.max(0, machine1 - machine0 - server - runtimes - client);
  return {
    result,
    cpu: {
      server: server / ops,
      runtimes: runtimes / ops,
      client: client / ops,
      other: other / ops,
    },
  };
}
