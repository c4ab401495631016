import { fork } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.js';
import { startServer } from '../src/server.js';
import { HttpClient } from './http-client.js';
import type { Plan } from './options.js';

/** What a benchmark talks to: the bare baseline server or a real Asimov Lambda server. */
export type TargetKind = 'bare' | 'asimov';

export interface Target {
  url: string;
  /** Execution environments alive in the server (0 for the bare server). */
  environmentCount(): Promise<number>;
  /**
   * CPU time (user + system, ms) the server process and, apart, its child processes (the
   * runtimes) have used; undefined when in-process.
   */
  cpuMs(): Promise<{ server: number; children?: number } | undefined>;
  close(): Promise<void>;
}

export interface TargetOptions {
  /** Run the server in this process instead of a child process of its own. */
  inProcess: boolean;
  /** Write a V8 CPU profile of the server process into this directory (child process only). */
  cpuProfDir?: string;
}

/** The body the bare server answers with: the same 4 bytes a no-op handler's Invoke returns. */
const BARE_BODY = 'null';

/** Starts a target in this process. */
export async function openTarget(kind: TargetKind): Promise<Target> {
  if (kind === 'asimov') {
    const server = await startServer(
      loadConfig({ port: 0, inMemory: true, quiet: true, printFunctionLogs: false }),
    );
    return {
      url: server.url,
      environmentCount: async () => server.workers.environmentCount(),
      cpuMs: async () => undefined,
      close: () => server.close(),
    };
  }
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 4 });
      res.end(BARE_BODY);
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    environmentCount: async () => 0,
    cpuMs: async () => undefined,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Messages of the child process: `ready` once, then one answer per query. */
interface Reply {
  type: 'ready' | 'envs' | 'cpu';
  url?: string;
  value?: number;
  children?: number;
}

/**
 * Starts a target, by default in a child process of its own: the server then has its own event
 * loop, as it has when deployed, instead of sharing one with the load-generating client.
 */
export async function startTarget(kind: TargetKind, options: TargetOptions): Promise<Target> {
  if (options.inProcess) return openTarget(kind);
  const entry = path.join(path.dirname(fileURLToPath(import.meta.url)), 'target-process.ts');
  const execArgv = ['--import', 'tsx'];
  if (options.cpuProfDir) {
    // One file per thread (tsx's loader runs on a thread of its own), named by pid and thread.
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`);
  }
  const child = fork(entry, [kind], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = (type: Reply['type']): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const onMessage = (message: Reply) => {
        if (message.type !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(message);
      };
      const onExit = (code: number | null) => {
        child.off('message', onMessage);
        reject(new Error(`${kind} server process exited (code ${code}) before '${type}'`));
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const query = async (type: 'envs' | 'cpu'): Promise<Reply> => {
    const reply = next(type);
    child.send({ type });
    return reply;
  };
  const ready = await next('ready');
  return {
    url: ready.url as string,
    environmentCount: async () => (await query('envs')).value as number,
    async cpuMs() {
      const reply = await query('cpu');
      return { server: reply.value as number, children: reply.children };
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send({ type: 'close' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The Asimov server a section measures, started as the plan asks, with a keep-alive client. */
export async function startAsimov(
  plan: Pick<Plan, 'inProcess' | 'cpuProfDir'>,
): Promise<{ target: Target; client: HttpClient }> {
  const target = await startTarget('asimov', {
    inProcess: plan.inProcess,
    cpuProfDir: plan.cpuProfDir,
  });
  return { target, client: new HttpClient(target.url) };
}
