import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
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
import { copyCode } from './code-copy.js';
import { ContainerRuntimeCommands } from './runtime-commands.js';
import {
  AttachedOutput,
  LogPipes,
  type ContainerOutput,
  type RuntimeStreams,
} from './container-output.js';
import { engineError, errorText, type ImageResolver } from './images.js';

/**
 * One container per execution environment. The container is the runtime: it is created with the
 * environment, started for each runtime start and killed for a reset (AWS's reset keeps /tmp,
 * and so does a stopped container's writable layer), and removed when the environment ends.
 */
export class DockerExecutor implements Executor {
  readonly name = 'docker';
  readonly commands = new ContainerRuntimeCommands();
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
    const withExtensions = (spec.extensions?.length ?? 0) > 0;
    const output =
      this.settings.transfer === 'mount'
        ? await LogPipes.open(
            path.join(this.scratchRoot, `${process.pid}.${spec.id}`),
            withExtensions,
          )
        : new AttachedOutput(this.docker, withExtensions);
    const options = containerOptions(
      withHandler(spec, entry.handler),
      image,
      entry,
      output instanceof LogPipes ? output.dir : undefined,
      this.settings,
    );
    const create = async (): Promise<string> => {
      const container = await this.docker.createContainer(options);
      if (this.settings.transfer === 'copy')
        await copyCode(container, spec.image ? undefined : spec.taskRoot, spec.optRoot);
      return container.id;
    };
    let id: string;
    try {
      id = await create();
    } catch (err) {
      await output.close();
      if ((err as { statusCode?: number }).statusCode === 404) this.images.forget(runtime);
      throw engineError(err);
    }
    return new ContainerEnvironment(this.docker, id, create, output, {
      withExtensions,
      network: this.settings.network,
      localCgroups: this.settings.transfer === 'mount',
    });
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

/** What a container's runtimes need to know of their environment. */
interface ContainerTraits {
  withExtensions: boolean;
  network: string;
  /** The engine's cgroups are this host's (a local engine): the memory peak is read from them. */
  localCgroups: boolean;
}

class ContainerEnvironment implements EnvironmentHandle {
  readonly tmpDir = '/tmp';
  private running: ContainerRuntime | undefined;
  private destroyed = false;

  constructor(
    private readonly docker: Docker,
    private containerId: string,
    private readonly create: () => Promise<string>,
    private readonly output: ContainerOutput,
    private readonly traits: ContainerTraits,
  ) {}

  startRuntime(): RuntimeProcess {
    const runtime = new ContainerRuntime(
      this.docker,
      this.output,
      this.traits,
      () => this.containerId,
      () => this.recreate(),
    );
    this.running = runtime;
    return runtime;
  }

  /** An extension's listener (Telemetry API): on loopback, or at the container's own address. */
  connect(port: number): net.Socket {
    const address = this.running?.address;
    return net.connect(port, address ?? '127.0.0.1');
  }

  /** A container removed from outside (docker rm -f) is made again, with a fresh /tmp. */
  private async recreate(): Promise<string> {
    if (this.destroyed) throw new Error('environment destroyed');
    this.containerId = await this.create();
    return this.containerId;
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
      .finally(() => this.output.close());
  }
}

/** A runtime start inside the environment's container: connect its output, start, wait. */
class ContainerRuntime implements RuntimeProcess {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly extensionOutput: PassThrough | undefined;
  readonly exited: Promise<RuntimeExit>;
  /** The container's address on a network of its own (undefined on the host's). */
  address: string | undefined;
  private containerId: string | undefined;
  private memoryFile: string | undefined;
  private statsPeak: number | undefined;
  private stopped = false;

  constructor(
    private readonly docker: Docker,
    private readonly output: ContainerOutput,
    private readonly traits: ContainerTraits,
    currentId: () => string,
    recreate: () => Promise<string>,
  ) {
    this.extensionOutput = traits.withExtensions ? new PassThrough() : undefined;
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
    if (this.traits.localCgroups) this.memoryFile = memoryPeakFile(id);
    else void this.watchMemory(id);
    if (this.traits.network !== 'host') await this.findAddress(id);
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
    const streams: RuntimeStreams = { stdout: this.stdout, stderr: this.stderr };
    if (this.extensionOutput) streams.extensions = this.extensionOutput;
    await this.output.connect(id, streams);
    await this.docker.getContainer(id).start();
    this.containerId = id;
  }

  private async findAddress(id: string): Promise<void> {
    try {
      const info = await this.docker.getContainer(id).inspect();
      const networks = Object.values(info.NetworkSettings.Networks ?? {});
      this.address = networks.find((n) => n.IPAddress)?.IPAddress || undefined;
    } catch {
      // Gone already: nothing will connect to it.
    }
  }

  /** After a turn, so that what is still on its way reaches the streams first. */
  private end(): void {
    void this.output.drained().then(() => {
      this.stdout.end();
      this.stderr.end();
      this.extensionOutput?.end();
    });
  }

  releaseRuntime(): void {
    this.output.release();
  }

  flushOutput(): Promise<void> {
    return this.output.flush();
  }

  /**
   * The container's cgroup peak, read from the host's cgroup tree (no API round trip per
   * invoke); on a remote engine, the highest figure its statistics stream has shown.
   */
  async maxMemoryBytes(): Promise<number | undefined> {
    if (!this.traits.localCgroups) return this.statsPeak;
    if (!this.memoryFile) return undefined;
    try {
      return Number(fs.readFileSync(this.memoryFile, 'utf8'));
    } catch {
      return undefined;
    }
  }

  /**
   * The engine's statistics as a stream (one sample a second) while the container runs: a
   * one-shot request per invoke waits for the engine's next sample, up to a second.
   * cgroup v1 keeps a peak (max_usage); v2's samples have only the current usage.
   */
  private async watchMemory(id: string): Promise<void> {
    try {
      const stream = (await this.docker
        .getContainer(id)
        .stats({ stream: true })) as unknown as NodeJS.ReadableStream;
      let pending = '';
      stream.on('data', (chunk: Buffer) => {
        const lines = (pending + chunk.toString('utf8')).split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) this.notePeak(line);
      });
      stream.on('error', () => undefined);
      void this.exited.then(() => (stream as unknown as { destroy?: () => void }).destroy?.());
    } catch {
      // No statistics: Max Memory Used stays unknown.
    }
  }

  private notePeak(line: string): void {
    try {
      const memory = (JSON.parse(line) as { memory_stats?: { max_usage?: number; usage?: number } })
        .memory_stats;
      const bytes = memory?.max_usage ?? memory?.usage;
      if (bytes !== undefined) this.statsPeak = Math.max(this.statsPeak ?? 0, bytes);
    } catch {
      // A partial or foreign line.
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
