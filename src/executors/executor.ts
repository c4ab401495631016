import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { RuntimeCommandSource } from '../runtimes/runtime-commands.js';

/** Everything an executor needs to start a function's runtime; nothing about how it is isolated. */
export interface EnvironmentSpec {
  /** Unique id of the execution environment (used in names of its private parts). */
  id: string;
  /** The function's runtime (nodejs20.x, provided.al2023…), for executors that pick an image by it. */
  runtime?: string;
  /** The extracted code tree, mounted at /var/task where the executor can. */
  taskRoot: string;
  /** The function's layers merged into one tree (later layers over earlier), mounted read-only at /opt. */
  optRoot?: string;
  /** The program that speaks the Runtime API, and its arguments. */
  command: string;
  args: string[];
  /** Environment variables of the runtime process (the executor may add its own paths). */
  env: Record<string, string>;
  memoryMb: number;
  ephemeralStorageMb: number;
  /** PackageType Image: the image to run, and ImageConfig's overrides of its own settings. */
  image?: ImageSpec;
  /**
   * External extensions to start before the runtime: file names in /opt/extensions (AWS's
   * init), through src/executors/extension-launcher.ts.
   */
  extensions?: string[];
  /** Start the runtime through AWS_LAMBDA_EXEC_WRAPPER when it is set (managed runtimes). */
  execWrapper?: boolean;
  /** The port a debugger attaches to (the runtime listens on it); the host must reach it. */
  debugPort?: number;
}

export interface ImageSpec {
  /** The image's id (`sha256:…`): the function runs the image its code was pinned to. */
  id: string;
  entryPoint?: string[];
  command?: string[];
  workingDirectory?: string;
}

export interface RuntimeExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The runtime could not be started at all (ENOENT, EACCES…). */
  spawnError?: string;
}

/** One running runtime process inside an environment. */
export interface RuntimeProcess {
  readonly stdout: Readable;
  readonly stderr: Readable;
  readonly exited: Promise<RuntimeExit>;
  /** Peak memory of the runtime so far, in bytes, where the executor can tell. */
  maxMemoryBytes(): Promise<number | undefined>;
  /** Kills the runtime and waits until it is gone. */
  kill(): Promise<void>;
  /** With extensions: their stdout and stderr, and the launcher's exit notices. */
  readonly extensionOutput?: Readable;
  /** With extensions: lets the launcher start the runtime (every extension has registered). */
  releaseRuntime?(): void;
  /**
   * Resolves once what the runtime printed before now has reached stdout and stderr, where the
   * output travels a longer way than the runtime's answers (a remote engine's attach stream).
   */
  flushOutput?(): Promise<void>;
}

/**
 * A live execution environment's host-side handle: its private /tmp lives as long as the handle,
 * while the runtime inside may be killed and started again (AWS's reset after a timeout or crash).
 */
export interface EnvironmentHandle {
  /** The path the runtime sees as its TMPDIR. */
  readonly tmpDir: string;
  startRuntime(): RuntimeProcess;
  destroy(): Promise<void>;
  /** How the server reaches a port inside (an extension's telemetry listener); default loopback. */
  connect?(port: number): Socket;
}

/** start / stop / health of environments, whatever they run in (process, container, pod). */
export interface Executor {
  readonly name: string;
  /** Where environments' Runtime APIs listen, when not on 127.0.0.1 (containers on another network). */
  readonly runtimeApiHost?: string;
  /** The address a debugged runtime listens on, when not 127.0.0.1 (a container's own network). */
  readonly debugHost?: string;
  /** How runtimes start in its environments, when not with the host's interpreters (an image's). */
  readonly commands?: RuntimeCommandSource;
  createEnvironment(spec: EnvironmentSpec): Promise<EnvironmentHandle>;
}
