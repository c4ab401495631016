import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Namespace } from '../aws/arn.js';
import type { FunctionObserver } from '../control-plane/functions.js';
import type { Executor, ImageSpec } from '../executors/executor.js';
import type { RuntimeCommandSource } from '../runtimes/runtime-commands.js';
import type { CodeStore } from '../store/code-store.js';
import type { VersionRecord } from '../store/records.js';
import {
  ExecutionEnvironment,
  type EnvironmentInvocation,
  type EnvironmentResult,
} from './execution-environment.js';
import { externalExtensions } from './extensions.js';
import { debugPortFor, debugVariables, type DebugSettings } from './debugging.js';
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
  /** The merged tree of a function's layers (by ARN, in order), for its environments' /opt. */
  layerTree?: (layerArns: readonly string[]) => Promise<string | undefined>;
  /** Hot reload: calls back when a local folder an environment runs from changes. */
  watchCode?: (folder: string, key: string, onChange: () => void) => void;
  /** Functions whose on-demand environments wait for a debugger (src/workers/debugging.ts). */
  debug?: DebugSettings;
}

/** A provisioned concurrency config as the worker manager applies it to one published version. */
export interface ProvisionedConfig {
  version: VersionRecord;
  requested: number;
  /** The config's LastModified: a new Put starts the allocation again, even after a failure. */
  lastModified: string;
}

/** What a version's provisioned environments amount to, in AWS's terms. */
export interface ProvisionedState {
  allocated: number;
  available: number;
  status: 'IN_PROGRESS' | 'READY' | 'FAILED';
  statusReason?: string;
}

/** AWS's StatusReason when a provisioned environment's init fails. */
export const INIT_FAILURE_REASON = 'FUNCTION_ERROR_INIT_FAILURE';

/**
 * The provisioned environments of one published version. They are pre-initialized (runtime
 * polling), never reaped, served first, and replaced when their runtime is reset or crashes.
 */
interface ProvisionedSet {
  key: string;
  fingerprint: string;
  target: InvokeTarget;
  requested: number;
  lastModified: string;
  /** Initialized and waiting for an invocation. */
  idle: ExecutionEnvironment[];
  busy: Set<ExecutionEnvironment>;
  /** Initializing their runtime. */
  warming: Set<ExecutionEnvironment>;
  /** Being created (no environment object yet). */
  starting: number;
  /** Every requested environment was initialized since the config last changed. */
  reached: boolean;
  failure?: string;
  dropped: boolean;
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
 * function's environments when its code or configuration changes or it is deleted. Versions
 * with provisioned concurrency also have a set of pre-initialized environments, used first.
 */
export class WorkerManager implements FunctionObserver {
  private readonly pools = new Map<string, Pool>();
  private readonly provisioned = new Map<string, ProvisionedSet>();
  /** Every environment not yet stopped, including busy ones of retired pools. */
  private readonly live = new Set<ExecutionEnvironment>();
  /** Environments being stopped: a debugged function's next runtime waits for its port. */
  private readonly stopping = new Set<Promise<void>>();
  /** The invocation chain of each debugged function (they run one at a time). */
  private readonly debugTurns = new Map<string, Promise<unknown>>();
  private readonly reaper: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly placement: Placement,
    private readonly runtimes: RuntimeCommandSource,
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
    const set = this.provisionedFor(target);
    const warm = set?.idle.pop();
    if (set && warm) return this.invokeProvisioned(set, warm, invocation);
    if (debugPortFor(this.options.debug, target.functionName) === undefined)
      return this.invokeOnDemand(target, invocation, false);
    return this.inTurn(functionPrefix(target.ns, target.functionName), () =>
      this.invokeOnDemand(target, invocation, true),
    );
  }

  private async invokeOnDemand(
    target: InvokeTarget,
    invocation: EnvironmentInvocation,
    debugging: boolean,
  ): Promise<EnvironmentResult> {
    const pool = this.poolFor(target);
    let env = pool.idle.pop();
    if (!env && debugging) await this.freeDebugPort(target);
    env ??= await this.startEnvironment(target);
    pool.busy.add(env);
    try {
      return await env.invoke(invocation);
    } finally {
      pool.busy.delete(env);
      if (pool.retired || this.closed) {
        const stopped = this.stop(env);
        if (debugging) await stopped;
      } else pool.idle.push(env);
    }
  }

  /** Only one runtime can listen on a debug port: a debugged function's invocations take turns. */
  private async inTurn<T>(key: string, run: () => Promise<T>): Promise<T> {
    const mine = (this.debugTurns.get(key) ?? Promise.resolve()).then(run, run);
    const settled = mine.catch(() => undefined);
    this.debugTurns.set(key, settled);
    try {
      return await mine;
    } finally {
      if (this.debugTurns.get(key) === settled) this.debugTurns.delete(key);
    }
  }

