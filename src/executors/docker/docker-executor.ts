import { execFile } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import type {
  EnvironmentHandle,
  EnvironmentSpec,
  Executor,
  RuntimeExit,
  RuntimeProcess,
} from '../executor.js';
import {
  containerOptions,
  entryFor,
  imageEntry,
  type ContainerSettings,
} from './container-spec.js';
import { engineError, errorText, type ImageResolver } from './images.js';

/**
 * One container per execution environment. The container is the runtime: it is created with the
 * environment, started for each runtime start and killed for a reset (AWS's reset keeps /tmp,
 * and so does a stopped container's writable layer), and removed when the environment ends.
 */
export class DockerExecutor implements Executor {
  readonly name = 'docker';
  private readonly scratchRoot: string;

  constructor(
    private readonly docker: Docker,
    private readonly images: ImageResolver,
    private readonly settings: ContainerSettings,
    scratchRoot?: string,
  ) {
    const uid = process.getuid?.() ?? 0;
    this.scratchRoot = scratchRoot ?? path.join(os.tmpdir(), `asimov-docker-${uid}`);
  }

  /** On a network of its own, a debugged runtime listens on all of the container's interfaces. */
  get debugHost(): string | undefined {
    return this.settings.network === 'host' ? undefined : '0.0.0.0';
  }

  /** Where the Runtime API must listen for a container on another network to reach it. */
  get runtimeApiHost(): string | undefined {
    return this.settings.network === 'host' ? undefined : '0.0.0.0';
  }

  /** Removes the log pipes of servers that died (`<pid>.<id>` of a pid that no longer runs). */
  async sweep(): Promise<void> {
    let names: string[] = [];
    try {
      names = await fsp.readdir(this.scratchRoot);
    } catch {
      return;
    }
    for (const name of names) {
      const pid = Number(/^(\d+)\./.exec(name)?.[1]);
      if (pid && pid !== process.pid && !isRunning(pid))
        await fsp.rm(path.join(this.scratchRoot, name), { recursive: true, force: true });
    }
  }

  async createEnvironment(spec: EnvironmentSpec): Promise<EnvironmentHandle> {
    const runtime = spec.runtime ?? 'provided.al2023';
    const image = spec.image?.id ?? (await this.images.imageFor(runtime));
    const entry = spec.image
      ? imageEntry(spec.image, await this.images.processOf(spec.image.id))
      : entryFor(spec);
    if (entry.kind === 'refused') return new RefusedEnvironment(entry.spawnError);
    const pipes = await LogPipes.open(path.join(this.scratchRoot, `${process.pid}.${spec.id}`));
    const options = containerOptions(
      withHandler(spec, entry.handler),
      image,
      entry,
      pipes.dir,
      this.settings,
    );
    let container: Docker.Container;
    try {
      container = await this.docker.createContainer(options);
    } catch (err) {
      await pipes.close();
      if ((err as { statusCode?: number }).statusCode === 404) this.images.forget(runtime);
      throw engineError(err);
    }
    return new ContainerEnvironment(this.docker, container.id, options, pipes);
  }
}

/**
 * Lambda's _HANDLER in an image function is its CMD's first word (what the base images'
 * /lambda-entrypoint.sh is given); a zip function's comes from its configuration.
 */
function withHandler(spec: EnvironmentSpec, handler: string | undefined): EnvironmentSpec {
  if (!spec.image || !handler) return spec;
  return { ...spec, env: { ...spec.env, _HANDLER: handler } };
}

/**
 * The runtime's stdout and stderr, as FIFOs that the container's entry point writes to (bound in
 * at /var/asimov). Unlike the engine's attach stream, a pipe holds what the runtime printed before
 * it answered by the time the answer arrives, so the output lands in its own invocation's log.
 * Opened read-write, they never see an end when a runtime exits and the next one starts.
 */
class LogPipes {
  private target: { stdout: PassThrough; stderr: PassThrough } | undefined;

  private constructor(
    readonly dir: string,
    private readonly sockets: net.Socket[],
  ) {
    const [out, err] = sockets;
    out!.on('data', (chunk: Buffer) => this.target?.stdout.write(chunk));
    err!.on('data', (chunk: Buffer) => this.target?.stderr.write(chunk));
  }

  static async open(dir: string): Promise<LogPipes> {
    await fsp.mkdir(dir, { recursive: true, mode: 0o755 });
    const files = ['stdout', 'stderr'].map((name) => path.join(dir, name));
    // Writable by the sandbox user (uid 993), whoever this server runs as.
    await run('mkfifo', ['-m', '622', ...files]);
    const sockets = files.map(
      (file) =>
        new net.Socket({
          fd: fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_NONBLOCK),
          readable: true,
          writable: false,
        }),
    );
    return new LogPipes(dir, sockets);
  }

  /** From now on, output goes to these streams (the runtime just started). */
  routeTo(stdout: PassThrough, stderr: PassThrough): void {
    this.target = { stdout, stderr };
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await fsp.rm(this.dir, { recursive: true, force: true });
  }
}

const run = promisify(execFile);

class ContainerEnvironment implements EnvironmentHandle {
  readonly tmpDir = '/tmp';
  private running: ContainerRuntime | undefined;
  private destroyed = false;

