import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  DeleteFunctionConcurrencyCommand,
  DeleteProvisionedConcurrencyConfigCommand,
  GetProvisionedConcurrencyConfigCommand,
  type GetProvisionedConcurrencyConfigCommandOutput,
  type LambdaClient,
  ListProvisionedConcurrencyConfigsCommand,
  PutFunctionConcurrencyCommand,
  PutProvisionedConcurrencyConfigCommand,
} from '@aws-sdk/client-lambda';
import { deploy, invoke } from '../helpers/functions.js';
import {
  lambdaClient,
  startTestServer,
  type TestServer,
  useTestServer,
} from '../helpers/server.js';

/**
 * Reports how it was initialized and which runtime served it (an id drawn at init: pids say
 * nothing inside a PID namespace); waits, crashes, or exits just after answering on request.
 */
const FUNCTION = {
  'index.js': `
if (process.env.FAIL_PROVISIONED && process.env.AWS_LAMBDA_INITIALIZATION_TYPE === 'provisioned-concurrency') {
  throw new Error('no provisioned init for me');
}
const runtime = require('node:crypto').randomUUID();
exports.handler = async (event) => {
  if (event.crash) process.exit(3);
  if (event.exitSoon) setTimeout(() => process.exit(4), 20);
  if (event.wait) await new Promise((resolve) => setTimeout(resolve, event.wait));
  return { type: process.env.AWS_LAMBDA_INITIALIZATION_TYPE, runtime };
};`,
};

interface Served {
  type: string;
  runtime: string;
}

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function';
const LAST_MODIFIED = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/;

