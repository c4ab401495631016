import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { awsEnv, type Caller } from './server.js';

const run = promisify(execFile);

/**
 * The program that PATH's `name` runs. Where pyenv manages Python, PATH starts with its shims:
 * bash scripts that work the version out again at every start, which costs ~0.3 s of CPU, and
 * the suites start the aws CLI about a hundred times. The program itself is the same either way.
 */
function unshimmed(name: string): string {
  const pyenv = (...args: string[]) => {
    const out = spawnSync('pyenv', args, { encoding: 'utf8' });
    return out.status === 0 ? out.stdout.trim() : undefined;
  };
  const first = (process.env.PATH ?? '')
    .split(path.delimiter)
    .map((dir) => path.join(dir, name))
    .find((file) => {
      try {
        fs.accessSync(file, fs.constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
  const root = first?.endsWith(`/shims/${name}`) ? pyenv('root') : undefined;
  if (!root || first !== path.join(root, 'shims', name)) return name;
  return pyenv('which', name) ?? name;
}

const AWS = unshimmed('aws');
const PYTHON3 = unshimmed('python3');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `aws` CLI against the test server; never throws on a non-zero exit. */
export async function aws(url: string, args: string[], caller?: Caller): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(
      AWS,
      [...args, '--endpoint-url', url, '--output', 'json'],
      {
        env: awsEnv(caller),
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof e.code === 'number' ? e.code : 1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? '',
    };
  }
}

/** Runs a Python snippet with boto3 against the test server; prints JSON to stdout. */
export async function boto3(url: string, script: string, caller?: Caller): Promise<string> {
  const prelude = `import boto3, json, base64\nclient = boto3.client('lambda', endpoint_url=${JSON.stringify(url)})\n`;
  const { stdout } = await run(PYTHON3, ['-c', prelude + script], {
    env: awsEnv(caller),
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}
