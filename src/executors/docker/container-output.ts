import { execFile } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { PassThrough, Writable } from 'node:stream';
import { promisify } from 'node:util';
import type Docker from 'dockerode';

/** Where one runtime start's output goes. */
export interface RuntimeStreams {
  stdout: PassThrough;
  stderr: PassThrough;
  /** The extension launcher's channel (extensions' output and exit notices), with extensions. */
  extensions?: PassThrough;
}

/**
 * How the server hears a container's runtime, and gates its start while extensions register
 * (src/executors/extension-launcher.ts): FIFOs bound into the container on a local engine
 * (LogPipes), the engine's attach stream on a remote one (AttachedOutput).
 */
export interface ContainerOutput {
  /** Before the container starts: its output goes to `streams` from now on. */
  connect(containerId: string, streams: RuntimeStreams): Promise<void>;
  /** Lets the launcher start the runtime: every extension has registered. */
  release(): void;
  /** Resolves once what the runtime wrote before now has reached the streams. */
  flush(): Promise<void>;
  /** After the runtime exited: resolves once all of its output has arrived. */
  drained(): Promise<void>;
  close(): Promise<void>;
}

/** Bound in at this path; the container's entry point writes there (container-spec.ts). */
export const LOG_DIR = '/var/asimov';

const run = promisify(execFile);

/**
 * The runtime's stdout and stderr (and, with extensions, the launcher's channel and its gate) as
 * FIFOs bound in at /var/asimov. Unlike the engine's attach stream, a pipe holds what the runtime
 * printed before it answered by the time the answer arrives, so the output lands in its own
 * invocation's log. Opened read-write, they never see an end when a runtime exits and the next
 * one starts.
 */
export class LogPipes implements ContainerOutput {
  private target: RuntimeStreams | undefined;

  private constructor(
    readonly dir: string,
    private readonly sockets: net.Socket[],
    private readonly gate: number | undefined,
  ) {
    const [out, err, ext] = sockets;
    out!.on('data', (chunk: Buffer) => this.target?.stdout.write(chunk));
    err!.on('data', (chunk: Buffer) => this.target?.stderr.write(chunk));
    ext?.on('data', (chunk: Buffer) => this.target?.extensions?.write(chunk));
  }

  static async open(dir: string, withExtensions: boolean): Promise<LogPipes> {
    await fsp.mkdir(dir, { recursive: true, mode: 0o755 });
    const outputs = (
      withExtensions ? ['stdout', 'stderr', 'extensions'] : ['stdout', 'stderr']
    ).map((name) => path.join(dir, name));
    const gate = withExtensions ? [path.join(dir, 'gate')] : [];
    // Writable (the gate readable) by the sandbox user, uid 993, whoever this server runs as.
    await run('mkfifo', ['-m', '622', ...outputs]);
    if (gate.length > 0) await run('mkfifo', ['-m', '644', ...gate]);
    const files = [...outputs, ...gate];
    const fds = files.map((file) =>
      fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_NONBLOCK),
    );
    const readers = fds
      .slice(0, 3)
      .map((fd) => new net.Socket({ fd, readable: true, writable: false }));
    return new LogPipes(dir, readers, fds[3]);
  }

  async connect(_containerId: string, streams: RuntimeStreams): Promise<void> {
    this.target = streams;
    // A line the last runtime was released with but never read would release the next one early.
    if (this.gate === undefined) return;
    const buffer = Buffer.alloc(64);
    try {
      while (fs.readSync(this.gate, buffer) > 0);
    } catch {
      // EAGAIN: empty.
    }
  }

  release(): void {
    if (this.gate !== undefined) fs.write(this.gate, '\n', () => undefined);
  }

  async flush(): Promise<void> {}

  /** What the pipes still hold reaches the streams within a turn of the event loop. */
  drained(): Promise<void> {
    return new Promise((resolve) => setImmediate(resolve));
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    if (this.gate !== undefined) fs.closeSync(this.gate);
    await fsp.rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * A remote engine's containers cannot share a FIFO with this server: their output comes through
 * the engine's attach stream, made before each start. With extensions, the entry point puts the
 * function's stdout and stderr together on stdout and the launcher's channel on stderr, and the
 * gate is the container's stdin.
 *
 * The attach stream travels through the engine, so it may lag the runtime's answer to the Runtime
 * API: flush() waits until the stream has been quiet for a moment before an invocation's log is
 * closed (AWS's own logs arrive asynchronously too, but its Tail does not lose lines).
 */
export class AttachedOutput implements ContainerOutput {
  private stream: NodeJS.ReadWriteStream | undefined;
  private ended: Promise<void> = Promise.resolve();
  private lastData = 0;

  constructor(
    private readonly docker: Docker,
    private readonly withExtensions: boolean,
  ) {}

  async connect(containerId: string, streams: RuntimeStreams): Promise<void> {
    const stream = await this.docker.getContainer(containerId).attach({
      stream: true,
      stdout: true,
      stderr: true,
      stdin: this.withExtensions,
      hijack: this.withExtensions,
    });
    this.stream = stream;
    const out = this.counting(streams.stdout);
    const err = this.counting(
      this.withExtensions && streams.extensions ? streams.extensions : streams.stderr,
    );
    this.docker.modem.demuxStream(stream, out, err);
    this.ended = new Promise((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', resolve);
    });
  }

  release(): void {
    if (this.withExtensions) this.stream?.write('\n');
  }

  async flush(): Promise<void> {
    const started = Date.now();
    const deadline = started + FLUSH_LIMIT_MS;
    while (Date.now() < deadline && Date.now() - Math.max(started, this.lastData) < QUIET_MS)
      await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
  }

  drained(): Promise<void> {
    return Promise.race([
      this.ended,
      new Promise<void>((resolve) => setTimeout(resolve, DRAIN_LIMIT_MS).unref()),
    ]);
  }

  async close(): Promise<void> {
    (this.stream as unknown as { destroy?: () => void } | undefined)?.destroy?.();
  }

  /** A writable into `target` that notes when data last came. */
  private counting(target: PassThrough): Writable {
    return {
      write: (chunk: Buffer) => {
        this.lastData = Date.now();
        return target.write(chunk);
      },
    } as unknown as Writable;
  }
}

/** How long the attach stream must be quiet before an invocation's output counts as complete. */
const QUIET_MS = 5;
const FLUSH_LIMIT_MS = 100;
/** An exited runtime's last output, which the engine sends before it closes the stream. */
const DRAIN_LIMIT_MS = 1000;
