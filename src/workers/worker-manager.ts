import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Namespace } from '../aws/arn.js';
import type { FunctionObserver } from '../control-plane/functions.js';
import type { RuntimeCommands } from '../runtimes/runtime-commands.js';
import type { CodeStore } from '../store/code-store.js';
import type { VersionRecord } from '../store/records.js';
import {
  ExecutionEnvironment,
  type EnvironmentInvocation,
  type EnvironmentResult,
} from './execution-environment.js';
import { lambdaEnvironment } from './lambda-environment.js';
import type { Placement } from './placement.js';

/** The function version an invocation runs. */
export interface InvokeTarget {
  ns: Namespace;
  functionName: string;
  version: VersionRecord;
}

export interface WorkerManagerOptions {
  keepAliveMs: number;
  /** This server's URL for AWS_ENDPOINT_URL inside functions, if injection is on. */
  endpointUrl?: string;
  echo: (functionName: string, line: string) => void;
  log: (line: string) => void;
}

/** The environments of one function version; a code or configuration change makes a new pool. */
interface Pool {
  key: string;
  /** Code and LastModified: environments never outlive the configuration they started with. */
  fingerprint: string;
  idle: ExecutionEnvironment[];
  busy: Set<ExecutionEnvironment>;
  retired: boolean;
}

/**
 * Pools of execution environments per function version: warm reuse (most recently used first),
 * cold start when none is idle, idle reaping after the keep-alive, and retirement of a
 * function's environments when its code or configuration changes or it is deleted.
 */
export class WorkerManager implements FunctionObserver {
  private readonly pools = new Map<string, Pool>();
  /** Every environment not yet stopped, including busy ones of retired pools. */
  private readonly live = new Set<ExecutionEnvironment>();
  private readonly reaper: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly placement: Placement,
    private readonly runtimes: RuntimeCommands,
    private readonly code: CodeStore,
    private readonly options: WorkerManagerOptions,
  ) {
    const every = Math.max(50, Math.min(options.keepAliveMs / 2, 30_000));
    this.reaper = setInterval(() => void this.reapIdle(), every);
    this.reaper.unref();
  }

  async invoke(
    target: InvokeTarget,
    invocation: EnvironmentInvocation,
  ): Promise<EnvironmentResult> {
    if (this.closed) throw new Error('worker manager is shut down');
    const pool = this.poolFor(target);
    const env = pool.idle.pop() ?? (await this.startEnvironment(target));
    pool.busy.add(env);
    try {
      return await env.invoke(invocation);
    } finally {
      pool.busy.delete(env);
      if (pool.retired || this.closed) void this.stop(env);
      else pool.idle.push(env);
    }
  }

  functionChanged(ns: Namespace, name: string): void {
    const prefix = `${ns.account}/${ns.region}/${name}/`;
    for (const pool of this.pools.values()) if (pool.key.startsWith(prefix)) this.retire(pool);
  }

  /** Stops every environment, busy ones included, and waits for their processes to be gone. */
  async shutdown(): Promise<void> {
    this.closed = true;
    clearInterval(this.reaper);
    this.pools.clear();
    await Promise.all([...this.live].map((env) => this.stop(env)));
  }

  /** How many environments exist, for tests and the admin view. */
  environmentCount(): number {
    return this.live.size;
  }

  private poolFor(target: InvokeTarget): Pool {
    const { ns, functionName, version } = target;
    const key = `${ns.account}/${ns.region}/${functionName}/${version.Version}`;
    const fingerprint = `${version.CodeSha256}|${version.LastModified}`;
    const existing = this.pools.get(key);
    if (existing && existing.fingerprint === fingerprint) return existing;
    if (existing) this.retire(existing);
    const pool: Pool = { key, fingerprint, idle: [], busy: new Set(), retired: false };
    this.pools.set(key, pool);
    return pool;
  }

  private retire(pool: Pool): void {
    pool.retired = true;
    if (this.pools.get(pool.key) === pool) this.pools.delete(pool.key);
    for (const env of pool.idle.splice(0)) void this.stop(env);
  }

  private async startEnvironment(target: InvokeTarget): Promise<ExecutionEnvironment> {
    const { version } = target;
    await this.makeRoom(version.MemorySize);
    const taskRoot = await this.code.ensureTree(version.CodeSha256);
    const command = this.runtimes.commandFor(version.Runtime ?? 'provided.al2023', taskRoot);
    const id = randomBytes(8).toString('hex');
    const logStreamName = `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[${version.Version}]${randomBytes(16).toString('hex')}`;
    const settings = {
      version: version.Version,
      timeoutSeconds: version.Timeout,
      memoryMb: version.MemorySize,
      echo: (line: string) => this.options.echo(target.functionName, line),
    };
    const env = await ExecutionEnvironment.create(id, settings, (runtimeApi) =>
      this.placement.executor.createEnvironment({
        id,
        taskRoot,
        command: command.command,
        args: command.args,
        env: lambdaEnvironment({
          ns: target.ns,
          functionName: target.functionName,
          version,
          runtimeApi,
          taskRoot,
          logStreamName,
          endpointUrl: this.options.endpointUrl,
          runtimeEnv: command.env,
          interpreterDir: path.isAbsolute(command.command)
            ? path.dirname(command.command)
            : undefined,
        }),
        memoryMb: version.MemorySize,
        ephemeralStorageMb: version.EphemeralStorage.Size,
      }),
    );
    this.live.add(env);
    return env;
  }

  private async stop(env: ExecutionEnvironment): Promise<void> {
    this.live.delete(env);
    await env.stop();
  }

  /** Stops idle environments, least recently used first, until the new one fits the budget. */
  private async makeRoom(memoryMb: number): Promise<void> {
    const idle = [...this.pools.values()]
      .flatMap((pool) => pool.idle.map((env) => ({ pool, env })))
      .sort((a, b) => a.env.lastUsed - b.env.lastUsed);
    while (!this.placement.fits(this.memoryInUse(), memoryMb)) {
      const victim = idle.shift();
      if (!victim) {
        this.options.log(
          `placement: over the memory budget of ${this.placement.budgetMb} MB; starting anyway`,
        );
        return;
      }
      victim.pool.idle.splice(victim.pool.idle.indexOf(victim.env), 1);
      await this.stop(victim.env);
    }
  }

  private memoryInUse(): number {
    let total = 0;
    for (const env of this.live) total += env.memoryMb;
    return total;
  }

  private async reapIdle(): Promise<void> {
    const cutoff = Date.now() - this.options.keepAliveMs;
    for (const pool of this.pools.values()) {
      const stale = pool.idle.filter((env) => env.lastUsed < cutoff);
      pool.idle = pool.idle.filter((env) => env.lastUsed >= cutoff);
      await Promise.all(stale.map((env) => this.stop(env)));
    }
  }
}