/** Polls GetProvisionedConcurrencyConfig until `done` holds (or fails after 15 s). */
async function waitFor(
  client: LambdaClient,
  name: string,
  done: (config: GetProvisionedConcurrencyConfigCommandOutput) => boolean,
): Promise<GetProvisionedConcurrencyConfigCommandOutput> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const config = await client.send(
      new GetProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: '1' }),
    );
    if (done(config)) return config;
    if (Date.now() > deadline) assert.fail(`${name}:1 stayed ${JSON.stringify(config)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const ready = (client: LambdaClient, name: string) =>
  waitFor(client, name, (c) => c.Status === 'READY');

const put = (client: LambdaClient, name: string, count: number, qualifier = '1') =>
  client.send(
    new PutProvisionedConcurrencyConfigCommand({
      FunctionName: name,
      Qualifier: qualifier,
      ProvisionedConcurrentExecutions: count,
    }),
  );

describe('provisioned concurrency', () => {
  let server: TestServer;
  let client: LambdaClient;
  useTestServer({ inMemory: true }, (s, c) => {
    server = s;
    client = c;
  });

  it('stores, shows, lists and deletes configs, with AWS errors', async () => {
    await deploy(client, 'pc-crud', FUNCTION, { Publish: true });
    const get = (qualifier: string, name = 'pc-crud') =>
      client.send(
        new GetProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: qualifier }),
      );

    await assert.rejects(get('1'), {
      name: 'ProvisionedConcurrencyConfigNotFoundException',
      message: 'No Provisioned Concurrency Config found for this function',
    });
    await assert.rejects(put(client, 'pc-crud', 1, '$LATEST'), {
      name: 'InvalidParameterValueException',
      message:
        'Provisioned Concurrency Configs cannot be applied to unpublished function versions.',
    });
    await assert.rejects(get('$LATEST'), {
      name: 'InvalidParameterValueException',
      message: 'The function resource provided must be an alias or a published version.',
    });
    await assert.rejects(put(client, 'pc-crud', 1, '9'), {
      name: 'ResourceNotFoundException',
      message: `Function not found: ${ARN}:pc-crud:9`,
    });
    await assert.rejects(put(client, 'pc-crud', 1, 'live'), {
      name: 'ResourceNotFoundException',
      message: `Cannot find alias arn: ${ARN}:pc-crud:live`,
    });
    await assert.rejects(put(client, 'nothing-here', 1), {
      name: 'ResourceNotFoundException',
      message: `Function not found: ${ARN}:nothing-here:1`,
    });
    await assert.rejects(put(client, 'pc-crud', 0), {
      name: 'ValidationException',
      message:
        "1 validation error detected: Value '0' at 'provisionedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 1",
    });

    await client.send(
      new PutFunctionConcurrencyCommand({
        FunctionName: 'pc-crud',
        ReservedConcurrentExecutions: 1,
      }),
    );
    await assert.rejects(put(client, 'pc-crud', 2), {
      name: 'InvalidParameterValueException',
      message:
        'Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function',
    });
    await client.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'pc-crud' }));

    const created = await put(client, 'pc-crud', 1);
    assert.equal(created.$metadata.httpStatusCode, 202);
    assert.equal(created.RequestedProvisionedConcurrentExecutions, 1);
    assert.equal(created.AvailableProvisionedConcurrentExecutions, 0);
    assert.equal(created.AllocatedProvisionedConcurrentExecutions, 0);
    assert.equal(created.Status, 'IN_PROGRESS');
    assert.match(created.LastModified ?? '', LAST_MODIFIED);

    const got = await get('1');
    assert.equal(got.RequestedProvisionedConcurrentExecutions, 1);
    assert.equal(got.LastModified, created.LastModified);
    const listed = await client.send(
      new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'pc-crud' }),
    );
    assert.equal(listed.ProvisionedConcurrencyConfigs?.length, 1);
    assert.equal(listed.ProvisionedConcurrencyConfigs?.[0]?.FunctionArn, `${ARN}:pc-crud:1`);
    assert.equal(
      listed.ProvisionedConcurrencyConfigs?.[0]?.RequestedProvisionedConcurrentExecutions,
      1,
    );
    assert.equal(listed.NextMarker, undefined);

    await client.send(
      new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: 'pc-crud', Qualifier: '1' }),
    );
    await assert.rejects(get('1'), { name: 'ProvisionedConcurrencyConfigNotFoundException' });
    // Deleting again is not an error, as on AWS.
    await client.send(
      new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: 'pc-crud', Qualifier: '1' }),
    );
    const empty = await client.send(
      new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'pc-crud' }),
    );
    assert.deepEqual(empty.ProvisionedConcurrencyConfigs, []);
  });

  it('serves the version from pre-initialized environments until the config is deleted', async () => {
    await deploy(client, 'pc-warm', FUNCTION, { Publish: true });
    const before = server.workers.environmentCount();
    const created = await put(client, 'pc-warm', 2);
    assert.equal(created.Status, 'IN_PROGRESS');
    const config = await ready(client, 'pc-warm');
    assert.equal(config.AvailableProvisionedConcurrentExecutions, 2);
    assert.equal(config.AllocatedProvisionedConcurrentExecutions, 2);
    assert.equal(server.workers.environmentCount(), before + 2);

    const both = await Promise.all(
      [1, 2].map(() => invoke(client, 'pc-warm', { wait: 300 }, { Qualifier: '1' })),
    );
    for (const result of both) {
      assert.equal(result.functionError, undefined, result.text);
      assert.equal((result.json as Served).type, 'provisioned-concurrency');
      assert.match(result.log, /REPORT RequestId: /);
      assert.doesNotMatch(result.log, /Init Duration/);
    }
    const [one, two] = both.map((r) => (r.json as Served).runtime);
    assert.notEqual(one, two, 'the two invocations ran in the two environments');
    assert.equal(server.workers.environmentCount(), before + 2, 'no on-demand environment');

    const latest = await invoke(client, 'pc-warm');
    assert.equal((latest.json as Served).type, 'on-demand');
    assert.match(latest.log, /Init Duration: [\d.]+ ms/);

    await client.send(
      new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: 'pc-warm', Qualifier: '1' }),
    );
    assert.equal(server.workers.environmentCount(), before + 1, "only $LATEST's remains");
    const cold = await invoke(client, 'pc-warm', {}, { Qualifier: '1' });
    assert.equal((cold.json as Served).type, 'on-demand');
    assert.match(cold.log, /Init Duration/);
  });

  it('initializes again an environment whose runtime crashed', async () => {
    await deploy(client, 'pc-crash', FUNCTION, { Publish: true });
    await put(client, 'pc-crash', 1);
    await ready(client, 'pc-crash');
    const first = await invoke(client, 'pc-crash', {}, { Qualifier: '1' });
    const crashed = await invoke(client, 'pc-crash', { crash: true }, { Qualifier: '1' });
    assert.equal(crashed.functionError, 'Unhandled');
    assert.match(crashed.text, /Runtime.ExitError/);
    await waitFor(client, 'pc-crash', (c) => c.AvailableProvisionedConcurrentExecutions === 1);
    const after = await invoke(client, 'pc-crash', {}, { Qualifier: '1' });
    assert.equal((after.json as Served).type, 'provisioned-concurrency');
    assert.notEqual((after.json as Served).runtime, (first.json as Served).runtime);
    assert.doesNotMatch(after.log, /Init Duration/);

    // Exits between invocations: initialized again before the next invoke needs it.
    const exiting = await invoke(client, 'pc-crash', { exitSoon: true }, { Qualifier: '1' });
    assert.equal(exiting.functionError, undefined, exiting.text);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await waitFor(client, 'pc-crash', (c) => c.AvailableProvisionedConcurrentExecutions === 1);
    const next = await invoke(client, 'pc-crash', {}, { Qualifier: '1' });
    assert.equal(next.functionError, undefined, next.text);
    assert.equal((next.json as Served).type, 'provisioned-concurrency');
    assert.notEqual((next.json as Served).runtime, (exiting.json as Served).runtime);
    assert.doesNotMatch(next.log, /Init Duration/);
  });

  it('is FAILED when the init of a provisioned environment fails', async () => {
    await deploy(client, 'pc-fail', FUNCTION, {
      Publish: true,
      Environment: { Variables: { FAIL_PROVISIONED: '1' } },
    });
    await put(client, 'pc-fail', 1);
    const failed = await waitFor(client, 'pc-fail', (c) => c.Status !== 'IN_PROGRESS');
    assert.equal(failed.Status, 'FAILED');
    assert.equal(failed.StatusReason, 'FUNCTION_ERROR_INIT_FAILURE');
    assert.equal(failed.AvailableProvisionedConcurrentExecutions, 0);
    const served = await invoke(client, 'pc-fail', {}, { Qualifier: '1' });
    assert.equal((served.json as Served).type, 'on-demand');
  });
});

describe('provisioned concurrency after a restart', () => {
  const closers: Array<() => Promise<void>> = [];
  after(async () => {
    for (const close of closers) await close();
  });

  it('starts the environments of stored configs again', async () => {
    const first = await startTestServer();
    closers.push(first.close);
    const client = lambdaClient(first.url);
    await deploy(client, 'pc-kept', FUNCTION, { Publish: true });
    await put(client, 'pc-kept', 1);
    const before = await ready(client, 'pc-kept');
    await first.close();
    closers.pop();

    const second = await startTestServer({ dataDir: first.dataDir });
    closers.push(second.close);
    const again = lambdaClient(second.url);
    const config = await ready(again, 'pc-kept');
    assert.equal(config.RequestedProvisionedConcurrentExecutions, 1);
    assert.equal(config.LastModified, before.LastModified);
    const served = await invoke(again, 'pc-kept', {}, { Qualifier: '1' });
    assert.equal((served.json as Served).type, 'provisioned-concurrency');
    assert.doesNotMatch(served.log, /Init Duration/);
  });
});
