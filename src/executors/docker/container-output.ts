import { execFile } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { PassThrough } from 'node:stream';
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
 * the engine's attach stream, made before each start (hijacked, so that the server can write to
 * the container's stdin too). With extensions, the entry point puts the function's stdout and
 * stderr together on stdout and the launcher's channel on stderr.
 *
 * The attach stream travels through the engine, so it lags the runtime's answer to the Runtime
 * API. The entry point (container-spec.ts ATTACHED_ENTRY) keeps a small reader of stdin beside
 * the runtime: `flush N` makes it print a marker on stdout and stderr, the same pipes the
 * runtime prints to, so once both markers are back everything the runtime printed before it
 * answered has arrived; `release` opens the launcher's gate.
 */
export class AttachedOutput implements ContainerOutput {
  private stream: NodeJS.ReadWriteStream | undefined;
  private ended: Promise<void> = Promise.resolve();
  private open = false;
  private sent = 0;
  private readonly filters: MarkerFilter[] = [];
  private waiter: (() => void) | undefined;

  constructor(
    private readonly docker: Docker,
    private readonly withExtensions: boolean,
  ) {}

  async connect(containerId: string, streams: RuntimeStreams): Promise<void> {
    const stream = await this.docker.getContainer(containerId).attach({
      stream: true,
      stdin: true,
      stdout: true,
      stderr: true,
      hijack: true,
    });
    // Each flush is a small write waiting for a small answer: Nagle's algorithm would hold it
    // until the engine's delayed acknowledgement (40 ms) on a TCP engine.
    (stream as unknown as Partial<net.Socket>).setNoDelay?.(true);
    this.stream = stream;
    this.open = true;
    this.sent = 0;
    const err = this.withExtensions && streams.extensions ? streams.extensions : streams.stderr;
    this.filters.length = 0;
    this.filters.push(this.filter(streams.stdout), this.filter(err));
    // demuxStream only calls write().
    const [out, errOut] = this.filters as unknown as [NodeJS.WritableStream, NodeJS.WritableStream];
    this.docker.modem.demuxStream(stream, out, errOut);
    this.ended = new Promise((resolve) => {
      const done = () => {
        this.open = false;
        this.waiter?.();
        resolve();
      };
      stream.on('end', done);
      stream.on('close', done);
      stream.on('error', done);
    });
  }

  release(): void {
    if (this.withExtensions) this.send('release');
  }

  /** Resolves when both markers are back, the stream has ended, or the engine is too slow. */
  async flush(): Promise<void> {
    if (!this.open) return;
    const n = ++this.sent;
    this.send(`flush ${n}`);
    const deadline = Date.now() + FLUSH_LIMIT_MS;
    while (this.open && this.filters.some((f) => f.seen < n) && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.waiter = undefined;
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

  private send(line: string): void {
    if (this.open) this.stream?.write(`${line}\n`);
  }

  private filter(target: PassThrough): MarkerFilter {
    return new MarkerFilter(target, () => this.waiter?.());
  }
}

/** What the entry point's reader prints for `flush N`. */
const MARKER = '\x1eflushed ';

/**
 * Passes a stream's data on without the flush markers, noting the highest one seen. A marker is
 * one small write, so it arrives whole unless a read of the engine split it: a trailing piece
 * that may be a marker's start waits for the next chunk.
 */
export class MarkerFilter {
  seen = 0;
  private carry = '';

  constructor(
    private readonly target: PassThrough,
    private readonly onMarker: () => void,
  ) {}

  write(chunk: Buffer): boolean {
    let text = this.carry + chunk.toString('latin1');
    this.carry = '';
    let found = false;
    for (;;) {
      const at = text.indexOf(MARKER);
      if (at === -1) break;
      const end = text.indexOf('\n', at);
      if (end === -1) break;
      this.seen = Math.max(this.seen, Number(text.slice(at + MARKER.length, end)));
      text = text.slice(0, at) + text.slice(end + 1);
      found = true;
    }
    const start = text.lastIndexOf('\x1e');
    if (
      start !== -1 &&
      !text.includes('\n', start) &&
      MARKER.startsWith(text.slice(start, start + MARKER.length))
    ) {
      this.carry = text.slice(start);
      text = text.slice(0, start);
    }
    if (text) this.target.write(Buffer.from(text, 'latin1'));
    if (found) this.onMarker();
    return true;
  }
}

/** Past this, an invocation's log closes without the markers (an engine too slow to answer). */
const FLUSH_LIMIT_MS = 1000;
/** An exited runtime's last output, which the engine sends before it closes the stream. */
const DRAIN_LIMIT_MS = 1000;
