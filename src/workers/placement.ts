import os from 'node:os';
import type { Executor } from '../executors/executor.js';

/**
 * Picks where an environment runs, and whether it fits the host's memory budget (by default
 * three quarters of the host's memory, counted as the sum of the environments' MemorySize).
 * It keeps no state: the worker manager knows which environments exist.
 */
export class Placement {
  constructor(
    readonly executor: Executor,
    readonly budgetMb = Math.floor((os.totalmem() / 1048576) * 0.75),
  ) {}

  fits(inUseMb: number, wantedMb: number): boolean {
    return inUseMb + wantedMb <= this.budgetMb;
  }
}
