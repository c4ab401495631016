import { setImmediate as nextTurn } from 'node:timers/promises';
import type { EnvironmentHandle, RuntimeExit, RuntimeProcess } from '../executors/executor.js';
import {
  MAX_RESPONSE_BYTES,
  RuntimeApiServer,
  type RuntimeListener,
} from '../runtime-api/runtime-api-server.js';
import {
  MAX_STREAMED_RESPONSE_BYTES,
  type StreamEnding,
  type StreamSink,
} from '../runtime-api/streamed-response.js';
import { EnvironmentExtensions, type ExtensionSettings } from './environment-extensions.js';
import type { ExtensionFailure } from './extensions.js';
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
  /**
   * Where a streamed response goes as the runtime writes it (InvokeWithResponseStream, function
   * URLs in RESPONSE_STREAM mode). Without one, a streamed response is collected, as Invoke does.
   */
  sink?: ResponseSink;
}

/** The caller's end of a streamed response. */
export interface ResponseSink {
  /** The runtime began streaming, with this content type; nothing was written yet. */
  start(contentType: string): void;
  /** One piece of the body; a promise holds the runtime back until the caller can take more. */
  write(chunk: Buffer): Promise<void> | void;
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
  /** The function's extensions and telemetry (src/workers/environment-extensions.ts). */
  extensions?: ExtensionSettings;
  /**
   * A debugger may hold the runtime at a breakpoint: neither the init limit nor the function's
   * timeout applies, as under `sam local invoke --debug-port`.
   */
  debugging?: boolean;
}