  /** Stops the function's idle environments of other versions and waits for retired ones to end. */
  private async freeDebugPort(target: InvokeTarget): Promise<void> {
    const prefix = functionPrefix(target.ns, target.functionName);
    const idle = [...this.pools.values()]
      .filter((pool) => pool.key.startsWith(prefix))
      .flatMap((pool) => pool.idle.splice(0));
    await Promise.all([...idle.map((env) => this.stop(env)), ...this.stopping]);
  }

  /**
   * On-demand pools only: provisioned environments belong to their config, which the control
   * plane applies with provision() (published versions do not change; deleted ones are dropped).
   */
  functionChanged(ns: Namespace, name: string): void {
    const prefix = functionPrefix(ns, name);
    for (const pool of this.pools.values()) if (pool.key.startsWith(prefix)) this.retire(pool);
  }

  /**
   * Makes the function's provisioned environments match `configs` (one per published version):
   * starts the missing ones in the background, stops those beyond the count, and stops every
   * provisioned environment of a version no longer listed.
   */
  provision(ns: Namespace, functionName: string, configs: readonly ProvisionedConfig[]): void {
    if (this.closed) return;
    const wanted = new Map(configs.map((c) => [poolKey(ns, functionName, c.version), c]));
    const prefix = functionPrefix(ns, functionName);
    for (const set of this.provisioned.values()) {
      const config = wanted.get(set.key);
      if (!set.key.startsWith(prefix)) continue;
      if (!config || set.fingerprint !== fingerprintOf(config.version)) this.dropProvisioned(set);
    }
    for (const [key, config] of wanted) {
      let set = this.provisioned.get(key);
      if (!set) {
        set = {
          key,
          fingerprint: fingerprintOf(config.version),
          target: { ns, functionName, version: config.version },
          requested: config.requested,
          lastModified: config.lastModified,
          idle: [],
          busy: new Set(),
          warming: new Set(),
          starting: 0,
          reached: false,
          dropped: false,
        };
        this.provisioned.set(key, set);
      } else if (set.lastModified !== config.lastModified) {
        set.requested = config.requested;
        set.lastModified = config.lastModified;
        set.reached = false;
        set.failure = undefined;
      }
      this.balance(set);
    }
  }

  /** Status and counts of a version's provisioned environments, derived from what exists. */
  provisionedState(ns: Namespace, functionName: string, version: string): ProvisionedState {
    const set = this.provisioned.get(`${functionPrefix(ns, functionName)}${version}`);
    if (!set) return { allocated: 0, available: 0, status: 'IN_PROGRESS' };
    const initialized = Math.min(set.idle.length + set.busy.size, set.requested);
    if (set.failure !== undefined) {
      return {
        allocated: initialized,
        available: initialized,
        status: 'FAILED',
        statusReason: INIT_FAILURE_REASON,
      };
    }
    return {
      allocated: initialized,
      available: initialized,
      status: set.reached ? 'READY' : 'IN_PROGRESS',
    };
  }

  /** Stops every environment, busy ones included, and waits for their processes to be gone. */
  async shutdown(): Promise<void> {
    this.closed = true;
    clearInterval(this.reaper);
    this.pools.clear();
    for (const set of this.provisioned.values()) set.dropped = true;
    this.provisioned.clear();
    await Promise.all([...this.live].map((env) => this.stop(env)));
  }

  /** How many environments exist, for tests and the admin view. */
  environmentCount(): number {
    return this.live.size;
  }

  // ---- provisioned concurrency ----

  private provisionedFor(target: InvokeTarget): ProvisionedSet | undefined {
    if (this.provisioned.size === 0) return undefined; // spares the keys' strings on every invoke
    const set = this.provisioned.get(poolKey(target.ns, target.functionName, target.version));
    return set && set.fingerprint === fingerprintOf(target.version) ? set : undefined;
  }

  private async invokeProvisioned(
    set: ProvisionedSet,
    env: ExecutionEnvironment,
    invocation: EnvironmentInvocation,
  ): Promise<EnvironmentResult> {
    set.busy.add(env);
    try {
      return await env.invoke(invocation);
    } finally {
      set.busy.delete(env);
      this.releaseProvisioned(set, env);
    }
  }

