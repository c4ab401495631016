import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  CreateFunctionCommand,
  GetFunctionCommand,
  PublishLayerVersionCommand,
  UpdateFunctionCodeCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { invoke, WAIT } from '../helpers/functions.js';
import { ROLE, useTestServer, type TestServer } from '../helpers/server.js';
import { fastestOf, untilNewResult } from '../helpers/hot-reload.js';

const HANDLER = (value: string): string =>
  `exports.handler = async () => ${JSON.stringify(value)};`;

async function folderWith(files: Record<string, string>): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'asimov-hot-'));
  // mkdtemp makes it private; the function runs as another user (993), as on AWS.
  await fs.chmod(dir, 0o755);
  for (const [name, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fs.writeFile(path.join(dir, name), text);
  }
  return dir;
}

describe('hot reload through the hot-reload bucket (LocalStack convention)', () => {
  let server: TestServer;
  let client: LambdaClient;
  useTestServer({ inMemory: true }, (s, c) => {
    server = s;
    client = c;
  });

  it('runs the folder, reports LocalStack hash, and picks up an edit without redeploying', async () => {
    const dir = await folderWith({ 'index.js': HANDLER('v1') });
    const created = await client.send(
      new CreateFunctionCommand({
        FunctionName: 'hot',
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        Role: ROLE,
        Code: { S3Bucket: 'hot-reload', S3Key: dir },
      }),
    );
    assert.equal(created.CodeSha256, 'hot-reloading-hash-not-available');
    assert.equal(created.CodeSize, 0);
    await waitUntilFunctionActiveV2({ client, ...WAIT }, { FunctionName: 'hot' });
    const got = await client.send(new GetFunctionCommand({ FunctionName: 'hot' }));
    assert.equal(got.Configuration?.CodeSha256, 'hot-reloading-hash-not-available');
    assert.equal(
      (got.Configuration as Record<string, unknown>).hotReloadFolder,
      undefined,
      'the folder is ours, not a field of the API',
    );
    assert.equal((await invoke(client, 'hot')).json, 'v1');
    assert.equal((await invoke(client, 'hot')).json, 'v1', 'warm');
    assert.equal(server.workers.environmentCount(), 1);

    const { best, all } = await fastestOf(3, (i) =>
      untilNewResult(
        () => fs.writeFile(path.join(dir, 'index.js'), HANDLER(`v${i + 2}`)),
        async () => (await invoke(client, 'hot')).json,
        `v${i + 2}`,
      ),
    );
    assert.ok(best < 300, `new code ran ${all.join(', ')} ms after the writes`);
  });

  it('a new file in a subfolder counts as an edit', async () => {
    const dir = await folderWith({
      'index.js': 'exports.handler = async () => require("./lib/value.js");',
      'lib/value.js': 'module.exports = 1;',
    });
    await client.send(
      new CreateFunctionCommand({
        FunctionName: 'hot-nested',
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        Role: ROLE,
        Code: { S3Bucket: 'hot-reload', S3Key: dir },
      }),
    );
    await waitUntilFunctionActiveV2({ client, ...WAIT }, { FunctionName: 'hot-nested' });
    assert.equal((await invoke(client, 'hot-nested')).json, 1);
    const { best, all } = await fastestOf(3, (i) =>
      untilNewResult(
        () => fs.writeFile(path.join(dir, `lib/value.js`), `module.exports = ${i + 2};`),
        async () => (await invoke(client, 'hot-nested')).json,
        i + 2,
      ),
    );
    assert.ok(best < 300, `${all.join(', ')} ms`);
  });

  it('UpdateFunctionCode moves a function to and from a folder', async () => {
    const dir = await folderWith({ 'index.js': HANDLER('from folder') });
    const other = await folderWith({ 'index.js': HANDLER('other folder') });
    await client.send(
      new CreateFunctionCommand({
        FunctionName: 'hot-moved',
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        Role: ROLE,
        Code: { S3Bucket: 'hot-reload', S3Key: dir },
      }),
    );
    await waitUntilFunctionActiveV2({ client, ...WAIT }, { FunctionName: 'hot-moved' });
    assert.equal((await invoke(client, 'hot-moved')).json, 'from folder');
    await client.send(
      new UpdateFunctionCodeCommand({
        FunctionName: 'hot-moved',
        S3Bucket: 'hot-reload',
        S3Key: other,
      }),
    );
    await waitUntilFunctionUpdatedV2({ client, ...WAIT }, { FunctionName: 'hot-moved' });
    assert.equal((await invoke(client, 'hot-moved')).json, 'other folder');
  });

  it('refuses a relative key and a missing folder', async () => {
    for (const [key, message] of [
      ['relative/path', /absolute local folder/],
      ['/no/such/folder/here', /does not exist/],
    ] as const) {
      await assert.rejects(
        client.send(
          new CreateFunctionCommand({
            FunctionName: 'hot-bad',
            Runtime: 'nodejs20.x',
            Handler: 'index.handler',
            Role: ROLE,
            Code: { S3Bucket: 'hot-reload', S3Key: key },
          }),
        ),
        (err: Error) => err.name === 'InvalidParameterValueException' && message.test(err.message),
      );
    }
  });

  it('other buckets still answer as a missing bucket does on AWS', async () => {
    await assert.rejects(
      client.send(
        new CreateFunctionCommand({
          FunctionName: 'hot-s3',
          Runtime: 'nodejs20.x',
          Handler: 'index.handler',
          Role: ROLE,
          Code: { S3Bucket: 'my-bucket', S3Key: 'code.zip' },
        }),
      ),
      /NoSuchBucket/,
    );
  });

  it('a hot-reload layer is /opt, and an edit to it reaches the function', async () => {
    const layerDir = await folderWith({
      'nodejs/node_modules/greeting/index.js': 'module.exports = "hello";',
    });
    const layer = await client.send(
      new PublishLayerVersionCommand({
        LayerName: 'hot-layer',
        Content: { S3Bucket: 'hot-reload', S3Key: layerDir },
      }),
    );
    assert.equal(layer.Content?.CodeSha256, 'hot-reloading-hash-not-available');
    const dir = await folderWith({
      'index.js': 'exports.handler = async () => require("greeting");',
    });
    await client.send(
      new CreateFunctionCommand({
        FunctionName: 'hot-layered',
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        Role: ROLE,
        Code: { S3Bucket: 'hot-reload', S3Key: dir },
        Layers: [layer.LayerVersionArn as string],
      }),
    );
    await waitUntilFunctionActiveV2({ client, ...WAIT }, { FunctionName: 'hot-layered' });
    assert.equal((await invoke(client, 'hot-layered')).json, 'hello');
    const { best, all } = await fastestOf(3, (i) =>
      untilNewResult(
        () =>
          fs.writeFile(
            path.join(layerDir, 'nodejs/node_modules/greeting/index.js'),
            `module.exports = "bonjour ${i}";`,
          ),
        async () => (await invoke(client, 'hot-layered')).json,
        `bonjour ${i}`,
      ),
    );
    assert.ok(best < 300, `${all.join(', ')} ms`);
  });
});
