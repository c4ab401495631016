import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateFunctionCommand } from '@aws-sdk/client-lambda';
import { aws } from '../helpers/cli.js';
import { buildZip } from '../helpers/zip-builder.js';
import { lambdaClient, ROLE, startTestServer, type Caller } from '../helpers/server.js';

describe('function control plane through the aws CLI', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let dir: string;
  before(async () => {
    server = await startTestServer({ inMemory: true });
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'asimov-cli-'));
    await fs.writeFile(
      path.join(dir, 'v1.zip'),
      buildZip({ 'index.js': 'exports.handler = async () => 1;' }),
    );
    await fs.writeFile(
      path.join(dir, 'v2.zip'),
      buildZip({ 'index.js': 'exports.handler = async () => 2;' }),
    );
  });
  after(async () => {
    await server.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const callers: Caller[] = [
    { account: '444444444444', region: 'us-west-2' },
    { account: '555555555555', region: 'ap-southeast-1' },
  ];

  for (const caller of callers) {
    it(`creates, gets, updates, waits and deletes as ${caller.account} in ${caller.region}`, async () => {
      const json = async (args: string[]) => {
        const result = await aws(server.url, ['lambda', ...args], caller);
        assert.equal(result.code, 0, result.stderr);
        return result.stdout ? JSON.parse(result.stdout) : undefined;
      };
      const created = await json([
        'create-function',
        '--function-name',
        'cli-fn',
        '--runtime',
        'python3.11',
        '--handler',
        'app.handler',
        '--role',
        ROLE,
        '--zip-file',
        `fileb://${path.join(dir, 'v1.zip')}`,
      ]);
      assert.equal(
        created.FunctionArn,
        `arn:aws:lambda:${caller.region}:${caller.account}:function:cli-fn`,
      );
      await json(['wait', 'function-active-v2', '--function-name', 'cli-fn']);
      const got = await json(['get-function', '--function-name', 'cli-fn']);
      assert.equal(got.Configuration.State, 'Active');
      await json([
        'update-function-code',
        '--function-name',
        'cli-fn',
        '--zip-file',
        `fileb://${path.join(dir, 'v2.zip')}`,
      ]);
      await json(['wait', 'function-updated-v2', '--function-name', 'cli-fn']);
      const configured = await json([
        'update-function-configuration',
        '--function-name',
        'cli-fn',
        '--timeout',
        '30',
        '--memory-size',
        '512',
      ]);
      assert.equal(configured.Timeout, 30);
      await json(['wait', 'function-updated-v2', '--function-name', 'cli-fn']);
      await json(['delete-function', '--function-name', 'cli-fn']);
      const missing = await aws(
        server.url,
        ['lambda', 'get-function', '--function-name', 'cli-fn'],
        caller,
      );
      assert.notEqual(missing.code, 0);
      assert.match(
        missing.stderr,
        /ResourceNotFoundException.*Function not found: arn:aws:lambda:/,
      );
    });
  }

  it('lists 62 functions across pages and sees only its own account', async () => {
    const caller = { account: '666666666666', region: 'us-east-1' };
    const client = lambdaClient(server.url, caller);
    const zip = buildZip({ 'index.js': 'exports.handler = async () => 1;' });
    for (let i = 0; i < 62; i++) {
      await client.send(
        new CreateFunctionCommand({
          FunctionName: `listed-${i}`,
          Runtime: 'nodejs20.x',
          Handler: 'index.handler',
          Role: ROLE,
          Code: { ZipFile: zip },
        }),
      );
    }
    const result = await aws(server.url, ['lambda', 'list-functions', '--page-size', '10'], caller);
    assert.equal(result.code, 0, result.stderr);
    const names = JSON.parse(result.stdout).Functions.map(
      (f: { FunctionName: string }) => f.FunctionName,
    );
    assert.equal(names.length, 62);
    assert.equal(new Set(names).size, 62);
    const paged = await aws(server.url, ['lambda', 'list-functions', '--max-items', '25'], caller);
    const page = JSON.parse(paged.stdout);
    assert.equal(page.Functions.length, 25);
    assert.ok(page.NextToken, 'the CLI hands back a token for the next page');
    const other = await aws(server.url, ['lambda', 'list-functions'], callers[0]);
    assert.deepEqual(JSON.parse(other.stdout).Functions, []);
  });
});
