import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type {
  EnvironmentHandle,
  EnvironmentSpec,
  Executor,
  RuntimeExit,
  RuntimeProcess,
} from '../executor.js';

/**
 * Runs each environment's runtime as a local child process, in its own process group so that
 * whatever it forks dies with it. Isolation (namespaces, cgroups) is the sandbox layer's job.
 */
export class ProcessExecutor implements Executor {
  readonly name = 'process';

  constructor(private readonly scratchRoot = path.join(os.tmpdir(), 'asimov-envs')) {}

  async createEnvironment(spec: EnvironmentSpec): Promise<EnvironmentHandle> {
    const tmpDir = path.join(this.scratchRoot, spec.id, 'tmp');
    await fs.mkdir(tmpDir, { recursive: true, mode: 0o700 });
    return new ProcessEnvironment(spec, tmpDir, path.dirname(tmpDir));
  }
}

class ProcessEnvironment implements EnvironmentHandle {
  private running: ProcessRuntime | undefined;

  constructor(
    private readonly spec: EnvironmentSpec,
    readonly tmpDir: string,
    private readonly root: string,
  ) {}

  startRuntime(): RuntimeProcess {
    const child = spawn(this.spec.command, this.spec.args, {
      cwd: this.spec.taskRoot,
      env: { ...this.spec.env, TMPDIR: this.tmpDir },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.running = new ProcessRuntime(child);
    return this.running;
  }

  async destroy(): Promise<void> {
    await this.running?.kill();
    await fs.rm(this.root, { recursive: true, force: true });
  }
}

class ProcessRuntime implements RuntimeProcess {
  readonly exited: Promise<RuntimeExit>;

  constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', (err: NodeJS.ErrnoException) =>
        resolve({ code: null, signal: null, spawnError: err.code ?? 'ENOENT' }),
      );
    });
  }

  get stdout() {
    return this.child.stdout!;
  }

  get stderr() {
    return this.child.stderr!;
  }

  /**
   * VmHWM is the peak resident set of the process (the sandbox layer reads its cgroup instead).
   * Read synchronously: /proc answers in microseconds, while the thread pool's four round trips
   * (open, stat, read, close) cost most of a millisecond on every invocation.
   */
  async maxMemoryBytes(): Promise<number | undefined> {
    let status = '';
    try {
      status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    } catch {
      return undefined;
    }
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  }

  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const gone = this.exited;
    try {
      // The negative pid names the whole process group: the runtime and anything it forked.
      process.kill(-(this.child.pid as number), 'SIGKILL');
    } catch {
      this.child.kill('SIGKILL');
    }
    await gone;
  }
}