  constructor(
    private readonly docker: Docker,
    private containerId: string,
    private readonly options: Docker.ContainerCreateOptions,
    private readonly pipes: LogPipes,
  ) {}

  startRuntime(): RuntimeProcess {
    const runtime = new ContainerRuntime(
      this.docker,
      () => this.containerId,
      () => this.recreate(),
    );
    this.pipes.routeTo(runtime.stdout, runtime.stderr);
    this.running = runtime;
    return runtime;
  }

  /** A container removed from outside (docker rm -f) is made again, with a fresh /tmp. */
  private async recreate(): Promise<string> {
    if (this.destroyed) throw new Error('environment destroyed');
    const container = await this.docker.createContainer(this.options);
    this.containerId = container.id;
    return container.id;
  }

  async destroy(): Promise<void> {
    this.destroyed = true;
    await this.running?.kill();
    await this.docker
      .getContainer(this.containerId)
      .remove({ force: true, v: true })
      .catch((err: { statusCode?: number }) => {
        // Gone already (404), or being removed by a destroy that got there first (409).
        if (err.statusCode !== 404 && err.statusCode !== 409) throw err;
      })
      .finally(() => this.pipes.close());
  }
}

/** A runtime start inside the environment's container: attach, start, wait. */
class ContainerRuntime implements RuntimeProcess {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly exited: Promise<RuntimeExit>;
  private containerId: string | undefined;
  private memoryFile: string | undefined;
  private stopped = false;

  constructor(
    private readonly docker: Docker,
    currentId: () => string,
    recreate: () => Promise<string>,
  ) {
    this.exited = this.run(currentId, recreate);
  }

  private async run(
    currentId: () => string,
    recreate: () => Promise<string>,
  ): Promise<RuntimeExit> {
    let id = currentId();
    try {
      try {
        await this.start(id);
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode !== 404 || this.stopped) throw err;
        id = await recreate();
        await this.start(id);
      }
    } catch (err) {
      this.end();
      return { code: null, signal: null, spawnError: spawnErrorOf(err) };
    }
    // Killed while it started: kill() could not name the container yet.
    if (this.stopped) await this.killContainer();
    this.memoryFile = memoryPeakFile(id);
    try {
      const { StatusCode } = (await this.docker.getContainer(id).wait()) as { StatusCode: number };
      return exitOf(StatusCode);
    } catch {
      // Removed from outside while running: the runtime was killed.
      return { code: null, signal: 'SIGKILL' };
    } finally {
      this.end();
    }
  }

  private async start(id: string): Promise<void> {
    await this.docker.getContainer(id).start();
    this.containerId = id;
  }

  /** After a turn, so that what the pipes still hold reaches the streams first. */
  private end(): void {
    setImmediate(() => {
      this.stdout.end();
      this.stderr.end();
    });
  }

  /** The container's cgroup peak, read from the host's cgroup tree (no API round trip per invoke). */
  async maxMemoryBytes(): Promise<number | undefined> {
    if (!this.memoryFile) return undefined;
    try {
      return Number(fs.readFileSync(this.memoryFile, 'utf8'));
    } catch {
      return undefined;
    }
  }

  async kill(): Promise<void> {
    this.stopped = true;
    await this.killContainer();
    await this.exited;
  }

  private async killContainer(): Promise<void> {
    if (!this.containerId) return;
    await this.docker
      .getContainer(this.containerId)
      .kill({ signal: 'SIGKILL' })
      .catch(() => undefined); // already stopped (409) or removed (404)
  }
}

/**
 * The runtime is the init's child, and the init (docker-init) exits with 128+N when it is killed
 * by signal N, as shells do: that is turned back into the signal (AWS's "signal: killed").
 */
function exitOf(status: number): RuntimeExit {
  if (status > 128 && status < 128 + 65) {
    const signal = Object.entries(os.constants.signals).find(([, n]) => n === status - 128)?.[0];
    if (signal) return { code: null, signal: signal as NodeJS.Signals };
  }
  return { code: status, signal: null };
}

/** An entry point the engine could not exec, in the words spawn would use. */
function spawnErrorOf(err: unknown): string {
  const text = errorText(err);
  if (/permission denied/i.test(text)) return 'EACCES';
  if (/no such file|not found/i.test(text)) return 'ENOENT';
  return `docker: ${text}`;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** cgroup v1 (cgroupfs driver), v2 with the cgroupfs driver, v2 with systemd's. */
function memoryPeakFile(id: string): string | undefined {
  return [
    `/sys/fs/cgroup/memory/docker/${id}/memory.max_usage_in_bytes`,
    `/sys/fs/cgroup/docker/${id}/memory.peak`,
    `/sys/fs/cgroup/system.slice/docker-${id}.scope/memory.peak`,
  ].find((file) => fs.existsSync(file));
}

/** A provided function whose bootstrap is missing or not executable: every start fails as spawn would. */
class RefusedEnvironment implements EnvironmentHandle {
  readonly tmpDir = '/tmp';

  constructor(private readonly spawnError: string) {}

  startRuntime(): RuntimeProcess {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    stdout.end();
    stderr.end();
    return {
      stdout,
      stderr,
      exited: Promise.resolve({ code: null, signal: null, spawnError: this.spawnError }),
      maxMemoryBytes: async () => undefined,
      kill: async () => undefined,
    };
  }

  async destroy(): Promise<void> {}
}
