import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';

export { freePort } from './ports.js';

export interface InspectorTarget {
  id: string;
  type: string;
  webSocketDebuggerUrl: string;
}

/** Waits until a Node.js inspector answers /json/list on `port`, and returns its targets. */
export async function inspectorTargets(port: number, ms = 20_000): Promise<InspectorTarget[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/json/list`);
      return (await response.json()) as InspectorTarget[];
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`no inspector on port ${port}: ${String(err)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * Attaches a Chrome DevTools Protocol client, as an IDE does: connects to the target's
 * WebSocket and sends Runtime.runIfWaitingForDebugger. The client is a separate node (this one
 * has no WebSocket without a flag) that stays attached until closed.
 *
 * The inspector listens from the runtime's start (NODE_OPTIONS=--inspect), a moment before our
 * bootstrap starts waiting; a request that arrives in that moment releases nothing, and the runtime
 * would wait for ever (a loaded host widens the moment). So the client also releases the runtime
 * when it says that it waits (NodeRuntime.waitingForDebugger).
 */
export async function attachInspector(port: number): Promise<{ close(): Promise<void> }> {
  const [target] = await inspectorTargets(port);
  if (!target) throw new Error(`inspector on ${port} lists no target`);
  const script = `
    const ws = new WebSocket(process.argv[1]);
    const release = (id) => ws.send(JSON.stringify({ id, method: 'Runtime.runIfWaitingForDebugger' }));
    ws.onopen = () => {
      ws.send(JSON.stringify({ id: 1, method: 'Runtime.enable' }));
      ws.send(JSON.stringify({ id: 2, method: 'NodeRuntime.enable' }));
      release(3);
    };
    ws.onmessage = (m) => {
      const message = JSON.parse(m.data);
      if (message.id === 3) console.log('attached');
      if (message.method === 'NodeRuntime.waitingForDebugger') release(4);
    };
    ws.onerror = (e) => { console.error(String(e.message ?? e)); process.exit(1); };`;
  const child = spawn(
    process.execPath,
    ['--experimental-websocket', '--no-warnings', '-e', script, target.webSocketDebuggerUrl],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await untilPrinted(child, 'attached');
  return { close: () => stop(child) };
}

/**
 * Attaches a Debug Adapter Protocol client to debugpy as VS Code does (initialize, attach,
 * configurationDone), which releases debugpy.wait_for_client(). Stays attached until closed.
 */
export async function attachDebugpy(
  port: number,
  ms = 20_000,
): Promise<{ close(): Promise<void> }> {
  const socket = await connectWithRetry(port, ms);
  let seq = 0;
  const send = (command: string, args: object) => {
    const body = JSON.stringify({ seq: ++seq, type: 'request', command, arguments: args });
    socket.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  };
  let buffered = '';
  const initialized = new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      if (buffered.includes('"event": "initialized"') || buffered.includes('"event":"initialized"'))
        resolve();
    });
    socket.on('error', reject);
    setTimeout(() => reject(new Error(`debugpy sent no 'initialized': ${buffered}`)), ms);
  });
  send('initialize', { clientID: 'asimov-test', adapterID: 'debugpy', pathFormat: 'path' });
  send('attach', { justMyCode: true });
  await initialized;
  send('configurationDone', {});
  return {
    close: async () => {
      send('disconnect', { terminateDebuggee: false });
      socket.end();
    },
  };
}

/**
 * Waits until something listens on `port`, seen in /proc/net/tcp rather than by connecting:
 * debugpy's adapter takes the first connection for the IDE and ends when it goes.
 */
export async function waitForListener(port: number, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  const wanted = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const listening = () =>
    ['/proc/net/tcp', '/proc/net/tcp6'].some((file) => {
      try {
        return fs
          .readFileSync(file, 'utf8')
          .split('\n')
          .some((line) => line.split(/\s+/)[2]?.endsWith(wanted) && line.split(/\s+/)[4] === '0A');
      } catch {
        return false;
      }
    });
  while (!listening()) {
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function connectWithRetry(port: number, ms: number): Promise<net.Socket> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const socket = net.connect(port, '127.0.0.1');
      await once(socket, 'connect');
      return socket;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function untilPrinted(child: ChildProcess, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes(text)) resolve();
    });
    child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`debugger client exited ${code}: ${out}`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const gone = once(child, 'exit');
  child.kill();
  await gone;
}
