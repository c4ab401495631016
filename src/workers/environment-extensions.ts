import type { EnvironmentHandle, RuntimeProcess } from '../executors/executor.js';
import { EXIT_NOTICE } from '../executors/extension-launcher.js';
import { extensionsRoute } from '../runtime-api/extensions-api.js';
import type { ExtraRoute } from '../runtime-api/runtime-api-server.js';
import { telemetryRoute } from '../runtime-api/telemetry-api.js';
import {
  ExtensionRegistry,
  type ExtensionFailure,
  type ExtensionInfo,
  type FunctionMetadata,
} from './extensions.js';
import { TelemetryHub, connectLoopback } from './telemetry.js';

/** What an environment knows of its function's extensions and telemetry. */
export interface ExtensionSettings {
  metadata: FunctionMetadata;
  /** The files of /opt/extensions the executor launches. */
  external: string[];
  /** AWS's Extension.LaunchError text when one of them cannot be executed. */
  launchError?: string;
  initializationType: 'on-demand' | 'provisioned-concurrency';
}

/** AWS's shutdown phase: 2,000 ms with external extensions, 500 ms with internal ones only. */
const SHUTDOWN_MS_EXTERNAL = 2000;
const SHUTDOWN_MS_INTERNAL = 500;

/**
 * The extension side of one execution environment: the Extensions and Telemetry APIs on its
 * Runtime API address, the extension registry, the telemetry hub, and the extension processes'
 * output. The execution environment calls it at each step of the lifecycle.
 */
export class EnvironmentExtensions {
  readonly registry: ExtensionRegistry;
  readonly telemetry: TelemetryHub;
  private runtime: RuntimeProcess | undefined;
  private released = false;
  private partial = '';
  /** Told on every change during init (a registration, a first next). */
  onChange: (() => void) | undefined;

  constructor(
    readonly settings: ExtensionSettings,
    private readonly log: (text: string) => void,
    warn: (line: string) => void,
  ) {
    this.registry = new ExtensionRegistry(settings.metadata);
    let handle: EnvironmentHandle | undefined;
    this.connectTo = (h) => (handle = h);
    this.telemetry = new TelemetryHub(
      (id) => this.registry.nameOf(id),
      (port) => handle?.connect?.(port) ?? connectLoopback(port),
      warn,
    );
  }

  /** Set once the executor made the environment (it knows how to reach ports inside). */
  readonly connectTo: (handle: EnvironmentHandle) => void;

  routes(): ExtraRoute[] {
    return [extensionsRoute(() => this.registry), telemetryRoute(() => this.telemetry)];
  }

  set onFailure(handler: (failure: ExtensionFailure) => void) {
    this.registry.onFailure = handler;
  }

  /** A new init with a freshly started runtime (and, if the executor launched them, extensions). */
  begin(runtime: RuntimeProcess): void {
    this.runtime = runtime;
    this.released = false;
    this.partial = '';
    const launched = runtime.extensionOutput ? this.settings.external : [];
    this.registry.begin(launched);
    this.telemetry.begin();
    runtime.extensionOutput?.on('data', (chunk: Buffer) => this.output(runtime, chunk));
    this.telemetry.emit('platform.initStart', {
      initializationType: this.settings.initializationType,
      phase: 'init',
      functionName: this.settings.metadata.functionName,
      functionVersion: this.settings.metadata.functionVersion,
    });
    this.watchInit();
  }

  /** Extension.LaunchError, when an extension file cannot be executed. */
  launchFailure(): ExtensionFailure | undefined {
    const reason = this.settings.launchError;
    return reason && this.runtime?.extensionOutput
      ? { errorType: 'Extension.LaunchError', reason }
      : undefined;
  }

  /** Init is done for the extensions: every one of them asked for its first event. */
  initReady(): boolean {
    return this.registry.allReady();
  }

  /** The init's end: registrations and subscriptions close, AWS's platform events go out. */
  endInit(
    status: 'success' | 'error' | 'timeout' | 'failure',
    durationMs: number,
    errorType?: string,
  ) {
    this.registry.closeRegistration();
    this.telemetry.close();
    const base = { initializationType: this.settings.initializationType, phase: 'init' };
    const error = errorType ? { errorType } : {};
    this.telemetry.emit('platform.initRuntimeDone', { ...base, status, ...error });
    if (status === 'success') for (const info of this.registry.describe()) this.describe(info);
    this.telemetry.emit('platform.initReport', {
      ...base,
      status,
      ...error,
      metrics: { durationMs: round(durationMs) },
    });
  }

  /** Lines a function printed: the `function` stream of the Telemetry API. */
  functionLine(line: string): void {
    this.telemetry.emit('function', line);
  }

  /** How long the shutdown phase may take (0: nothing to tell). */
  shutdownBudgetMs(): number {
    if (this.registry.count === 0) return 0;
    return this.registry.hasExternal() ? SHUTDOWN_MS_EXTERNAL : SHUTDOWN_MS_INTERNAL;
  }

  /** AWS's shutdown: telemetry flushed, SHUTDOWN to the extensions that want it, until the deadline. */
  async shutdown(reason: 'spindown' | 'timeout' | 'failure'): Promise<void> {
    const budget = this.shutdownBudgetMs();
    if (budget === 0 || !this.runtime) return;
    const deadline = Date.now() + budget;
    await Promise.race([
      this.telemetry.flush(),
      new Promise((resolve) => setTimeout(resolve, budget / 2).unref()),
    ]);
    await this.registry.shutdown(reason, deadline);
  }

  /** The runtime is gone for good or reset: nothing of it counts any more. */
  forget(): void {
    this.runtime = undefined;
  }

  private watchInit(): void {
    const step = () => {
      if (!this.released && this.registry.allRegistered()) {
        this.released = true;
        this.runtime?.releaseRuntime?.();
      }
      this.onChange?.();
    };
    const loop = async (runtime: RuntimeProcess) => {
      while (this.runtime === runtime && !this.registry.allReady()) {
        step();
        await this.registry.changes();
      }
      if (this.runtime === runtime) step();
    };
    void loop(this.runtime as RuntimeProcess);
  }

  /** Extension output: lines for the log and the `extension` stream, and exit notices. */
  private output(runtime: RuntimeProcess, chunk: Buffer): void {
    if (this.runtime !== runtime) return;
    const lines = (this.partial + chunk.toString('utf8')).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      const notice = line.indexOf(EXIT_NOTICE);
      const text = notice === -1 ? line : line.slice(0, notice);
      if (text !== '' || notice === -1) {
        this.log(`${text}\n`);
        this.telemetry.emit('extension', text);
      }
      if (notice !== -1) {
        const [status, ...name] = line.slice(notice + EXIT_NOTICE.length).split(' ');
        this.registry.exited(name.join(' '), Number(status));
      }
    }
  }

  private describe(info: ExtensionInfo): void {
    const error = info.errorType ? `\tError Type: ${info.errorType}` : '';
    this.log(
      `EXTENSION\tName: ${info.name}\tState: ${info.state}\tEvents: [${info.events.join(',')}]${error}\n`,
    );
    this.telemetry.emit('platform.extension', info);
  }
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;
