import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const CLI = path.resolve('src/cli.ts');
export const FIXTURE = path.resolve('test/fixtures/sam-app');

/** A copy of the sam-app fixture that a test may edit, readable by the functions' user. */
export async function copyFixture(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'asimov-sam-app-'));
  await fs.cp(FIXTURE, dir, { recursive: true });
  await fs.chmod(dir, 0o755);
  return dir;
}

/**
 * The fixture's Python function says python3.12; where this machine has no python3.12 (a fresh
 * CI machine has Debian's python3), the server is told which interpreter serves it.
 */
export function pythonFlags(): string[] {
  try {
    execFileSync('python3.12', ['-c', 'pass'], { stdio: 'ignore' });
    return [];
  } catch {
    return ['--interpreter', 'python3.12=python3'];
  }
}

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  /** Everything printed so far on stdout and stderr. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Runs the real `asimov serve` CLI with the given arguments and waits until it printed `ready`
 * (the template's Invoke hint by default); rejects with its output if it exits first.
 */
export async function serveCli(args: string[], ready = /^Invoke: /m): Promise<ServeProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CLI, 'serve', '--port', '0', '--in-memory', ...args],
    { env: { ...process.env, ASIMOV_HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = once(child, 'exit');
  const deadline = Date.now() + 30_000;
  while (!ready.test(out)) {
    if (child.exitCode !== null) throw new Error(`asimov serve exited ${child.exitCode}:\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`asimov serve did not get ready:\n${out}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const url = /listening on (http:\/\/\S+)/.exec(out)?.[1] as string;
  return {
    child,
    url,
    output: () => out,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/** Runs `asimov serve` expecting it to fail at start; returns its exit code and output. */
export async function serveCliFailure(args: string[]): Promise<{ code: number; output: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CLI, 'serve', '--port', '0', '--in-memory', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const [code] = (await once(child, 'exit')) as [number];
  clearTimeout(timer);
  return { code, output: out };
}
