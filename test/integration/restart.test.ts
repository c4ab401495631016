import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  GetFunctionCommand,
  InvokeCommand,
  ListFunctionsCommand,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { CreateFunctionCommand } from '@aws-sdk/client-lambda';
import { buildZip } from '../helpers/zip-builder.js';
import { lambdaClient, ROLE, startTestServer } from '../helpers/server.js';
import { WAIT } from '../helpers/functions.js';

describe('a restarted server on the same data dir', () => {
  const closers: Array<() => Promise<void>> = [];
  after(async () => {
    for (const close of closers) await close();
  });

  it('finds every function and its code intact', async () => {
    const first = await startTestServer();
    closers.push(first.close);
    const client = lambdaClient(first.url);
    const zips = new Map<string, Buffer>();
    for (let i = 0; i < 5; i++) {
      const name = `kept-${i}`;
      const zip = buildZip({ 'index.js': `exports.handler = async () => ({ n: ${i} });` });
      zips.set(name, zip);
      await client.send(
        new CreateFunctionCommand({
          FunctionName: name,
          Runtime: 'nodejs20.x',
          Handler: 'index.handler',
          Role: ROLE,
          Code: { ZipFile: zip },
          Environment: { Variables: { NUM: String(i) } },
          Publish: i === 0,
        }),
      );
      await waitUntilFunctionActiveV2({ client, ...WAIT }, { FunctionName: name });
    }
    const before = await client.send(new ListFunctionsCommand({ FunctionVersion: 'ALL' }));
    await first.close();
    closers.pop();

    const second = await startTestServer({ dataDir: first.dataDir });
    closers.push(second.close);
    const again = lambdaClient(second.url);
    const list = await again.send(new ListFunctionsCommand({ FunctionVersion: 'ALL' }));
    assert.deepEqual(list.Functions, before.Functions);
    for (const [name, zip] of zips) {
      const got = await again.send(new GetFunctionCommand({ FunctionName: name }));
      const code = Buffer.from(await (await fetch(got.Code?.Location as string)).arrayBuffer());
      assert.deepEqual(code, zip, `${name}'s package survives`);
    }
    const result = await again.send(new InvokeCommand({ FunctionName: 'kept-3' }));
    assert.equal(Buffer.from(result.Payload ?? []).toString(), '{"n":3}');
  });
});
