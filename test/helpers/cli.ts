import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { awsEnv, type Caller } from './server.js';

const run = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `aws` CLI against the test server; never throws on a non-zero exit. */
export async function aws(url: string, args: string[], caller?: Caller): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(
      'aws',
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
  const { stdout } = await run('python3', ['-c', prelude + script], {
    env: awsEnv(caller),
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}