  /** After an invocation: back to the ready ones, initialized again after a reset, or stopped. */
  private releaseProvisioned(set: ProvisionedSet, env: ExecutionEnvironment): void {
    if (set.dropped || this.closed || sizeOf(set) >= set.requested) void this.stop(env);
    else if (env.state === 'ready') set.idle.push(env);
    else if (env.state === 'idle') void this.warmProvisioned(set, env);
    else void this.stop(env);
  }

  private dropProvisioned(set: ProvisionedSet): void {
    set.dropped = true;
    if (this.provisioned.get(set.key) === set) this.provisioned.delete(set.key);
    for (const env of [...set.idle.splice(0), ...set.warming]) void this.stop(env);
    set.warming.clear();
    // Busy ones stop when their invocation ends (releaseProvisioned).
  }

  /** Starts or stops environments until the set holds the requested count. */
  private balance(set: ProvisionedSet): void {
    if (set.dropped || this.closed) return;
    while (sizeOf(set) > set.requested && set.idle.length > 0) {
      void this.stop(set.idle.shift() as ExecutionEnvironment);
    }
    for (const env of [...set.warming]) {
      if (sizeOf(set) <= set.requested) break;
      set.warming.delete(env);
      void this.stop(env);
    }
    if (set.failure === undefined) {
      for (let n = sizeOf(set); n < set.requested; n++) void this.addProvisioned(set);
    }
    this.checkReached(set);
  }

  private async addProvisioned(set: ProvisionedSet): Promise<void> {
    set.starting++;
    let env: ExecutionEnvironment;
    try {
      env = await this.startEnvironment(set.target, 'provisioned-concurrency');
    } catch (err) {
      set.starting--;
      this.failProvisioned(set, `environment could not start: ${(err as Error).message}`);
      return;
    }
    set.starting--;
    if (set.dropped || this.closed || sizeOf(set) >= set.requested) {
      await this.stop(env);
      return;
    }
    env.onRuntimeLost = () => this.runtimeLost(set, env);
    await this.warmProvisioned(set, env);
  }

  /** Initializes the runtime (again, after a reset or crash) and makes the environment ready. */
  private async warmProvisioned(set: ProvisionedSet, env: ExecutionEnvironment): Promise<void> {
    set.warming.add(env);
    const failure = await env.warm();
    if (!set.warming.delete(env)) return; // dropped or no longer wanted: already stopped
    if (set.dropped || this.closed || failure !== undefined) {
      await this.stop(env);
      if (failure !== undefined && !set.dropped) this.failProvisioned(set, failure);
      return;
    }
    set.idle.push(env);
    this.checkReached(set);
  }

  /** A ready environment's runtime crashed between invocations: initialize it again. */
  private runtimeLost(set: ProvisionedSet, env: ExecutionEnvironment): void {
    const index = set.idle.indexOf(env);
    if (index === -1) return; // busy: releaseProvisioned sees the reset
    set.idle.splice(index, 1);
    if (set.dropped || this.closed) void this.stop(env);
    else void this.warmProvisioned(set, env);
  }

  private failProvisioned(set: ProvisionedSet, reason: string): void {
    if (set.dropped || set.failure !== undefined) return;
    set.failure = reason;
    const { functionName, version } = set.target;
    this.options.log(`provisioned concurrency of ${functionName}:${version.Version}: ${reason}`);
  }

  private checkReached(set: ProvisionedSet): void {
    if (set.failure === undefined && set.idle.length + set.busy.size >= set.requested) {
      set.reached = true;
    }
  }

  // ---- on-demand pools ----

