import type Docker from 'dockerode';
import { DockerExecutor } from './docker/docker-executor.js';
import {
  connectEngine,
  engineIsRemote,
  NoEngineError,
  serverIdentity,
  sweepLeftovers,
} from './docker/engine.js';
import { ImageResolver } from './docker/images.js';
import type { OtherExecutors } from '../workers/placement.js';
import type { Executor } from './executor.js';
import type { ImageFunctions } from './image-functions.js';
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
  /** The docker executor's settings (src/executors/docker/). */
  docker: DockerOptions;
}

export interface DockerOptions {
  /** Images by exact runtime or family, over the defaults of src/executors/docker/images.ts. */
  images: Record<string, string>;
  /** The containers' network; `host` (the default) reaches the Runtime API on 127.0.0.1. */
  network: string;
  /** The address by which containers on another network reach this server. */
  callbackHost: string;
  /** The engine (unix:///… or tcp://…); else DOCKER_HOST's, else /var/run/docker.sock. */
  host?: string;
  /** Bind mounts, or copies for a remote engine (`auto` decides by the engine's address). */
  transfer: 'auto' | 'mount' | 'copy';
}

/** A connected engine with its executor: the docker executor's, or Image functions' under another. */
export interface DockerSetup {
  docker: Docker;
  executor: DockerExecutor;
  images: ImageResolver;
  notes: string[];
}

export interface ExecutorSetup {
  executor: Executor;
  /** What the server prints at start: which isolation is in force and why, then any warnings. */
  notes: string[];
  /** The docker executor's engine, which PackageType Image functions share. */
  docker?: DockerSetup;
}

/** Executors by their config name; kubernetes registers here when it exists. */
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
  docker: async (options: ExecutorOptions): Promise<ExecutorSetup> => {
    const setup = await connectDocker(options).catch((err: unknown) => {
      throw err instanceof NoEngineError ? new Error(err.withFix) : err;
    });
    const { executor, notes } = setup;
    return { executor, notes, docker: setup };
  },
} as const;

/** Connects to the engine, removes what dead servers left on it, and makes the docker executor. */
export async function connectDocker(options: ExecutorOptions): Promise<DockerSetup> {
  const { docker, version } = await connectEngine(options.docker.host);
  const swept = await sweepLeftovers(docker);
  const images = new ImageResolver(docker, options.docker.images, options.log);
  const transfer = transferFor(options.docker);
  const executor = new DockerExecutor(docker, images, {
    network: options.docker.network,
    callbackHost: options.docker.callbackHost,
    user: '993:990',
    serverId: serverIdentity(),
    transfer,
  });
  const notes = [
    `executor: docker (engine ${version}, network ${options.docker.network}): one container per execution environment`,
  ];
  if (transfer === 'copy')
    notes.push(
      'docker: code and layers are copied into each container and logs read from the engine (a remote engine); its containers must reach this server (--docker-network, --docker-callback-host)',
    );
  if (swept > 0) notes.push(`docker: removed ${swept} container(s) left by servers that died`);
  await executor.sweep();
  return { docker, executor, images, notes };
}

/**
 * The executors besides the server's own: the docker one (shared with Image functions) and a
 * process one, each made at first use. `check()` makes at start those that functions are
 * configured to use, so that a missing engine stops the server with the fix, not an invoke.
 */
export function otherExecutors(
  main: ExecutorName,
  functionExecutors: Record<string, ExecutorName>,
  options: ExecutorOptions,
  docker: Pick<ImageFunctions, 'executor' | 'zipExecutor'>,
): OtherExecutors & { check(): Promise<void> } {
  let processExecutor: Promise<Executor> | undefined;
  const others: OtherExecutors = {
    docker: () => docker.executor(),
    process: () => {
      processExecutor ??= EXECUTORS.process(options).then(({ executor, notes }) => {
        for (const note of notes) options.log(`--function-executor: ${note}`);
        return executor;
      });
      return processExecutor;
    },
  };
  return {
    ...others,
    check: async () => {
      const wanted = new Set(Object.values(functionExecutors));
      wanted.delete(main);
      for (const name of wanted) {
        const named = Object.keys(functionExecutors).filter((f) => functionExecutors[f] === name);
        const made = name === 'docker' ? docker.zipExecutor() : others.process();
        await made.catch((err: Error) => {
          throw new Error(`--function-executor ${named.join(', ')}=${name}: ${err.message}`);
        });
      }
    },
  };
}

/** A remote engine cannot see this server's files: `auto` copies for tcp:// and ssh:// engines. */
function transferFor(options: DockerOptions): 'mount' | 'copy' {
  if (options.transfer !== 'auto') return options.transfer;
  return engineIsRemote(options.host) ? 'copy' : 'mount';
}

export type ExecutorName = keyof typeof EXECUTORS;
