import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DeleteFunctionConcurrencyCommand,
  GetAccountSettingsCommand,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  InvokeCommand,
  type LambdaClient,
  PutFunctionConcurrencyCommand,
  TooManyRequestsException,
} from '@aws-sdk/client-lambda';
import { deploy, invoke } from '../helpers/functions.js';
import {
  lambdaClient,
  startTestServer,
  type TestServer,
  useTestServer,
} from '../helpers/server.js';

const SLOW = {
  'index.js':
    'exports.handler = async () => { await new Promise((r) => setTimeout(r, 600)); return "done"; };',
};

/** Runs invokes in parallel and sorts them into successes and throttle reasons. */
async function burst(client: LambdaClient, name: string, count: number) {
  const outcomes = await Promise.allSettled(
    Array.from({ length: count }, () => client.send(new InvokeCommand({ FunctionName: name }))),
  );
  const ok = outcomes.filter((o) => o.status === 'fulfilled').length;
  const reasons = outcomes.flatMap((o) =>
    o.status === 'rejected' ? [o.reason as TooManyRequestsException] : [],
  );
  return { ok, reasons };
}

describe('concurrency: the counter service and reserved concurrency', () => {
  let server: TestServer;
  let client: LambdaClient;
  useTestServer({ inMemory: true }, (s, c) => {
    server = s;
    client = c;
  });

  it('stores reserved concurrency and shows it in GetFunction and GetAccountSettings', async () => {
    await deploy(client, 'reserved', { 'index.js': 'exports.handler = async () => 1;' });
    assert.deepEqual(
      {
        ...(await client.send(new GetFunctionConcurrencyCommand({ FunctionName: 'reserved' }))),
        $metadata: undefined,
      },
      { $metadata: undefined },
    );
    const put = await client.send(
      new PutFunctionConcurrencyCommand({
        FunctionName: 'reserved',
        ReservedConcurrentExecutions: 50,
      }),
    );
    assert.equal(put.ReservedConcurrentExecutions, 50);
    const got = await client.send(new GetFunctionConcurrencyCommand({ FunctionName: 'reserved' }));
    assert.equal(got.ReservedConcurrentExecutions, 50);
    assert.deepEqual(
      (await client.send(new GetFunctionCommand({ FunctionName: 'reserved' }))).Concurrency,
      { ReservedConcurrentExecutions: 50 },
    );
    const settings = await client.send(new GetAccountSettingsCommand({}));
    assert.equal(settings.AccountLimit?.ConcurrentExecutions, 1000);
    assert.equal(settings.AccountLimit?.UnreservedConcurrentExecutions, 950);
    await client.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'reserved' }));
    assert.equal(
      (await client.send(new GetFunctionCommand({ FunctionName: 'reserved' }))).Concurrency,
      undefined,
    );
    assert.equal(
      (await client.send(new GetAccountSettingsCommand({}))).AccountLimit
        ?.UnreservedConcurrentExecutions,
      1000,
    );
  });

  it('keeps at least 100 unreserved, as AWS does', async () => {
    await deploy(client, 'greedy', { 'index.js': 'exports.handler = async () => 1;' });
    await assert.rejects(
      client.send(
        new PutFunctionConcurrencyCommand({
          FunctionName: 'greedy',
          ReservedConcurrentExecutions: 901,
        }),
      ),
      {
        name: 'InvalidParameterValueException',
        message:
          "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].",
      },
    );
    await assert.rejects(
      client.send(
        new PutFunctionConcurrencyCommand({
          FunctionName: 'greedy',
          ReservedConcurrentExecutions: -1,
        }),
      ),
      { name: 'ValidationException' },
    );
    await assert.rejects(
      client.send(
        new PutFunctionConcurrencyCommand({
          FunctionName: 'ghost',
          ReservedConcurrentExecutions: 1,
        }),
      ),
      { name: 'ResourceNotFoundException' },
    );
  });

  it('throttles every invoke at reserved concurrency 0', async () => {
    await deploy(client, 'zero', { 'index.js': 'exports.handler = async () => 1;' });
    await client.send(
      new PutFunctionConcurrencyCommand({ FunctionName: 'zero', ReservedConcurrentExecutions: 0 }),
    );
    const res = await fetch(`${server.url}/2015-03-31/functions/zero/invocations`, {
      method: 'POST',
      body: '{}',
    });
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('x-amzn-errortype'), 'TooManyRequestsException');
    assert.deepEqual(await res.json(), {
      Type: 'User',
      message: 'Rate Exceeded.',
      Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
    });
    await assert.rejects(
      client.send(new InvokeCommand({ FunctionName: 'zero' })),
      (err: TooManyRequestsException) => {
        assert.ok(err instanceof TooManyRequestsException);
        assert.equal(err.Reason, 'ReservedFunctionConcurrentInvocationLimitExceeded');
        return true;
      },
    );
  });

  it('runs exactly 2 of 6 parallel slow invokes at reserved concurrency 2', async () => {
    await deploy(client, 'two', SLOW);
    await client.send(
      new PutFunctionConcurrencyCommand({ FunctionName: 'two', ReservedConcurrentExecutions: 2 }),
    );
    await invoke(client, 'two');
    const { ok, reasons } = await burst(client, 'two', 6);
    assert.equal(ok, 2);
    assert.equal(reasons.length, 4);
    for (const err of reasons) {
      assert.ok(err instanceof TooManyRequestsException);
      assert.equal(err.Reason, 'ReservedFunctionConcurrentInvocationLimitExceeded');
      assert.equal(err.message, 'Rate Exceeded.');
    }
    assert.equal(
      server.counter.running({ account: '000000000000', region: 'us-east-1' }, 'two'),
      0,
      'every lease was released',
    );
  });

  it('throttles with ConcurrentInvocationLimitExceeded past a lowered account limit', async () => {
    const small = await startTestServer({ inMemory: true, accountConcurrency: 3 });
    try {
      const smallClient = lambdaClient(small.url);
      await deploy(smallClient, 'shared', SLOW);
      const { ok, reasons } = await burst(smallClient, 'shared', 5);
      assert.equal(ok, 3);
      assert.equal(reasons.length, 2);
      for (const err of reasons) assert.equal(err.Reason, 'ConcurrentInvocationLimitExceeded');
      const settings = await smallClient.send(new GetAccountSettingsCommand({}));
      assert.equal(settings.AccountLimit?.ConcurrentExecutions, 3);
    } finally {
      await small.close();
    }
  });
});
