import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { containersOf, containersOfFunction, waitFor } from '../helpers/containers.js';
import { deploy, invoke } from '../helpers/functions.js';
import { executorsUnderTest } from '../helpers/executors.js';
import { lambdaClient, startTestServer, type TestServer } from '../helpers/server.js';

const CLI = path.resolve('src/cli.ts');
const docker = executorsUnderTest().find((e) => e.name === 'docker')!;

const SLEEPY = `let n = 0;
exports.handler = async (e) => {
  n++;
  if (e.sleep) await new Promise((r) => setTimeout(r, e.sleep));
  return { n, uid: process.getuid(), tmp: require('fs').readdirSync('/tmp') };
};`;

describe('docker executor', { skip: docker.skip }, () => {
  let server: TestServer;
  let client: LambdaClient;
  before(async () => {
    server = await startTestServer({ inMemory: true, executor: 'docker' });
    client = lambdaClient(server.url);
  });
  after(() => server?.close());

  it('runs each environment in one labelled container: MemorySize, sbx_user1051, read-only /var/task', async () => {
    await deploy(
      client,
      'shape',
      {
        'index.js': `exports.handler = async () => {
          let write;
          try { require('fs').writeFileSync('/var/task/x', '1'); write = 'ok'; } catch (e) { write = e.code; }
          return { uid: process.getuid(), gid: process.getgid(), write, cwd: process.cwd() };
        };`,
      },
      { MemorySize: 256 },
    );
    assert.deepEqual((await invoke(client, 'shape')).json, {
      uid: 993,
      gid: 990,
      write: 'EROFS',
      cwd: '/var/task',
    });
    await invoke(client, 'shape');
    const [container, ...others] = containersOfFunction('shape');
    assert.ok(container, 'a container for the environment');
    assert.equal(others.length, 0, 'a warm invoke reuses the container');
    const inspect = JSON.parse(
      spawnSync('docker', ['inspect', container.id], { encoding: 'utf8' }).stdout,
    )[0];
    assert.equal(inspect.HostConfig.Memory, 256 * 1048576);
    assert.equal(inspect.HostConfig.MemorySwap, 256 * 1048576, 'no swap');
    assert.equal(inspect.HostConfig.NetworkMode, 'host');
    assert.equal(inspect.Config.Labels['asimov.lambda'], '1');
    assert.match(inspect.Config.Image, /^asimov\/lambda-nodejs:(20-)?local$/);
  });

  it('answers Runtime.ExitError when the container is killed mid-invoke, then serves the next', async () => {
    await deploy(client, 'victim', { 'index.js': SLEEPY });
    assert.equal(((await invoke(client, 'victim', { sleep: 1 })).json as { n: number }).n, 1);
    const pending = invoke(client, 'victim', { sleep: 5000 });
    const [container] = await waitFor('the running container', () => {
      const found = containersOfFunction('victim').filter((c) => c.state === 'running');
      return found.length > 0 ? found : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 300)); // the invoke is in the handler
    assert.equal(spawnSync('docker', ['kill', container!.id]).status, 0);
    const killed = await pending;
    assert.equal(killed.functionError, 'Unhandled');
    const error = killed.json as { errorType: string; errorMessage: string };
    assert.equal(error.errorType, 'Runtime.ExitError');
    assert.match(
      error.errorMessage,
      /^RequestId: [0-9a-f-]{36} Error: Runtime exited with error: signal: killed$/,
    );
    assert.match(killed.log, /Status: error/);
    const next = (await invoke(client, 'victim')).json as { n: number };
    assert.equal(next.n, 1, 'a fresh runtime in the same environment');
  });

  it('makes the container again when it is removed from outside', async () => {
    await deploy(client, 'removed', { 'index.js': SLEEPY });
    await invoke(client, 'removed');
    const pending = invoke(client, 'removed', { sleep: 5000 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const [container] = containersOfFunction('removed');
    assert.equal(spawnSync('docker', ['rm', '-f', container!.id]).status, 0);
    const gone = (await pending).json as { errorType: string };
    assert.equal(gone.errorType, 'Runtime.ExitError');
    assert.equal(((await invoke(client, 'removed')).json as { n: number }).n, 1);
    assert.equal(containersOfFunction('removed').length, 1);
  });

  it('answers InvalidRuntimeException naming the image and the fix when an image cannot be had', async () => {
    const own = await startTestServer({
      inMemory: true,
      executor: 'docker',
      // A registry that refuses at once: the pull fails fast and says so.
      dockerImages: { 'nodejs20.x': '127.0.0.1:9/asimov/none:1' },
    });
    try {
      const ownClient = lambdaClient(own.url);
      await deploy(ownClient, 'imageless', { 'index.js': SLEEPY });
      const res = await fetch(`${own.url}/2015-03-31/functions/imageless/invocations`, {
        method: 'POST',
        body: '{}',
      });
      assert.equal(res.status, 502);
      assert.equal(res.headers.get('x-amzn-errortype'), 'InvalidRuntimeException');
      const { Message } = (await res.json()) as { Message: string };
      assert.match(Message, /the image 127\.0\.0\.1:9\/asimov\/none:1 is not on the Docker engine/);
      assert.match(Message, /npm run images:local/);
      assert.match(Message, /--docker-image RUNTIME=IMAGE/);
    } finally {
      await own.close();
    }
  });

  it('refuses to start with no engine, saying how to start one', async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'unix:///nonexistent/docker.sock';
    try {
      await assert.rejects(startTestServer({ inMemory: true, executor: 'docker' }), {
        message:
          /no Docker engine answers at unix:\/\/\/nonexistent\/docker\.sock .*start-dockerd\.sh/,
      });
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });

  it('leaves no labelled container after shutdown', async () => {
    const own = await startTestServer({ inMemory: true, executor: 'docker' });
    const ownClient = lambdaClient(own.url);
    await deploy(ownClient, 'a', { 'index.js': SLEEPY });
    await Promise.all([invoke(ownClient, 'a', { sleep: 300 }), invoke(ownClient, 'a')]);
    assert.equal(containersOf(process.pid).filter((c) => c.name.startsWith('asimov-a-')).length, 2);
    const before = containersOf(process.pid).length;
    await own.close();
    assert.equal(containersOf(process.pid).length, before - 2);
  });

  it('removes the containers of a server killed with SIGKILL when a server starts again', async (t) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CLI, 'serve', '--port', '0', '--in-memory', '--executor', 'docker'],
      { env: { ...process.env, ASIMOV_HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    // A failed assertion before the kill must not leave the server running: this file would never end.
    t.after(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const url = await waitFor(
      'the server to listen',
      () => /listening on (http:\/\/\S+)/.exec(out)?.[1],
      30_000,
    );
    const childClient = lambdaClient(url);
    await deploy(childClient, 'orphan', { 'index.js': SLEEPY });
    await Promise.all([
      invoke(childClient, 'orphan', { sleep: 200 }),
      invoke(childClient, 'orphan'),
    ]);
    assert.equal(containersOf(child.pid!).length, 2);
    child.kill('SIGKILL');
    await once(child, 'exit');
    assert.equal(containersOf(child.pid!).length, 2, 'a killed server cannot clean up');
    const next = await startTestServer({ inMemory: true, executor: 'docker' });
    try {
      assert.deepEqual(containersOf(child.pid!), [], 'the next server removed them at start');
    } finally {
      await next.close();
    }
  });
});
