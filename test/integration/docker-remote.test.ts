import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { PublishLayerVersionCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { serverIdentity } from '../../src/executors/docker/engine.js';
import { deploy, invoke } from '../helpers/functions.js';
import { engineRelay } from '../helpers/engine-relay.js';
import { executorsUnderTest } from '../helpers/executors.js';
import { lambdaClient, startTestServer, type TestServer } from '../helpers/server.js';
import { buildZip } from '../helpers/zip-builder.js';

/**
 * A remote engine (issue #6): the server reaches the engine over TCP only — here through a relay
 * to this machine's engine socket, so the engine is real but nothing tells the server it shares
 * the filesystem. Code and layers must be copied in (putArchive), output read from the attach
 * stream, and extensions gated through stdin.
 */
const docker = executorsUnderTest().find((e) => e.name === 'docker')!;

/** This test process's containers (the server runs in it), with what `docker inspect` says of them. */
function ourContainers(): { Name: string; Mounts: unknown[] }[] {
  const ids = spawnSync(
    'docker',
    ['ps', '-aq', '--filter', `label=asimov.lambda.server=${serverIdentity()}`],
    { encoding: 'utf8' },
  )
    .stdout.split('\n')
    .filter(Boolean);
  if (ids.length === 0) return [];
  return JSON.parse(spawnSync('docker', ['inspect', ...ids], { encoding: 'utf8' }).stdout);
}

const NODE_HANDLER = `const fs = require('fs');
const greeting = require('greeting');
exports.handler = async (event) => {
  console.log('line ' + event.n);
  console.error('err ' + event.n);
  let write;
  try { fs.writeFileSync('/var/task/x', 'x'); write = 'written'; } catch (e) { write = e.code; }
  if (event.sleep) await new Promise((r) => setTimeout(r, event.sleep));
  return { n: event.n, greeting: greeting(), write, uid: process.getuid() };
};`;

const SH_EXTENSION = `#!/bin/sh
api="http://$AWS_LAMBDA_RUNTIME_API/2020-01-01/extension"
[ "$EXT_MODE" = crash ] && { echo "sh-ext crashing"; exit 4; }
id=$(curl -s -D - -o /dev/null -X POST "$api/register" -H 'Lambda-Extension-Name: sh-ext' \\
  -d '{"events":["INVOKE"]}' | tr -d '\\r' | sed -n 's/^[Ll]ambda-[Ee]xtension-[Ii]dentifier: //p')
echo "sh-ext registered"
while :; do
  curl -s -o /dev/null "$api/event/next" -H "Lambda-Extension-Identifier: $id" || exit 1
done
`;

describe(
  'docker executor with a remote engine (copies, attach stream)',
  { skip: docker.skip },
  () => {
    let relay: Awaited<ReturnType<typeof engineRelay>>;
    let server: TestServer;
    let client: LambdaClient;
    let layer: string;
    let extension: string;
    before(async () => {
      relay = await engineRelay();
      server = await startTestServer({ inMemory: true, executor: 'docker', dockerHost: relay.url });
      client = lambdaClient(server.url);
      const publish = async (name: string, files: Parameters<typeof buildZip>[0]) =>
        (
          await client.send(
            new PublishLayerVersionCommand({
              LayerName: name,
              Content: { ZipFile: buildZip(files) },
            }),
          )
        ).LayerVersionArn!;
      layer = await publish('greeting', {
        'nodejs/node_modules/greeting/index.js': "module.exports = () => 'hello from /opt';",
      });
      extension = await publish('sh-ext', [
        { name: 'extensions/sh-ext', content: SH_EXTENSION, mode: 0o755 },
      ]);
    });
    after(async () => {
      await server?.close();
      await relay?.close();
    });

    it('copies code and layers in (no bind mount), read-only to the function', async () => {
      await deploy(client, 'remote-node', { 'index.js': NODE_HANDLER }, { Layers: [layer] });
      const out = await invoke(client, 'remote-node', { n: 1 });
      assert.equal(out.functionError, undefined, out.text);
      assert.deepEqual(out.json, { n: 1, greeting: 'hello from /opt', write: 'EACCES', uid: 993 });
      const [container] = ourContainers().filter((c) => c.Name.startsWith('/asimov-remote-node-'));
      assert.ok(container, 'the function runs in a container of this server');
      assert.deepEqual(container.Mounts, []);
    });

    it("keeps each invocation's output in its own Tail, stdout and stderr", async () => {
      for (let n = 2; n <= 21; n++) {
        const out = await invoke(client, 'remote-node', { n });
        assert.match(out.log, new RegExp(`\\tINFO\\tline ${n}\\n`), out.log);
        assert.match(out.log, new RegExp(`\\tERROR\\terr ${n}\\n`), out.log);
        assert.doesNotMatch(out.log, new RegExp(`line ${n - 1}\\n`));
      }
    });

    it('runs Python, and recovers after a timeout', async () => {
      await deploy(
        client,
        'remote-py',
        {
          'app.py':
            'import time\ndef handler(event, context):\n    print("py", event["n"])\n    time.sleep(event.get("sleep", 0))\n    return {"n": event["n"]}\n',
        },
        { Runtime: 'python3.11', Handler: 'app.handler', Timeout: 1 },
      );
      const first = await invoke(client, 'remote-py', { n: 1 });
      assert.deepEqual(first.json, { n: 1 });
      assert.match(first.log, /py 1\n/);
      const timedOut = await invoke(client, 'remote-py', { n: 2, sleep: 3 });
      assert.equal((timedOut.json as { errorType: string }).errorType, 'Sandbox.Timedout');
      const after = await invoke(client, 'remote-py', { n: 3 });
      assert.deepEqual(after.json, { n: 3 });
      assert.match(after.log, /Init Duration/);
    });

    it('starts external extensions through the attached stdin, and hears their output', async () => {
      await deploy(
        client,
        'remote-ext',
        { 'index.js': NODE_HANDLER },
        { Layers: [layer, extension] },
      );
      const first = await invoke(client, 'remote-ext', { n: 1 });
      assert.equal(first.functionError, undefined, first.text);
      assert.match(first.log, /sh-ext registered\n/);
      assert.match(first.log, /EXTENSION\tName: sh-ext\tState: Ready\tEvents: \[INVOKE\]/);
      assert.match(first.log, /\tINFO\tline 1\n/);
      const second = await invoke(client, 'remote-ext', { n: 2 });
      assert.deepEqual(second.json, {
        n: 2,
        greeting: 'hello from /opt',
        write: 'EACCES',
        uid: 993,
      });

      await deploy(
        client,
        'remote-ext-crash',
        { 'index.js': NODE_HANDLER },
        { Layers: [layer, extension], Environment: { Variables: { EXT_MODE: 'crash' } } },
      );
      const crashed = await invoke(client, 'remote-ext-crash', { n: 1 });
      const error = crashed.json as { errorType: string; errorMessage: string };
      assert.equal(error.errorType, 'Extension.Crash');
      assert.match(error.errorMessage, /Error: exit status 4$/);
    });

    it('leaves no container after shutdown', async () => {
      assert.ok(ourContainers().length > 0);
      await server.close();
      assert.deepEqual(
        ourContainers().map((c) => c.Name),
        [],
      );
    });
  },
);
