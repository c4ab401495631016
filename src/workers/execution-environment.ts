import { setImmediate as nextTurn } from 'node:timers/promises';
import type { EnvironmentHandle, RuntimeExit, RuntimeProcess } from '../executors/executor.js';
import { RuntimeApiServer, type RuntimeListener } from '../runtime-api/runtime-api-server.js';
import { endLine, reportLine, startLine } from './invocation-log.js';

/**
 * idle: no runtime running (new, or reset); initializing: runtime started, not yet polling;
 * ready: runtime polling for work; invoking: one invocation in flight; stopped: gone for good.
 */
export type EnvironmentState = 'idle' | 'initializing' | 'ready' | 'invoking' | 'stopped';

const TRANSITIONS: Record<EnvironmentState, EnvironmentState[]> = {
  idle: ['initializing', 'stopped'],
  initializing: ['ready', 'idle', 'stopped'],
  ready: ['invoking', 'idle', 'stopped'],
  invoking: ['ready', 'idle', 'stopped'],
  stopped: [],
};

export interface EnvironmentInvocation {
  requestId: string;
  payload: Buffer;
  invokedFunctionArn: string;
  traceId: string;
  clientContext?: string;
  cognitoIdentity?: string;
}

export interface EnvironmentResult {
  payload: Buffer;
  /** Set when the function failed: AWS's X-Amz-Function-Error value. */
  functionError?: 'Unhandled';
  /** START … END … REPORT for this invocation, as AWS writes it. */
  log: string;
}

export interface EnvironmentSettings {
  version: string;
  timeoutSeconds: number;
  memoryMb: number;
  /** Called with each complete line the runtime prints (the server echoes it). */
  echo: (line: string) => void;
  /**
   * A debugger may hold the runtime at a breakpoint: neither the init limit nor the function's
   * timeout applies, as under `sam local invoke --debug-port`.
   */
  debugging?: boolean;
}

/** How an invocation ended, before it becomes a result. */
type Outcome =
  | { kind: 'response'; body: Buffer }
  | { kind: 'error'; body: Buffer }
  | { kind: 'init-error'; body: Buffer }
  | { kind: 'too-large' }
  | { kind: 'exit'; exit: RuntimeExit }
  | { kind: 'timeout' };

/** How long a runtime may take to start polling before it counts as a timed-out init (AWS: 10 s). */
const INIT_LIMIT_MS = 10_000;

/**
 * One execution environment: a private /tmp (the executor's handle), a Runtime API endpoint, and
 * a runtime process that may be reset (killed and started again) after a timeout or crash, as
 * AWS does. It runs one invocation at a time; the worker manager guarantees that.
 */
export class ExecutionEnvironment implements RuntimeListener {
  state: EnvironmentState = 'idle';
  lastUsed = Date.now();
  /** Called when the runtime exits between invocations (the environment is idle again). */
  onRuntimeLost: (() => void) | undefined;
  private runtime: RuntimeProcess | undefined;
  private settle: ((outcome: Outcome) => void) | undefined;
  private initWaiter: ((outcome: Outcome | undefined) => void) | undefined;
  private currentRequestId: string | undefined;
  private log = '';
  private partial = '';

  private constructor(
    readonly id: string,
    private readonly handle: EnvironmentHandle,
    private api: RuntimeApiServer,
    private readonly settings: EnvironmentSettings,
  ) {}

  /** The Runtime API must be listening before the runtime's environment variables can name it. */
  static async create(
    id: string,
    settings: EnvironmentSettings,
    createHandle: (runtimeApi: string) => Promise<EnvironmentHandle>,
    apiHost?: string,
  ): Promise<ExecutionEnvironment> {
    const listener: { target?: ExecutionEnvironment } = {};
    const api = await RuntimeApiServer.start(forwardTo(listener), apiHost);
    try {
      const handle = await createHandle(api.address);
      const env = new ExecutionEnvironment(id, handle, api, settings);
      listener.target = env;
      return env;
    } catch (err) {
      await api.close();
      throw err;
    }
  }

  async invoke(invocation: EnvironmentInvocation): Promise<EnvironmentResult> {
    if (this.state !== 'idle' && this.state !== 'ready') {
      throw new Error(`environment ${this.id} cannot invoke while ${this.state}`);
    }
    this.currentRequestId = invocation.requestId;
    this.log = '';
    const started = performance.now();
    const initFailure = this.state === 'idle' ? await this.initialize() : undefined;
    const initDurationMs = initFailure === null ? performance.now() - started : undefined;
    const start = startLine(invocation.requestId, this.settings.version);
    this.log += start;
    this.settings.echo(start.trimEnd());
    const invokeStart = performance.now();
    const outcome = initFailure ?? (await this.run(invocation));
    const durationMs = performance.now() - invokeStart;
    await nextTurn(); // lets output the runtime printed just before answering reach the log first
    const result = await this.finish(
      invocation.requestId,
      outcome,
      durationMs,
      initDurationMs ?? undefined,
    );
    this.currentRequestId = undefined;
    this.lastUsed = Date.now();
    return result;
  }

