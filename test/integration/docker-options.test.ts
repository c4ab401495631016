import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PublishLayerVersionCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { containersOfFunction, waitFor } from '../helpers/containers.js';
import { deploy, invoke } from '../helpers/functions.js';
import { executorsUnderTest } from '../helpers/executors.js';
import { lambdaClient, startTestServer, type TestServer } from '../helpers/server.js';
import { buildZip } from '../helpers/zip-builder.js';

/**
 * The docker executor's options (issue #6): containers on a network of their own reach the
 * Runtime API through the callback host, and one function can run on another executor than the
 * rest. Apart from docker-executor.test.ts, which kills containers and runs alone.
 */
const docker = executorsUnderTest().find((e) => e.name === 'docker')!;

/** An extension that writes the Telemetry API's batches it receives to /tmp/telemetry.log. */
const TELEMETRY_EXTENSION = `#!/usr/bin/env node
const http = require('node:http');
const fs = require('node:fs');
const api = 'http://' + process.env.AWS_LAMBDA_RUNTIME_API;
(async () => {
  const listener = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      fs.appendFileSync('/tmp/telemetry.log', body + '\\n');
      res.end();
    });
  });
  await new Promise((r) => listener.listen(4243, 'sandbox.localdomain', r));
  const reg = await fetch(api + '/2020-01-01/extension/register', {
    method: 'POST',
    headers: { 'Lambda-Extension-Name': 'tele' },
    body: JSON.stringify({ events: ['INVOKE'] }),
  });
  const id = reg.headers.get('lambda-extension-identifier');
  await fetch(api + '/2022-07-01/telemetry', {
    method: 'PUT',
    headers: { 'Lambda-Extension-Identifier': id },
    body: JSON.stringify({
      schemaVersion: '2022-12-13',
      types: ['platform'],
      buffering: { timeoutMs: 25 },
      destination: { protocol: 'HTTP', URI: 'http://sandbox.localdomain:4243' },
    }),
  });
  for (;;) await fetch(api + '/2020-01-01/extension/event/next', { headers: { 'Lambda-Extension-Identifier': id } });
})();
`;

const REPORTING = `const fs = require('fs');
exports.handler = async () => {
  let telemetry = '';
  try { telemetry = fs.readFileSync('/tmp/telemetry.log', 'utf8'); } catch {}
  return { runtimeApi: process.env.AWS_LAMBDA_RUNTIME_API, hostname: require('os').hostname(), telemetry };
};`;

describe('docker executor on a network of its own (bridge)', { skip: docker.skip }, () => {
  let server: TestServer;
  let client: LambdaClient;
  before(async () => {
    server = await startTestServer({ inMemory: true, executor: 'docker', dockerNetwork: 'bridge' });
    client = lambdaClient(server.url);
  });
  after(() => server?.close());

  it('reaches the Runtime API through host.docker.internal, and telemetry reaches sandbox.localdomain', async () => {
    const layer = await client.send(
      new PublishLayerVersionCommand({
        LayerName: 'tele',
        Content: {
          ZipFile: buildZip([
            { name: 'extensions/tele', content: TELEMETRY_EXTENSION, mode: 0o755 },
          ]),
        },
      }),
    );
    await deploy(
      client,
      'bridged',
      { 'index.js': REPORTING },
      { Layers: [layer.LayerVersionArn!] },
    );
    const first = await invoke(client, 'bridged');
    assert.equal(first.functionError, undefined, first.text);
    const body = first.json as { runtimeApi: string; hostname: string };
    assert.match(body.runtimeApi, /^host\.docker\.internal:\d+$/);
    assert.equal(body.hostname, 'sandbox');
    const telemetry = await waitFor('platform.report delivered into the container', async () => {
      const out = (await invoke(client, 'bridged')).json as { telemetry: string };
      return out.telemetry.includes('platform.report') ? out.telemetry : undefined;
    });
    assert.match(telemetry, /"type":"platform.start"/);
  });
});

const WHERE = `exports.handler = async () => ({
  container: require('fs').existsSync('/.dockerenv'),
  uid: process.getuid(),
});`;

describe('the executor chosen per function (--function-executor)', { skip: docker.skip }, () => {
  it('runs the named function in a container and the others in the sandbox, and the reverse', async () => {
    for (const [main, other] of [
      ['process', 'docker'],
      ['docker', 'process'],
    ] as const) {
      const server = await startTestServer({
        inMemory: true,
        executor: main,
        functionExecutors: { [`on-${other}`]: other },
      });
      try {
        const c = lambdaClient(server.url);
        for (const name of [`on-${other}`, `on-${main}`]) {
          await deploy(c, name, { 'index.js': WHERE });
          const out = await invoke(c, name);
          assert.equal(out.functionError, undefined, out.text);
          assert.deepEqual(out.json, { container: name === 'on-docker', uid: 993 }, name);
        }
        assert.equal(containersOfFunction('on-docker').length, 1);
        assert.equal(containersOfFunction('on-process').length, 0);
      } finally {
        await server.close();
      }
    }
  });

  it('refuses to start when a function is sent to an engine that does not answer', async () => {
    await assert.rejects(
      startTestServer({
        inMemory: true,
        functionExecutors: { legacy: 'docker' },
        dockerHost: 'tcp://127.0.0.1:1',
      }),
      /--function-executor legacy=docker: no Docker engine answers at tcp:\/\/127\.0\.0\.1:1 .*Start one/,
    );
  });
});
