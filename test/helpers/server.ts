import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { loadConfig, type ConfigInput } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/server.js';

export interface Caller {
  account: string;
  region: string;
}

export const DEFAULT_CALLER: Caller = { account: '000000000000', region: 'us-east-1' };

/** A real server on an ephemeral loopback port, quiet, with its own data dir unless given one. */
export async function startTestServer(
  overrides: ConfigInput = {},
): Promise<RunningServer & { dataDir: string }> {
  const dataDir = overrides.dataDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'asimov-test-')));
  const server = await startServer(
    loadConfig({ port: 0, quiet: true, printFunctionLogs: false, dataDir, ...overrides }),
  );
  return { ...server, dataDir, url: server.url, close: server.close };
}

/** A real SDK client signing as `caller`: a 12-digit access key id names the account. */
export function lambdaClient(url: string, caller: Caller = DEFAULT_CALLER): LambdaClient {
  return new LambdaClient({
    endpoint: url,
    region: caller.region,
    credentials: { accessKeyId: caller.account, secretAccessKey: 'test-secret' },
    maxAttempts: 1,
  });
}

export const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';

/** Environment for the aws CLI and boto3 subprocesses, signing as `caller`. */
export function awsEnv(caller: Caller = DEFAULT_CALLER): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AWS_ACCESS_KEY_ID: caller.account,
    AWS_SECRET_ACCESS_KEY: 'test-secret',
    AWS_DEFAULT_REGION: caller.region,
    AWS_REGION: caller.region,
    AWS_PAGER: '',
    AWS_MAX_ATTEMPTS: '1',
    AWS_RETRY_MODE: 'standard',
  };
}

export type TestServer = Awaited<ReturnType<typeof startTestServer>>;

/**
 * Starts a server before the enclosing describe block's tests and closes it after them, handing
 * the server and a client signing as `caller` to `ready`.
 */
export function useTestServer(
  overrides: ConfigInput,
  ready: (server: TestServer, client: LambdaClient) => void,
  caller?: Caller,
): void {
  let server: TestServer | undefined;
  before(async () => {
    server = await startTestServer(overrides);
    ready(server, lambdaClient(server.url, caller));
  });
  after(() => server?.close());
}