  /**
   * Provisioned concurrency's init: starts the runtime and waits for its first poll with no
   * invocation waiting, so the next invoke runs at once and its REPORT has no Init Duration.
   * Resolves undefined once the runtime polls; otherwise the runtime is reset and the answer says
   * why init failed.
   */
  async warm(): Promise<string | undefined> {
    if (this.state !== 'idle') {
      throw new Error(`environment ${this.id} cannot initialize while ${this.state}`);
    }
    const failure = await this.initialize();
    if (failure === null) return undefined;
    await this.resetRuntime(); // leaves a stopped environment stopped
    return initFailureText(failure);
  }

  get memoryMb(): number {
    return this.settings.memoryMb;
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.transition('stopped');
    const killed: Outcome = { kind: 'exit', exit: { code: null, signal: 'SIGKILL' } };
    this.settle?.(killed);
    this.initWaiter?.(killed);
    await this.runtime?.kill();
    await this.api.close();
    await this.handle.destroy();
  }

  // ---- RuntimeListener: what the runtime tells us through the Runtime API ----

  polled(): void {
    if (this.state === 'initializing') {
      this.transition('ready');
      this.initWaiter?.(undefined);
    }
  }

  response(_requestId: string, body: Buffer): void {
    this.settle?.({ kind: 'response', body });
  }

  error(_requestId: string, body: Buffer): void {
    this.settle?.({ kind: 'error', body });
  }

  initError(body: Buffer): void {
    this.initWaiter?.({ kind: 'init-error', body });
  }

  responseTooLarge(): void {
    this.settle?.({ kind: 'too-large' });
  }

  // ---- internals ----

  /** Starts the runtime and waits for its first poll; returns null on success, else the failure. */
  private async initialize(): Promise<Outcome | null> {
    this.transition('initializing');
    const runtime = this.handle.startRuntime();
    this.runtime = runtime;
    this.capture(runtime);
    void runtime.exited.then((exit) => this.runtimeExited(runtime, exit));
    const outcome = await new Promise<Outcome | undefined>((resolve) => {
      const timer = this.limit(INIT_LIMIT_MS + this.timeoutMs(), () =>
        resolve({ kind: 'timeout' }),
      );
      this.initWaiter = (result) => {
        clearTimeout(timer);
        resolve(result);
      };
    });
    this.initWaiter = undefined;
    return outcome ?? null;
  }

  private run(invocation: EnvironmentInvocation): Promise<Outcome> {
    this.transition('invoking');
    const deadlineMs = Date.now() + this.timeoutMs();
    return new Promise<Outcome>((resolve) => {
      const settle = (outcome: Outcome) => {
        clearTimeout(timer);
        this.settle = undefined;
        resolve(outcome);
      };
      const timer = this.limit(this.timeoutMs(), () => settle({ kind: 'timeout' }));
      this.settle = settle;
      this.api.offer({ ...invocation, deadlineMs });
    });
  }

  private async finish(
    requestId: string,
    outcome: Outcome,
    durationMs: number,
    initDurationMs: number | undefined,
  ): Promise<EnvironmentResult> {
    const failed = outcome.kind !== 'response';
    const broken =
      outcome.kind === 'exit' || outcome.kind === 'timeout' || outcome.kind === 'init-error';
    const payload = resultPayload(requestId, outcome, this.settings.timeoutSeconds);
    if (outcome.kind === 'timeout')
      this.append(
        `${new Date().toISOString()} ${requestId} Task timed out after ${this.settings.timeoutSeconds.toFixed(2)} seconds\n`,
      );
    const maxMemory = (await this.runtime?.maxMemoryBytes()) ?? 0;
    if (broken) await this.resetRuntime();
    else if (this.state === 'invoking') this.transition('ready');
    this.log += endLine(requestId);
    this.log += reportLine(requestId, {
      durationMs,
      memoryMb: this.settings.memoryMb,
      maxMemoryUsedMb: Math.max(1, Math.ceil(maxMemory / 1048576)),
      initDurationMs,
      status: outcome.kind === 'timeout' ? 'timeout' : broken ? 'error' : undefined,
    });
    this.echoPlatform(requestId);
    return { payload, log: this.log, ...(failed ? { functionError: 'Unhandled' as const } : {}) };
  }

