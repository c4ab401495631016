import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { deploy, invoke } from '../helpers/functions.js';
import { newMarker, processesWithMarker, waitUntilGone } from '../helpers/processes.js';
import { lambdaClient, startTestServer } from '../helpers/server.js';

const CLI = path.resolve('src/cli.ts');

describe('asimov serve', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`prints where it listens, serves, and stops cleanly on ${signal}`, async (t) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', CLI, 'serve', '--port', '0', '--in-memory'],
        {
          env: { ...process.env, ASIMOV_HOST: '127.0.0.1' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      // A failed assertion must not leave the server running: this file would never end.
      t.after(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      });
      const deadline = Date.now() + 20_000;
      // Until the last of its start lines: each is a write of its own, and may come apart.
      while (!/Point the aws CLI at it: .*\n/.test(out) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1] as string;
      assert.ok(url, out);
      assert.match(out, /aws lambda list-functions --endpoint-url http:\/\/127\.0\.0\.1:\d+/);
      const client = lambdaClient(url);
      const marker = newMarker();
      await deploy(
        client,
        'alive',
        { 'index.js': 'exports.handler = async () => "up";' },
        { Environment: { Variables: marker } },
      );
      assert.equal((await invoke(client, 'alive')).json, 'up');
      assert.equal(processesWithMarker(marker).length, 1);
      assert.deepEqual((await client.send(new ListFunctionsCommand({}))).Functions?.length, 1);
      child.kill(signal);
      const [code] = await once(child, 'exit');
      assert.equal(code, 0);
      assert.deepEqual(
        await waitUntilGone(marker),
        [],
        'the function runtime went with the server',
      );
    });
  }
});

describe('idle execution environments', () => {
  it('are reaped after the keep-alive', async () => {
    const server = await startTestServer({ inMemory: true, keepAliveMs: 300 });
    try {
      const client = lambdaClient(server.url);
      const marker = newMarker();
      await deploy(
        client,
        'idle',
        { 'index.js': 'const id = Math.random(); exports.handler = async () => id;' },
        { Environment: { Variables: marker } },
      );
      const first = (await invoke(client, 'idle')).json as number;
      assert.equal(server.workers.environmentCount(), 1);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      assert.equal(server.workers.environmentCount(), 0);
      assert.deepEqual(processesWithMarker(marker), []);
      assert.notEqual(
        (await invoke(client, 'idle')).json,
        first,
        'the next invoke is a cold start',
      );
    } finally {
      await server.close();
    }
  });
});
