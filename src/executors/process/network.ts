import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import type { Readable } from 'node:stream';

/**
 * An isolated network for one environment that still reaches the Runtime API. A network
 * namespace has only its own loopback, so the runtime's 127.0.0.1:<port> would lead nowhere: a
 * relay in the namespace listens on that address and forwards every connection through a Unix
 * socket (files cross namespaces, sockets do not) to this server, which forwards it to the real
 * Runtime API. The relay is a small Node.js process of the host, outside the environment's
 * cgroup and PID namespace; it lives as long as the environment, and every runtime started in
 * the environment joins its namespace with nsenter. Nothing else is reachable from inside.
 */
export interface BridgeTools {
  kind: 'bwrap' | 'unshare';
  bwrap?: string;
  unshare?: string;
  /** iproute2, to bring up loopback in a namespace unshare made (bwrap does it itself). */
  ip?: string;
  sh: string;
}

/**
 * The relay: `node -e RELAY PORT SOCKET INWARD`. It also listens on INWARD, a Unix socket through
 * which this server reaches a port inside the namespace (an extension's telemetry listener): the
 * first line of such a connection names the port.
 */
const RELAY = `
const net = require('node:net');
const [port, socket, inward] = process.argv.slice(1);
const join = (a, b) => {
  a.pipe(b).pipe(a);
  a.on('error', () => b.destroy());
  b.on('error', () => a.destroy());
};
net.createServer((inside) => join(inside, net.connect(socket)))
  .listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\\n'));
net.createServer((outside) => {
  let head = Buffer.alloc(0);
  const first = (chunk) => {
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf(10);
    if (end === -1) return;
    outside.off('data', first);
    outside.pause();
    const target = net.connect(Number(head.subarray(0, end)), '127.0.0.1');
    target.write(head.subarray(end + 1));
    join(outside, target);
    outside.resume();
  };
  outside.on('data', first);
  outside.on('error', () => outside.destroy());
}).listen(inward);
`;

export class NetworkBridge {
  private constructor(
    private readonly server: net.Server,
    private readonly relay: ChildProcess,
    /** The namespace runtimes join: `nsenter --net=<this>`. */
    readonly netns: string,
    private readonly inward: string,
  ) {}

  /** A connection to 127.0.0.1:`port` inside the namespace, through the relay. */
  connectInside(port: number): net.Socket {
    const socket = net.connect(this.inward);
    socket.write(`${port}\n`);
    return socket;
  }

  /** `runtimeApi` is the host:port the runtime is told (AWS_LAMBDA_RUNTIME_API). */
  static async start(tools: BridgeTools, dir: string, runtimeApi: string): Promise<NetworkBridge> {
    const port = Number(runtimeApi.slice(runtimeApi.lastIndexOf(':') + 1));
    const socket = path.join(dir, 'runtime-api.sock');
    const server = net.createServer((fromRelay) => {
      const api = net.connect(port, '127.0.0.1');
      fromRelay.pipe(api).pipe(fromRelay);
      fromRelay.on('error', () => api.destroy());
      api.on('error', () => fromRelay.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socket, resolve);
    });
    const inward = path.join(dir, 'inward.sock');
    const relayArgs = [process.execPath, '-e', RELAY, String(port), socket, inward];
    const relay =
      tools.kind === 'bwrap'
        ? spawn(
            tools.bwrap!,
            [
              '--unshare-net',
              '--die-with-parent',
              '--dev-bind',
              '/',
              '/',
              '--info-fd',
              '3',
              '--',
              ...relayArgs,
            ],
            { stdio: ['ignore', 'pipe', 'pipe', 'pipe'], detached: true },
          )
        : spawn(
            tools.unshare!,
            [
              '--net',
              '--',
              tools.sh,
              '-c',
              `${tools.ip} link set lo up && exec "$@"`,
              'sh',
              ...relayArgs,
            ],
            { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
          );
    try {
      const pid = tools.kind === 'bwrap' ? await childPid(relay.stdio[3] as Readable) : relay.pid!;
      await ready(relay);
      return new NetworkBridge(server, relay, `/proc/${pid}/ns/net`, inward);
    } catch (err) {
      killGroup(relay);
      server.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    const gone = new Promise((resolve) => {
      if (this.relay.exitCode !== null || this.relay.signalCode !== null) resolve(undefined);
      else this.relay.once('exit', resolve);
    });
    killGroup(this.relay);
    await gone;
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** bwrap's --info-fd: `{ "child-pid": N, … }`, N being the process inside the namespaces. */
function childPid(info: Readable): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = '';
    info.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const pid = /"child-pid":\s*(\d+)/.exec(text)?.[1];
      if (pid) resolve(Number(pid));
    });
    info.on('end', () => reject(new Error('the network relay did not start')));
  });
}

function ready(relay: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let said = '';
    const timer = setTimeout(() => reject(new Error('the network relay did not start')), 10_000);
    relay.stderr!.on('data', (chunk: Buffer) => (said += chunk.toString()));
    relay.stdout!.on('data', (chunk: Buffer) => {
      if (!chunk.toString().includes('ready')) return;
      clearTimeout(timer);
      resolve();
    });
    relay.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`the network relay exited: ${said.trim()}`));
    });
  });
}

function killGroup(child: ChildProcess): void {
  try {
    process.kill(-(child.pid as number), 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}