  /** AWS's reset: the runtime is killed and will start again on the next invoke; /tmp stays. */
  private async resetRuntime(): Promise<void> {
    const runtime = this.runtime;
    this.runtime = undefined;
    await runtime?.kill();
    this.api.resetRuntime();
    if (this.state !== 'stopped' && this.state !== 'idle') this.transition('idle');
  }

  private runtimeExited(runtime: RuntimeProcess, exit: RuntimeExit): void {
    if (this.runtime !== runtime) return;
    if (this.state === 'invoking') this.settle?.({ kind: 'exit', exit });
    else if (this.state === 'initializing') this.initWaiter?.({ kind: 'exit', exit });
    else if (this.state === 'ready') {
      // Crashed between invocations: the next invoke starts a fresh runtime.
      this.runtime = undefined;
      this.api.resetRuntime();
      this.transition('idle');
      this.onRuntimeLost?.();
    }
  }

  private capture(runtime: RuntimeProcess): void {
    const onData = (chunk: Buffer) => this.append(chunk.toString('utf8'));
    runtime.stdout.on('data', onData);
    runtime.stderr.on('data', onData);
  }

  /** Output belongs to the invocation in flight (and its Tail), and is echoed line by line. */
  private append(text: string): void {
    if (this.currentRequestId !== undefined) this.log += text;
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.settings.echo(line);
  }

  private echoPlatform(requestId: string): void {
    const start = this.log.indexOf(`END RequestId: ${requestId}`);
    for (const line of this.log.slice(start).split('\n')) if (line) this.settings.echo(line);
  }

  /** A time limit, or none while debugging. */
  private limit(ms: number, expire: () => void): NodeJS.Timeout | undefined {
    return this.settings.debugging ? undefined : setTimeout(expire, ms);
  }

  private timeoutMs(): number {
    return this.settings.timeoutSeconds * 1000;
  }

  private transition(next: EnvironmentState): void {
    if (!TRANSITIONS[this.state].includes(next)) {
      throw new Error(`environment ${this.id}: illegal transition ${this.state} → ${next}`);
    }
    this.state = next;
  }
}

/** The error payloads AWS returns when the platform, not the function, ends an invocation. */
function resultPayload(requestId: string, outcome: Outcome, timeoutSeconds: number): Buffer {
  switch (outcome.kind) {
    case 'response':
    case 'error':
    case 'init-error':
      return outcome.body;
    case 'too-large':
      return json({
        errorMessage:
          'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
        errorType: 'Function.ResponseSizeTooLarge',
      });
    case 'timeout':
      return json({
        errorType: 'Sandbox.Timedout',
        errorMessage: `RequestId: ${requestId} Error: Task timed out after ${timeoutSeconds.toFixed(2)} seconds`,
      });
    case 'exit':
      if (outcome.exit.spawnError) return json(entrypointError(requestId, outcome.exit.spawnError));
      return json({
        errorType: 'Runtime.ExitError',
        errorMessage: `RequestId: ${requestId} Error: Runtime exited ${exitText(outcome.exit)}`,
      });
  }
}

/** One line on why a provisioned environment's init failed, for the server's log. */
function initFailureText(outcome: Outcome): string {
  switch (outcome.kind) {
    case 'init-error':
    case 'error':
      return `init error: ${outcome.body.toString('utf8').slice(0, 512)}`;
    case 'exit':
      return outcome.exit.spawnError
        ? `runtime could not start: ${outcome.exit.spawnError}`
        : `runtime exited ${exitText(outcome.exit)}`;
    case 'timeout':
      return 'init timed out';
    default:
      return outcome.kind;
  }
}

/** Go's wording, which AWS's init passes through: "with error: exit status 1", "signal: killed". */
function exitText(exit: RuntimeExit): string {
  if (exit.signal)
    return `with error: signal: ${exit.signal === 'SIGKILL' ? 'killed' : exit.signal.toLowerCase()}`;
  return exit.code === 0 ? 'without providing a reason' : `with error: exit status ${exit.code}`;
}

/** A custom runtime's bootstrap that is missing or not executable, in AWS's words. */
function entrypointError(requestId: string, spawnError: string) {
  const reason =
    spawnError === 'EACCES'
      ? 'fork/exec /var/task/bootstrap: permission denied'
      : "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]";
  return {
    errorType: 'Runtime.InvalidEntrypoint',
    errorMessage: `RequestId: ${requestId} Error: ${reason}`,
  };
}

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

/** The Runtime API server exists before the environment object; this forwards to it once built. */
function forwardTo(holder: { target?: ExecutionEnvironment }): RuntimeListener {
  return {
    polled: () => holder.target?.polled(),
    response: (id, body) => holder.target?.response(id, body),
    error: (id, body) => holder.target?.error(id, body),
    initError: (body) => holder.target?.initError(body),
    responseTooLarge: () => holder.target?.responseTooLarge(),
  };
}
