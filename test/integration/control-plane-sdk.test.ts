import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetAccountSettingsCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  ListFunctionsCommand,
  paginateListFunctions,
  ResourceConflictException,
  ResourceNotFoundException,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { buildZip } from '../helpers/zip-builder.js';
import { lambdaClient, ROLE, startTestServer, type Caller } from '../helpers/server.js';
import { WAIT } from '../helpers/functions.js';

const zip = (body = 'exports.handler = async (e) => e;') => buildZip({ 'index.js': body });
const sha256 = (buf: Buffer) => createHash('sha256').update(buf).digest('base64');

const CALLERS: Caller[] = [
  { account: '111111111111', region: 'us-east-1' },
  { account: '111111111111', region: 'eu-west-1' },
  { account: '222222222222', region: 'us-east-1' },
];

async function createFunction(client: LambdaClient, name: string, code = zip()) {
  return client.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Role: ROLE,
      Code: { ZipFile: code },
    }),
  );
}

describe('function control plane through @aws-sdk/client-lambda', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  before(async () => {
    server = await startTestServer({ inMemory: true });
  });
  after(() => server.close());

  for (const caller of CALLERS) {
    it(`runs the whole lifecycle as ${caller.account} in ${caller.region}`, async () => {
      const client = lambdaClient(server.url, caller);
      const code = zip();
      const created = await createFunction(client, 'lifecycle', code);
      assert.equal(
        created.FunctionArn,
        `arn:aws:lambda:${caller.region}:${caller.account}:function:lifecycle`,
      );
      assert.equal(created.State, 'Pending');
      assert.equal(created.StateReasonCode, 'Creating');
      assert.equal(created.CodeSha256, sha256(code));
      assert.equal(created.CodeSize, code.length);
      assert.equal(created.Timeout, 3);
      assert.equal(created.MemorySize, 128);
      assert.equal(created.Version, '$LATEST');
      assert.deepEqual(created.EphemeralStorage, { Size: 512 });
      assert.deepEqual(created.Architectures, ['x86_64']);

      await waitUntilFunctionActiveV2({ client, ...WAIT }, { FunctionName: 'lifecycle' });
      const got = await client.send(new GetFunctionCommand({ FunctionName: 'lifecycle' }));
      assert.equal(got.Configuration?.State, 'Active');
      assert.equal(got.Configuration?.LastUpdateStatus, 'Successful');
      assert.equal(got.Code?.RepositoryType, 'S3');
      const download = await fetch(got.Code?.Location as string);
      assert.equal(download.status, 200);
      assert.deepEqual(Buffer.from(await download.arrayBuffer()), code);

      const newCode = zip('exports.handler = async () => "v2";');
      const updated = await client.send(
        new UpdateFunctionCodeCommand({ FunctionName: 'lifecycle', ZipFile: newCode }),
      );
      assert.equal(updated.CodeSha256, sha256(newCode));
      assert.equal(updated.LastUpdateStatus, 'InProgress');
      assert.notEqual(updated.RevisionId, got.Configuration?.RevisionId);
      await waitUntilFunctionUpdatedV2({ client, ...WAIT }, { FunctionName: 'lifecycle' });

      const configured = await client.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName: 'lifecycle',
          MemorySize: 256,
          Timeout: 10,
          Description: 'tuned',
          Environment: { Variables: { GREETING: 'hello' } },
          EphemeralStorage: { Size: 1024 },
        }),
      );
      assert.equal(configured.MemorySize, 256);
      await waitUntilFunctionUpdatedV2({ client, ...WAIT }, { FunctionName: 'lifecycle' });
      const config = await client.send(
        new GetFunctionConfigurationCommand({ FunctionName: 'lifecycle' }),
      );
      assert.equal(config.Timeout, 10);
      assert.equal(config.Description, 'tuned');
      assert.deepEqual(config.Environment?.Variables, { GREETING: 'hello' });
      assert.deepEqual(config.EphemeralStorage, { Size: 1024 });
      assert.equal(config.CodeSha256, sha256(newCode));

      const settings = await client.send(new GetAccountSettingsCommand({}));
      assert.equal(settings.AccountUsage?.FunctionCount, 1);
      assert.equal(settings.AccountLimit?.ConcurrentExecutions, 1000);

      await client.send(new DeleteFunctionCommand({ FunctionName: 'lifecycle' }));
      await assert.rejects(
        client.send(new GetFunctionCommand({ FunctionName: 'lifecycle' })),
        ResourceNotFoundException,
      );
    });
  }

  it('keeps accounts and regions apart', async () => {
    const [east, west, other] = CALLERS.map((caller) => lambdaClient(server.url, caller)) as [
      LambdaClient,
      LambdaClient,
      LambdaClient,
    ];
    await createFunction(east, 'mine');
    await assert.rejects(
      west.send(new GetFunctionCommand({ FunctionName: 'mine' })),
      (err: Error) => {
        assert.ok(err instanceof ResourceNotFoundException);
        assert.equal(
          err.message,
          'Function not found: arn:aws:lambda:eu-west-1:111111111111:function:mine',
        );
        return true;
      },
    );
    await assert.rejects(
      other.send(new GetFunctionCommand({ FunctionName: 'mine' })),
      ResourceNotFoundException,
    );
    const full = 'arn:aws:lambda:us-east-1:111111111111:function:mine';
    await assert.rejects(
      other.send(new GetFunctionCommand({ FunctionName: full })),
      ResourceNotFoundException,
    );
    assert.equal((await other.send(new ListFunctionsCommand({}))).Functions?.length, 0);
    await createFunction(other, 'mine');
    assert.equal(
      (await east.send(new GetFunctionCommand({ FunctionName: full }))).Configuration?.FunctionName,
      'mine',
    );
    await east.send(new DeleteFunctionCommand({ FunctionName: 'mine' }));
    await other.send(new DeleteFunctionCommand({ FunctionName: 'mine' }));
  });

  it('accepts every name form AWS accepts', async () => {
    const client = lambdaClient(server.url, CALLERS[0]);
    await createFunction(client, 'forms');
    await waitUntilFunctionActiveV2({ client, ...WAIT }, { FunctionName: 'forms' });
    for (const name of [
      'forms',
      'forms:$LATEST',
      '111111111111:function:forms',
      'arn:aws:lambda:us-east-1:111111111111:function:forms',
      'arn:aws:lambda:us-east-1:111111111111:function:forms:$LATEST',
    ]) {
      const got = await client.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
      assert.equal(got.FunctionName, 'forms', name);
    }
    await client.send(
      new DeleteFunctionCommand({
        FunctionName: 'arn:aws:lambda:us-east-1:111111111111:function:forms',
      }),
    );
  });

  it('paginates ListFunctions over 65 functions', async () => {
    const client = lambdaClient(server.url, { account: '333333333333', region: 'us-east-1' });
    const names = Array.from({ length: 65 }, (_, i) => `page-${String(i).padStart(3, '0')}`);
    const code = zip();
    for (const name of names) await createFunction(client, name, code);
    const first = await client.send(new ListFunctionsCommand({ MaxItems: 10 }));
    assert.equal(first.Functions?.length, 10);
    assert.ok(first.NextMarker);
    assert.equal(
      first.Functions?.[0]?.State,
      undefined,
      'ListFunctions leaves out State, as AWS does',
    );
    const seen: string[] = [];
    for await (const page of paginateListFunctions({ client, pageSize: 7 }, {})) {
      seen.push(...(page.Functions ?? []).map((f) => f.FunctionName as string));
    }
    assert.deepEqual(seen, names);
    const unbounded = await client.send(new ListFunctionsCommand({}));
    assert.equal(unbounded.Functions?.length, 50, 'AWS returns at most 50 a page');
  });

  it('refuses a second update while one is in progress', async () => {
    const slow = await startTestServer({ inMemory: true, stateTransitionDelayMs: 1500 });
    try {
      const client = lambdaClient(slow.url);
      await createFunction(client, 'busy');
      await assert.rejects(
        client.send(new UpdateFunctionCodeCommand({ FunctionName: 'busy', ZipFile: zip('// v2') })),
        (err: Error) =>
          err instanceof ResourceConflictException &&
          /currently in the following state: Pending/.test(err.message),
      );
      await waitUntilFunctionActiveV2({ client, ...WAIT }, { FunctionName: 'busy' });
      await client.send(
        new UpdateFunctionConfigurationCommand({ FunctionName: 'busy', Timeout: 5 }),
      );
      await assert.rejects(
        client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'busy', Timeout: 6 })),
        (err: Error) =>
          err instanceof ResourceConflictException &&
          err.message ===
            'The operation cannot be performed at this time. An update is in progress for resource: arn:aws:lambda:us-east-1:000000000000:function:busy',
      );
      await waitUntilFunctionUpdatedV2({ client, ...WAIT }, { FunctionName: 'busy' });
      const done = await client.send(new GetFunctionConfigurationCommand({ FunctionName: 'busy' }));
      assert.equal(done.Timeout, 5);
    } finally {
      await slow.close();
    }
  });

  it('publishes a version from UpdateFunctionCode, honours RevisionId and DryRun', async () => {
    const client = lambdaClient(server.url);
    await createFunction(client, 'publisher');
    await waitUntilFunctionActiveV2({ client, ...WAIT }, { FunctionName: 'publisher' });
    const current = await client.send(
      new GetFunctionConfigurationCommand({ FunctionName: 'publisher' }),
    );
    await assert.rejects(
      client.send(
        new UpdateFunctionCodeCommand({
          FunctionName: 'publisher',
          ZipFile: zip('//x'),
          RevisionId: 'stale',
        }),
      ),
      { name: 'PreconditionFailedException' },
    );
    const dry = await client.send(
      new UpdateFunctionCodeCommand({
        FunctionName: 'publisher',
        ZipFile: zip('//dry'),
        DryRun: true,
      }),
    );
    assert.equal(dry.CodeSha256, sha256(zip('//dry')));
    const after = await client.send(
      new GetFunctionConfigurationCommand({ FunctionName: 'publisher' }),
    );
    assert.equal(after.CodeSha256, current.CodeSha256, 'DryRun changes nothing');
    const published = await client.send(
      new UpdateFunctionCodeCommand({
        FunctionName: 'publisher',
        ZipFile: zip('//v1'),
        Publish: true,
        RevisionId: current.RevisionId,
      }),
    );
    assert.equal(published.Version, '1');
    assert.equal(
      published.FunctionArn,
      'arn:aws:lambda:us-east-1:000000000000:function:publisher:1',
    );
    await waitUntilFunctionUpdatedV2({ client, ...WAIT }, { FunctionName: 'publisher' });
    const v1 = await client.send(
      new GetFunctionConfigurationCommand({ FunctionName: 'publisher', Qualifier: '1' }),
    );
    assert.equal(v1.CodeSha256, sha256(zip('//v1')));
    const all = await client.send(new ListFunctionsCommand({ FunctionVersion: 'ALL' }));
    const versions = all.Functions?.filter((f) => f.FunctionName === 'publisher').map(
      (f) => f.Version,
    );
    assert.deepEqual(versions, ['$LATEST', '1']);
    await client.send(new DeleteFunctionCommand({ FunctionName: 'publisher', Qualifier: '1' }));
    await assert.rejects(
      client.send(
        new GetFunctionConfigurationCommand({ FunctionName: 'publisher', Qualifier: '1' }),
      ),
      ResourceNotFoundException,
    );
    await client.send(new DeleteFunctionCommand({ FunctionName: 'publisher' }));
  });
});
