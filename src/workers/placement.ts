import os from 'node:os';
import type { Executor } from '../executors/executor.js';
import type { VersionRecord } from '../store/records.js';

/**
 * Picks where an environment runs (Image functions on Docker), and whether it fits the host's memory budget (by default
 * three quarters of the host's memory, counted as the sum of the environments' MemorySize).
 * It keeps no state: the worker manager knows which environments exist.
 */
export class Placement {
  constructor(
    readonly executor: Executor,
    readonly budgetMb = Math.floor((os.totalmem() / 1048576) * 0.75),
    /** PackageType Image functions run on Docker whatever the executor (src/executors/image-functions.ts). */
    private readonly imageExecutor?: () => Promise<Executor>,
  ) {}

  async executorFor(version: Pick<VersionRecord, 'PackageType'>): Promise<Executor> {
    if (version.PackageType !== 'Image' || this.executor.name === 'docker') return this.executor;
    if (!this.imageExecutor) throw new Error('no executor for PackageType Image functions');
    return this.imageExecutor();
  }

  fits(inUseMb: number, wantedMb: number): boolean {
    return inUseMb + wantedMb <= this.budgetMb;
  }
}