/** How an invocation ended, before it becomes a result. */
type Outcome =
  | { kind: 'response'; body: Buffer }
  /** The body went to the invocation's sink as it arrived. */
  | { kind: 'streamed' }
  | { kind: 'error'; body: Buffer }
  | { kind: 'init-error'; body: Buffer }
  | { kind: 'too-large'; limit: number }
  | { kind: 'exit'; exit: RuntimeExit }
  | { kind: 'timeout' }
  | ({ kind: 'extension' } & ExtensionFailure);

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
  private sink: ResponseSink | undefined;
  private log = '';
  private partial = '';
  private runtimePolled = false;

  private constructor(
    readonly id: string,
    private readonly handle: EnvironmentHandle,
    private api: RuntimeApiServer,
    private readonly settings: EnvironmentSettings,
    private readonly extensions: EnvironmentExtensions | undefined,
  ) {
    if (!extensions) return;
    extensions.connectTo(handle);
    extensions.onChange = () => this.checkInitDone();
    extensions.onFailure = (failure) => this.extensionFailed(failure);
  }

  /** The Runtime API must be listening before the runtime's environment variables can name it. */
  static async create(
    id: string,
    settings: EnvironmentSettings,
    createHandle: (runtimeApi: string) => Promise<EnvironmentHandle>,
    apiHost?: string,
  ): Promise<ExecutionEnvironment> {
    const listener: { target?: ExecutionEnvironment } = {};
    const extensions = settings.extensions
      ? new EnvironmentExtensions(
          settings.extensions,
          (text) => listener.target?.appendLines(text),
          (line) => settings.echo(line),
        )
      : undefined;
    const api = await RuntimeApiServer.start(forwardTo(listener), apiHost, extensions?.routes());
    try {
      const handle = await createHandle(api.address);
      const env = new ExecutionEnvironment(id, handle, api, settings, extensions);
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
    const wasReady = this.state === 'ready';
    if (wasReady) await this.extensions?.shutdown('spindown');
    if ((this.state as EnvironmentState) === 'stopped') return;
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
    if (this.state !== 'initializing') return;
    this.runtimePolled = true;
    this.extensions?.registry.closeRegistration();
    this.checkInitDone();
  }

  /** AWS's init ends when the runtime and every registered extension have asked for work. */
  private checkInitDone(): void {
    if (this.state !== 'initializing' || !this.runtimePolled) return;
    if (this.extensions && !this.extensions.initReady()) return;
    this.transition('ready');
    this.initWaiter?.(undefined);
  }

  /** An extension process ended outside shutdown: what is in progress fails (AWS's Extension.*). */
  private extensionFailed(failure: ExtensionFailure): void {
    const outcome: Outcome = { kind: 'extension', ...failure };
    if (this.state === 'initializing') this.initWaiter?.(outcome);
    else if (this.state === 'invoking') this.settle?.(outcome);
    else if (this.state === 'ready') {
      void this.resetRuntime('failure').then(() => this.onRuntimeLost?.());
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
    this.settle?.({ kind: 'too-large', limit: MAX_RESPONSE_BYTES });
  }

  /**
   * A streamed response goes to the invocation's sink as it arrives; without a sink (Invoke) it
   * is collected within the buffered limit. It belongs to the invocation it started in: once that
   * has settled (a timeout, an error posted meanwhile), the rest is dropped.
   */
  responseStream(_requestId: string, contentType: string): StreamSink {
    const settle = this.settle;
    const live = () => settle !== undefined && this.settle === settle;
    const sink = this.sink;
    if (sink) {
      sink.start(contentType);
      return {
        write: (chunk) => (live() ? sink.write(chunk) : undefined),
        end: (ending) => live() && settle?.(streamOutcome(ending, { kind: 'streamed' })),
      };
    }
    const chunks: Buffer[] = [];
    let size = 0;
    return {
      write: (chunk) => {
        if (!live()) return;
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) settle?.({ kind: 'too-large', limit: MAX_RESPONSE_BYTES });
        else chunks.push(chunk);
      },
      end: (ending) =>
        live() &&
        settle?.(streamOutcome(ending, { kind: 'response', body: Buffer.concat(chunks) })),
    };
  }

  // ---- internals ----

  /** Starts the runtime and waits for its first poll; returns null on success, else the failure. */
  private async initialize(): Promise<Outcome | null> {
    this.transition('initializing');
    this.runtimePolled = false;
    const started = performance.now();
    const runtime = this.handle.startRuntime();
    this.runtime = runtime;
    this.capture(runtime);
    void runtime.exited.then((exit) => this.runtimeExited(runtime, exit));
    this.extensions?.begin(runtime);
    const launchFailure = this.extensions?.launchFailure();
    const outcome = await new Promise<Outcome | undefined>((resolve) => {
      if (launchFailure) return resolve({ kind: 'extension', ...launchFailure });
      const timer = this.limit(INIT_LIMIT_MS + this.timeoutMs(), () =>
        resolve({ kind: 'timeout' }),
      );
      this.initWaiter = (result) => {
        clearTimeout(timer);
        resolve(result);
      };
    });
    this.initWaiter = undefined;
    this.extensions?.endInit(
      initStatus(outcome),
      performance.now() - started,
      outcome?.kind === 'extension' ? outcome.errorType : undefined,
    );
    return outcome ?? null;
  }

  private async run({ sink, ...invocation }: EnvironmentInvocation): Promise<Outcome> {
    this.transition('invoking');
    const deadlineMs = Date.now() + this.timeoutMs();
    const ext = this.extensions;
    ext?.telemetry.emit('platform.start', {
      requestId: invocation.requestId,
      version: this.settings.version,
    });
    ext?.registry.dispatchInvoke({
      eventType: 'INVOKE',
      deadlineMs,
      requestId: invocation.requestId,
      invokedFunctionArn: invocation.invokedFunctionArn,
      tracing: { type: 'X-Amzn-Trace-Id', value: invocation.traceId },
    });
    const started = performance.now();
    const outcome = await this.until(deadlineMs, () => {
      this.sink = sink;
      this.api.offer({ ...invocation, deadlineMs });
    });
    ext?.telemetry.emit('platform.runtimeDone', {
      requestId: invocation.requestId,
      status: outcomeStatus(outcome),
      ...(outcomeErrorType(outcome) ? { errorType: outcomeErrorType(outcome) } : {}),
      metrics: {
        durationMs: Math.round((performance.now() - started) * 1000) / 1000,
        producedBytes: 'body' in outcome ? outcome.body.length : 0,
      },
    });
    const settled = ['response', 'streamed', 'error', 'too-large'].includes(outcome.kind);
    if (!ext || !settled) return outcome;
    return (await this.extensionsDone(deadlineMs)) ?? outcome;
  }

  /**
   * AWS's post-runtime phase: the invocation lasts until every extension handed INVOKE asks for
   * its next event, within the function's timeout.
   */
  private async extensionsDone(deadlineMs: number): Promise<Outcome | undefined> {
    const registry = this.extensions!.registry;
    if (registry.invokeDone()) return undefined;
    const done: Outcome = { kind: 'response', body: Buffer.alloc(0) };
    const outcome = await this.until(deadlineMs, (settle) => {
      const watch = async () => {
        while (!registry.invokeDone() && this.settle === settle) await registry.changes();
        if (this.settle === settle) settle(done);
      };
      void watch();
    });
    return outcome === done ? undefined : outcome;
  }

  /** Waits for `settle` (or the deadline: AWS's timeout) after `begin`. */
  private until(
    deadlineMs: number,
    begin: (settle: (outcome: Outcome) => void) => void,
  ): Promise<Outcome> {
    return new Promise<Outcome>((resolve) => {
      const settle = (outcome: Outcome) => {
        clearTimeout(timer);
        if (this.settle === settle) this.settle = undefined;
        this.sink = undefined;
        resolve(outcome);
      };
      const timer = this.limit(Math.max(0, deadlineMs - Date.now()), () =>
        settle({ kind: 'timeout' }),
      );
      this.settle = settle;
      begin(settle);
    });
  }

  private async finish(
    requestId: string,
    outcome: Outcome,
    durationMs: number,
    initDurationMs: number | undefined,
  ): Promise<EnvironmentResult> {
    const failed = outcome.kind !== 'response' && outcome.kind !== 'streamed';
    const broken =
      outcome.kind === 'exit' ||
      outcome.kind === 'timeout' ||
      outcome.kind === 'init-error' ||
      outcome.kind === 'extension';
    const payload = resultPayload(requestId, outcome, this.settings.timeoutSeconds);
    await this.runtime?.flushOutput?.();
    if (outcome.kind === 'timeout')
      this.append(
        `${new Date().toISOString()} ${requestId} Task timed out after ${this.settings.timeoutSeconds.toFixed(2)} seconds\n`,
      );
    const maxMemory = (await this.runtime?.maxMemoryBytes()) ?? 0;
    const maxMemoryUsedMb = Math.max(1, Math.ceil(maxMemory / 1048576));
    this.reportTelemetry(requestId, outcome, durationMs, maxMemoryUsedMb, initDurationMs);
    if (broken) await this.resetRuntime(outcome.kind === 'timeout' ? 'timeout' : 'failure');
    else if (this.state === 'invoking') this.transition('ready');
    this.log += endLine(requestId);
    this.log += reportLine(requestId, {
      durationMs,
      memoryMb: this.settings.memoryMb,
      maxMemoryUsedMb,
      initDurationMs,
      status: outcome.kind === 'timeout' ? 'timeout' : broken ? 'error' : undefined,
    });
    this.echoPlatform(requestId);
    return { payload, log: this.log, ...(failed ? { functionError: 'Unhandled' as const } : {}) };
  }

  /** platform.end and platform.report, as AWS's Telemetry and Logs APIs send them. */
  private reportTelemetry(
    requestId: string,
    outcome: Outcome,
    durationMs: number,
    maxMemoryUsedMB: number,
    initDurationMs: number | undefined,
  ): void {
    const telemetry = this.extensions?.telemetry;
    if (!telemetry) return;
    telemetry.emit('platform.end', { requestId });
    telemetry.emit('platform.report', {
      requestId,
      status: outcomeStatus(outcome),
      ...(outcomeErrorType(outcome) ? { errorType: outcomeErrorType(outcome) } : {}),
      metrics: {
        durationMs: Math.round(durationMs * 1000) / 1000,
        billedDurationMs: Math.max(1, Math.ceil(durationMs)),
        memorySizeMB: this.settings.memoryMb,
        maxMemoryUsedMB,
        ...(initDurationMs !== undefined
          ? { initDurationMs: Math.round(initDurationMs * 1000) / 1000 }
          : {}),
      },
    });
  }

  /**
   * AWS's reset: extensions get SHUTDOWN (reason timeout or failure) when they asked for it, then
   * the runtime and extensions are killed and start again on the next invoke; /tmp stays.
   */
  private async resetRuntime(reason: 'timeout' | 'failure' = 'failure'): Promise<void> {
    const runtime = this.runtime;
    if (runtime && this.state !== 'initializing') await this.extensions?.shutdown(reason);
    this.extensions?.forget();
    if (this.runtime !== runtime) return;
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
      this.extensions?.forget();
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
    for (const line of lines) {
      this.settings.echo(line);
      this.extensions?.functionLine(line);
    }
  }

  /** Whole lines of extensions and the platform (EXTENSION), in the same log as the function's. */
  appendLines(text: string): void {
    if (this.currentRequestId !== undefined) this.log += text;
    for (const line of text.split('\n')) if (line) this.settings.echo(line);
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
    case 'streamed':
      return Buffer.alloc(0);
    case 'too-large':
      return json({
        errorMessage: `Response payload size exceeded maximum allowed payload size (${outcome.limit} bytes).`,
        errorType: 'Function.ResponseSizeTooLarge',
      });
    case 'timeout':
      return json({
        errorType: 'Sandbox.Timedout',
        errorMessage: `RequestId: ${requestId} Error: Task timed out after ${timeoutSeconds.toFixed(2)} seconds`,
      });
    case 'extension':
      // AWS's default error response: the first fatal error's type, the process's exit.
      return json({
        errorType: outcome.errorType,
        errorMessage: `RequestId: ${requestId} Error: ${outcome.reason}`,
      });
    case 'exit':
      if (outcome.exit.spawnError) return json(entrypointError(requestId, outcome.exit.spawnError));
      return json({
        errorType: 'Runtime.ExitError',
        errorMessage: `RequestId: ${requestId} Error: Runtime exited ${exitText(outcome.exit)}`,
      });
  }
}

