import os from 'node:os';
import type { Executor } from '../executors/executor.js';
import type { VersionRecord } from '../store/records.js';

/** The executors a function can be sent to besides the server's own, made at first use. */
export interface OtherExecutors {
  process: () => Promise<Executor>;
  docker: () => Promise<Executor>;
}

/**
 * Picks where an environment runs — PackageType Image functions on Docker, functions named in
 * `functionExecutors` (`--function-executor NAME=docker`) on theirs, the rest on the server's
 * executor — and whether it fits the host's memory budget (by default three quarters of the
 * host's memory, counted as the sum of the environments' MemorySize). It keeps no state: the
 * worker manager knows which environments exist.
 */
export class Placement {
  constructor(
    readonly executor: Executor,
    readonly budgetMb = Math.floor((os.totalmem() / 1048576) * 0.75),
    private readonly others?: OtherExecutors,
    private readonly functionExecutors: Record<string, 'process' | 'docker'> = {},
  ) {}

  async executorFor(
    functionName: string,
    version: Pick<VersionRecord, 'PackageType'>,
  ): Promise<Executor> {
    const wanted =
      version.PackageType === 'Image' ? 'docker' : this.functionExecutors[functionName];
    if (!wanted || wanted === this.executor.name) return this.executor;
    if (!this.others) throw new Error(`no ${wanted} executor for ${functionName}`);
    return this.others[wanted]();
  }

  fits(inUseMb: number, wantedMb: number): boolean {
    return inUseMb + wantedMb <= this.budgetMb;
  }
}
