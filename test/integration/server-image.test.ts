import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateFunctionCommand, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { deploy, invoke, WAIT } from '../helpers/functions.js';
import { executorsUnderTest } from '../helpers/executors.js';
import { lambdaClient, ROLE } from '../helpers/server.js';

const docker = executorsUnderTest().find((e) => e.name === 'docker')!;
const ROOT = path.resolve(import.meta.dirname, '../..');
const SERVER_IMAGE = 'asimov/lambda:test';
const FUNCTION_IMAGE = 'asimov-test/server-image-fn:1';
const CONTAINER = `asimov-server-test-${process.pid}`;

function run(command: string, args: string[], timeout = 300_000): string {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    timeout,
    env: { ...process.env, DOCKER_BUILDKIT: '0' },
  });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')}: ${result.stderr || String(result.error)}`);
  return result.stdout.trim();
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function answers(url: string, name: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if ((await fetch(`${url}/2015-03-31/functions`)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      throw new Error(`the server container did not answer:\n${logs(name)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Runs the server image with host networking, the host's engine through its socket, and the data
 * dir (code trees, log pipes) at the same path inside and out; answers its URL once it serves.
 */
async function startServerContainer(
  name: string,
  dataDir: string,
  serveArgs: string[],
): Promise<string> {
  const port = await freePort();
  run('docker', [
    'run',
    '-d',
    '--init',
    '--name',
    name,
    '--network',
    'host',
    '-v',
    '/var/run/docker.sock:/var/run/docker.sock',
    '-v',
    `${dataDir}:${dataDir}`,
    '-e',
    `ASIMOV_DATA_DIR=${dataDir}/data`,
    '-e',
    `TMPDIR=${dataDir}/tmp`,
    SERVER_IMAGE,
    'serve',
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    ...serveArgs,
  ]);
  const url = `http://127.0.0.1:${port}`;
  await answers(url, name, 30_000);
  return url;
}

function logs(name = CONTAINER): string {
  const out = spawnSync('docker', ['logs', name], { encoding: 'utf8' });
  return out.stdout + out.stderr;
}

/** Our function containers whose names start with `asimov-<name>-`. */
const functionContainers = (name: string): string[] =>
  run('docker', ['ps', '-a', '--filter', 'label=asimov.lambda=1', '--format', '{{.Names}}'])
    .split('\n')
    .filter((line) => line.startsWith(`asimov-${name}-`));

/**
 * The top-level Dockerfile, built as CI builds it (FROM the local node base, no registry), run
 * with host networking: the process executor inside (--sandbox none: the local base has no
 * bubblewrap, and nested namespaces need --privileged), the host's engine through the mounted
 * socket for Image functions, and the data dir at the same path inside and out.
 */
describe('the server image', { skip: docker.skip }, () => {
  let url: string;
  let dataDir: string;
  // Unique per run: the image function's container is found by its name.
  const imageFunction = `srvimg${process.pid}`;

  before(async () => {
    run('bash', [
      path.join(ROOT, 'scripts/server-image.sh'),
      '--base',
      'asimov/lambda-nodejs:local',
      '--tag',
      SERVER_IMAGE,
    ]);
    const context = fs.mkdtempSync(path.join(os.tmpdir(), 'asimov-fn-image-'));
    fs.writeFileSync(
      path.join(context, 'Dockerfile'),
      'FROM asimov/lambda-nodejs:local\nCOPY index.js /var/task/\nCMD ["index.handler"]\n',
    );
    fs.writeFileSync(
      path.join(context, 'index.js'),
      "exports.handler = async (e) => ({ from: 'image', e });\n",
    );
    run('docker', ['build', '-q', '-t', FUNCTION_IMAGE, context]);
    fs.rmSync(context, { recursive: true, force: true });

    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'asimov-server-image-'));
    url = await startServerContainer(CONTAINER, dataDir, ['--sandbox', 'none']);
  });

  after(() => {
    spawnSync('docker', ['rm', '-f', CONTAINER], { stdio: 'ignore' });
    for (const name of functionContainers(imageFunction))
      spawnSync('docker', ['rm', '-f', name], { stdio: 'ignore' });
    try {
      fs.rmSync(dataDir, { recursive: true, force: true });
    } catch {
      // written by root in the container, and this user is not root: left in the temp dir
    }
  });

  it('serves a zip function created and invoked through the SDK (process executor inside)', async () => {
    const client = lambdaClient(url);
    await deploy(client, 'zipped', {
      'index.js': 'exports.handler = async (e) => ({ sum: e.a + e.b, node: process.version });',
    });
    const result = await invoke(client, 'zipped', { a: 2, b: 3 });
    assert.equal(result.functionError, undefined, result.text);
    assert.equal((result.json as { sum: number }).sum, 5);
    assert.match(result.log, /REPORT RequestId/);
  });

  it("runs an Image function on the host's engine through the mounted socket", async () => {
    const client = lambdaClient(url);
    await client.send(
      new CreateFunctionCommand({
        FunctionName: imageFunction,
        PackageType: 'Image',
        Code: { ImageUri: FUNCTION_IMAGE },
        Role: ROLE,
      }),
    );
    await waitUntilFunctionActiveV2({ client, ...WAIT }, { FunctionName: imageFunction });
    const result = await invoke(client, imageFunction, { n: 1 });
    assert.deepEqual(result.json, { from: 'image', e: { n: 1 } }, `${result.text}\n${logs()}`);
    assert.equal(functionContainers(imageFunction).length, 1);
  });

  it('stops on SIGTERM and leaves no function container behind', async () => {
    run('docker', ['stop', '--time', '20', CONTAINER], 60_000);
    assert.match(logs(), /SIGTERM: stopping/);
    assert.deepEqual(functionContainers(imageFunction), []);
  });
});

describe('the server image with --executor docker', { skip: docker.skip }, () => {
  const name = `${CONTAINER}-docker`;
  let url: string;
  let dataDir: string;

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'asimov-server-image-'));
    url = await startServerContainer(name, dataDir, ['--executor', 'docker']);
  });

  after(() => {
    spawnSync('docker', ['stop', '--time', '20', name], { stdio: 'ignore' });
    spawnSync('docker', ['rm', '-f', name], { stdio: 'ignore' });
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs a zip function in a container on the host engine, its code bound by the same path', async () => {
    const client = lambdaClient(url);
    await deploy(client, 'zipped', {
      'index.js':
        "exports.handler = async () => require('fs').readFileSync('/var/task/data.txt', 'utf8');",
      'data.txt': 'from the data dir',
    });
    const result = await invoke(client, 'zipped');
    assert.equal(result.json, 'from the data dir', `${result.text}\n${logs(name)}`);
  });
});