  private poolFor(target: InvokeTarget): Pool {
    const { ns, functionName, version } = target;
    const key = poolKey(ns, functionName, version);
    const fingerprint = fingerprintOf(version);
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

  private async startEnvironment(
    target: InvokeTarget,
    initializationType: 'on-demand' | 'provisioned-concurrency' = 'on-demand',
  ): Promise<ExecutionEnvironment> {
    const { version } = target;
    await this.makeRoom(version.MemorySize);
    const executor = await this.placement.executorFor(target.functionName, version);
    const image = imageSpec(version);
    const taskRoot = image
      ? IMAGE_TASK_ROOT
      : (version.hotReloadFolder ?? (await this.code.ensureTree(version.CodeSha256)));
    const optRoot =
      version.Layers.length > 0 ? await this.options.layerTree?.(version.Layers) : undefined;
    this.watchLocalCode(target, [taskRoot, optRoot]);
    const runtime = version.Runtime ?? 'provided.al2023';
    const command = image
      ? { command: '', args: [], env: {} } // the image's own ENTRYPOINT and CMD
      : await (executor.commands ?? this.runtimes).commandFor(runtime, taskRoot, optRoot);
    const debug =
      initializationType === 'on-demand' ? this.debugFor(target, runtime, executor) : undefined;
    const id = randomBytes(8).toString('hex');
    const logStreamName = `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[${version.Version}]${randomBytes(16).toString('hex')}`;
    const external = externalExtensions(optRoot, false);
    const settings = {
      version: version.Version,
      timeoutSeconds: version.Timeout,
      memoryMb: version.MemorySize,
      echo: (line: string) => this.options.echo(target.functionName, line),
      extensions: {
        metadata: {
          functionName: target.functionName,
          functionVersion: version.Version,
          handler: version.Handler ?? '',
          accountId: target.ns.account,
        },
        external: external.names,
        launchError: external.launchError,
        initializationType,
      },
      debugging: debug !== undefined,
    };
    const env = await ExecutionEnvironment.create(
      id,
      settings,
      (runtimeApi) =>
        executor.createEnvironment({
          id,
          runtime,
          optRoot,
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
            runtimeEnv: { ...command.env, ...debug?.variables },
            interpreterDir: path.isAbsolute(command.command)
              ? path.dirname(command.command)
              : undefined,
            initializationType,
          }),
          memoryMb: version.MemorySize,
          ephemeralStorageMb: version.EphemeralStorage.Size,
          image,
          extensions: external.names,
          // AWS's managed runtimes honour AWS_LAMBDA_EXEC_WRAPPER; OS-only runtimes do not.
          execWrapper:
            !runtime.startsWith('provided') &&
            Boolean(version.Environment?.Variables?.AWS_LAMBDA_EXEC_WRAPPER),
          debugPort: debug?.port,
        }),
      executor.runtimeApiHost,
    );
    this.live.add(env);
    return env;
  }

  /**
   * Hot reload: a code root the code store does not own is a local folder; a change under it
   * retires the function's environments, so the next invocation starts from the new code.
   */
  private watchLocalCode(target: InvokeTarget, roots: (string | undefined)[]): void {
    const { ns, functionName } = target;
    const key = functionPrefix(ns, functionName);
    for (const root of roots) {
      if (root === undefined || isWithin(root, this.code.root)) continue;
      this.options.watchCode?.(root, key, () => this.functionChanged(ns, functionName));
    }
  }

  private async stop(env: ExecutionEnvironment): Promise<void> {
    this.live.delete(env);
    const stopped = env.stop();
    this.stopping.add(stopped);
    try {
      await stopped;
    } finally {
      this.stopping.delete(stopped);
    }
  }

  /** The debugger a new on-demand environment of the function waits for, said on the log. */
  private debugFor(
    target: InvokeTarget,
    runtime: string,
    executor: Executor,
  ): { port: number; variables: Record<string, string> } | undefined {
    const port = debugPortFor(this.options.debug, target.functionName);
    if (port === undefined) return undefined;
    const address = `${executor.debugHost ?? '127.0.0.1'}:${port}`;
    const variables = debugVariables(runtime, address, target.version.Environment?.Variables ?? {});
    if (!variables) {
      this.options.log(
        `debug: ${target.functionName} (${runtime}) runs its own bootstrap, which we cannot start with a debugger; it runs without one`,
      );
      return undefined;
    }
    this.options.log(
      `debug: ${target.functionName} (${runtime}) waits for a debugger on port ${port}; its timeout is suspended`,
    );
    return { port, variables };
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

const isWithin = (p: string, dir: string): boolean => !path.relative(dir, p).startsWith('..');

/** An image function's code is in its image, at Lambda's /var/task. */
const IMAGE_TASK_ROOT = '/var/task';

/** What an Image function's environment runs: its pinned image and ImageConfig's overrides. */
function imageSpec(version: VersionRecord): ImageSpec | undefined {
  if (version.PackageType !== 'Image') return undefined;
  const config = version.ImageConfigResponse?.ImageConfig;
  return {
    id: `sha256:${version.CodeSha256}`,
    entryPoint: config?.EntryPoint,
    command: config?.Command,
    workingDirectory: config?.WorkingDirectory,
  };
}

const functionPrefix = (ns: Namespace, name: string): string =>
  `${ns.account}/${ns.region}/${name}/`;

const poolKey = (ns: Namespace, name: string, version: VersionRecord): string =>
  `${functionPrefix(ns, name)}${version.Version}`;

/** Code and LastModified: environments never outlive the configuration they started with. */
const fingerprintOf = (version: VersionRecord): string =>
  `${version.CodeSha256}|${version.LastModified}`;

/** Every environment the set holds or is creating, busy ones included. */
const sizeOf = (set: ProvisionedSet): number =>
  set.idle.length + set.busy.size + set.warming.size + set.starting;
