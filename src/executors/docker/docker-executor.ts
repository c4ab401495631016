import fs from 'node:fs';
import os from 'node:os';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import type {
  EnvironmentHandle,
  EnvironmentSpec,
  Executor,
  RuntimeExit,
  RuntimeProcess,
} from '../executor.js';
import { containerOptions, entryFor, type ContainerSettings } from './container-spec.js';
import { engineError, errorText, type ImageResolver } from './images.js';

/**
 * One container per execution environment. The container is the runtime: it is created with the
 * environment, started for each runtime start and killed for a reset (AWS's reset keeps /tmp,
 * and so does a stopped container's writable layer), and removed when the environment ends.
 */
export class DockerExecutor implements Executor {
  readonly name = 'docker';

  constructor(
    private readonly docker: Docker,
    private readonly images: ImageResolver,
    private readonly settings: ContainerSettings,
  ) {}

  /** Where the Runtime API must listen for a container on another network to reach it. */
  get runtimeApiHost(): string | undefined {
    return this.settings.network === 'host' ? undefined : '0.0.0.0';
  }

  async createEnvironment(spec: EnvironmentSpec): Promise<EnvironmentHandle> {
    const runtime = spec.runtime ?? 'provided.al2023';
    const image = await this.images.imageFor(runtime);
    const entry = entryFor(spec);
    if (entry.kind === 'refused') return new RefusedEnvironment(entry.spawnError);
    const options = containerOptions(spec, image, entry.command, this.settings);
    let container: Docker.Container;
    try {
      container = await this.docker.createContainer(options);
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) this.images.forget(runtime);
      throw engineError(err);
    }
    return new ContainerEnvironment(this.docker, container.id, options);
  }
}

class ContainerEnvironment implements EnvironmentHandle {
  readonly tmpDir = '/tmp';
  private running: ContainerRuntime | undefined;
  private destroyed = false;

  constructor(
    private readonly docker: Docker,
    private containerId: string,
    private readonly options: Docker.ContainerCreateOptions,
  ) {}

  startRuntime(): RuntimeProcess {
    const runtime = new ContainerRuntime(
      this.docker,
      () => this.containerId,
      () => this.recreate(),
    );
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
        if (err.statusCode !== 404) throw err;
      });
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

  /** Output is attached before the start, so that nothing the runtime prints first is lost. */
  private async start(id: string): Promise<void> {
    const container = this.docker.getContainer(id);
    const stream = await container.attach({ stream: true, stdout: true, stderr: true });
    this.docker.modem.demuxStream(stream, this.stdout, this.stderr);
    stream.once('end', () => this.end());
    try {
      await container.start();
    } catch (err) {
      (stream as unknown as { destroy(): void }).destroy();
      throw err;
    }
    this.containerId = id;
  }

  private end(): void {
    if (!this.stdout.writableEnded) this.stdout.end();
    if (!this.stderr.writableEnded) this.stderr.end();
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