/** A streamed response's ending as an invocation outcome; `complete` is the caller's success. */
function streamOutcome(ending: StreamEnding, complete: Outcome): Outcome {
  if (ending.kind === 'complete') return complete;
  if (ending.kind === 'error') return { kind: 'error', body: ending.body };
  return { kind: 'too-large', limit: MAX_STREAMED_RESPONSE_BYTES };
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
    case 'extension':
      return `${outcome.errorType}: ${outcome.reason}`;
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
    responseStream: (id, contentType) =>
      holder.target?.responseStream(id, contentType) ?? { write: () => {}, end: () => {} },
  };
}

/** AWS's status of an init, an invocation or a report: success, error, timeout, failure. */
function outcomeStatus(outcome: Outcome | undefined): 'success' | 'error' | 'timeout' | 'failure' {
  if (!outcome || outcome.kind === 'response') return 'success';
  if (outcome.kind === 'timeout') return 'timeout';
  if (outcome.kind === 'exit' && outcome.exit.spawnError) return 'failure';
  return 'error';
}

const initStatus = outcomeStatus;

function outcomeErrorType(outcome: Outcome): string | undefined {
  switch (outcome.kind) {
    case 'extension':
      return outcome.errorType;
    case 'exit':
      return outcome.exit.spawnError ? 'Runtime.InvalidEntrypoint' : 'Runtime.ExitError';
    case 'too-large':
      return 'Function.ResponseSizeTooLarge';
    case 'timeout':
      return 'Sandbox.Timedout';
    case 'error':
    case 'init-error':
      return errorTypeOf(outcome.body);
    default:
      return undefined;
  }
}

function errorTypeOf(body: Buffer): string | undefined {
  try {
    const type = (JSON.parse(body.toString('utf8')) as { errorType?: unknown }).errorType;
    return typeof type === 'string' ? type : undefined;
  } catch {
    return undefined;
  }
}
