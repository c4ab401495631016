import type { Executor } from './executor.js';
import { ProcessExecutor } from './process/process-executor.js';

/** Executors by their config name; docker and kubernetes register here when they exist. */
export const EXECUTORS = {
  process: (): Executor => new ProcessExecutor(),
} as const;

export type ExecutorName = keyof typeof EXECUTORS;
