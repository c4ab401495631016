import type { Executor } from './executor.js';
import { detectSandbox, type SandboxMode } from './process/detect.js';
import { ProcessExecutor } from './process/process-executor.js';

export interface ExecutorOptions {
  /** Which sandbox wraps each environment (`auto` picks the best that works here). */
  sandbox: SandboxMode;
  /** Give environments no network but the Runtime API. */
  isolateNetwork: boolean;
  /** Host paths no function may see: the server's data dir and code store. */
  hiddenPaths: string[];
  /** Warnings met while environments are made. */
  log: (line: string) => void;
}

export interface ExecutorSetup {
  executor: Executor;
  /** What the server prints at start: which isolation is in force and why, then any warnings. */
  notes: string[];
}

/** Executors by their config name; docker and kubernetes register here when they exist. */
export const EXECUTORS = {
  process: async (options: ExecutorOptions): Promise<ExecutorSetup> => {
    const sandbox = await detectSandbox(options.sandbox, options.isolateNetwork);
    const executor = new ProcessExecutor({
      sandbox,
      hiddenPaths: options.hiddenPaths,
      warn: options.log,
    });
    await executor.sweep();
    return { executor, notes: [sandbox.summary, ...sandbox.warnings] };
  },
} as const;

export type ExecutorName = keyof typeof EXECUTORS;
