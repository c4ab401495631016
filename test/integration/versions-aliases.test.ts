import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateAliasCommand,
  DeleteAliasCommand,
  DeleteFunctionCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  GetProvisionedConcurrencyConfigCommand,
  InvokeCommand,
  type LambdaClient,
  ListAliasesCommand,
  ListProvisionedConcurrencyConfigsCommand,
  ListVersionsByFunctionCommand,
  paginateListAliases,
  paginateListVersionsByFunction,
  PublishVersionCommand,
  PutFunctionEventInvokeConfigCommand,
  PutProvisionedConcurrencyConfigCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { deploy, invoke, WAIT } from '../helpers/functions.js';
import { lambdaClient, startTestServer, type TestServer } from '../helpers/server.js';
import { buildZip } from '../helpers/zip-builder.js';

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function';

/** Says which version ran, under which ARN, how it was initialized, and which code it is. */
const reporter = (tag: string) => ({
  'index.js': `
exports.handler = async (event, context) => {
  if (event.dir) require('node:fs').writeFileSync(event.dir + '/' + context.awsRequestId, context.functionVersion);
  return {
    tag: ${JSON.stringify(tag)},
    version: context.functionVersion,
    envVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    arn: context.invokedFunctionArn,
    init: process.env.AWS_LAMBDA_INITIALIZATION_TYPE,
  };
};`,
});

interface Report {
  tag: string;
  version: string;
  envVersion: string;
  arn: string;
  init: string;
}

async function rejects(
  promise: Promise<unknown>,
  name: string,
  message?: string | RegExp,
): Promise<void> {
  await assert.rejects(promise, (err: Error) => {
    assert.equal(err.name, name, err.message);
    if (typeof message === 'string') assert.equal(err.message, message);
    else if (message) assert.match(err.message, message);
    return true;
  });
}

/** Deploys `name` with code tagged v1, publishes 1, then v2 and publishes 2; $LATEST stays v2. */
async function twoVersions(client: LambdaClient, name: string): Promise<void> {
  await deploy(client, name, reporter('v1'), { Publish: true });
  await client.send(
    new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: buildZip(reporter('v2')) }),
  );
  await waitUntilFunctionUpdatedV2({ client, ...WAIT }, { FunctionName: name });
  await client.send(new PublishVersionCommand({ FunctionName: name }));
}

const waitFor = async <T>(what: string, probe: () => T | undefined): Promise<T> => {
  for (let i = 0; i < 400; i++) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.fail(`timed out waiting for ${what}`);
};

describe('versions and aliases through the SDK', () => {
  let server: TestServer;
  let client: LambdaClient;
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'asimov-aliases-'));
    // One test reads what a function wrote to a host directory, which a sandbox hides; the
    // sandbox is covered by sandbox.test.ts.
    server = await startTestServer({ inMemory: true, sandbox: 'none' });
    client = lambdaClient(server.url);
  });
  after(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('PublishVersion', () => {
    it('publishes $LATEST as the next number, and not again while nothing changed', async () => {
      await deploy(client, 'pub', reporter('v1'), { Description: 'latest' });
      const first = await client.send(
        new PublishVersionCommand({ FunctionName: 'pub', Description: 'first' }),
      );
      assert.equal(first.$metadata.httpStatusCode, 201);
      assert.equal(first.Version, '1');
      assert.equal(first.FunctionArn, `${ARN}:pub:1`);
      assert.equal(first.Description, 'first');
      assert.equal(first.State, 'Active');
      const again = await client.send(new PublishVersionCommand({ FunctionName: 'pub' }));
      assert.equal(again.Version, '1', 'nothing changed since version 1');
      assert.equal(again.RevisionId, first.RevisionId);

      await client.send(
        new UpdateFunctionCodeCommand({ FunctionName: 'pub', ZipFile: buildZip(reporter('v2')) }),
      );
      await waitUntilFunctionUpdatedV2({ client, ...WAIT }, { FunctionName: 'pub' });
      const second = await client.send(new PublishVersionCommand({ FunctionName: `${ARN}:pub` }));
      assert.equal(second.Version, '2');
      assert.equal(second.Description, 'latest', "$LATEST's description unless one is given");
      assert.notEqual(second.CodeSha256, first.CodeSha256);
      const ran = (await invoke(client, 'pub', {}, { Qualifier: '1' })).json as Report;
      assert.equal(ran.tag, 'v1', 'a version keeps the code it was published with');
    });

    it('refuses a CodeSha256 or RevisionId that is not $LATEST', async () => {
      await deploy(client, 'pub-guard', reporter('v1'));
      const latest = await client.send(
        new GetFunctionConfigurationCommand({ FunctionName: 'pub-guard' }),
      );
      await rejects(
        client.send(new PublishVersionCommand({ FunctionName: 'pub-guard', CodeSha256: 'abc=' })),
        'InvalidParameterValueException',
        `CodeSHA256 (abc=) is different from current CodeSHA256 in $LATEST (${latest.CodeSha256}). Please try again with the CodeSHA256 in $LATEST.`,
      );
      await rejects(
        client.send(new PublishVersionCommand({ FunctionName: 'pub-guard', RevisionId: 'stale' })),
        'PreconditionFailedException',
        'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
      );
      const published = await client.send(
        new PublishVersionCommand({
          FunctionName: 'pub-guard',
          CodeSha256: latest.CodeSha256,
          RevisionId: latest.RevisionId,
        }),
      );
      assert.equal(published.Version, '1');
      await rejects(
        client.send(new PublishVersionCommand({ FunctionName: 'no-such-fn' })),
        'ResourceNotFoundException',
        `Function not found: ${ARN}:no-such-fn`,
      );
      await rejects(
        client.send(
          new PublishVersionCommand({ FunctionName: 'pub-guard', Description: 'x'.repeat(257) }),
        ),
        'ValidationException',
        /^1 validation error detected: Value 'x+' at 'description' failed to satisfy constraint: Member must have length less than or equal to 256$/,
      );
    });
  });

  describe('ListVersionsByFunction', () => {
    it('lists $LATEST first, then versions by number, page by page', async () => {
      await deploy(client, 'many', reporter('0'), { Publish: true });
      for (let i = 1; i < 4; i++) {
        await client.send(
          new UpdateFunctionCodeCommand({
            FunctionName: 'many',
            ZipFile: buildZip(reporter(String(i))),
            Publish: true,
          }),
        );
        await waitUntilFunctionUpdatedV2({ client, ...WAIT }, { FunctionName: 'many' });
      }
      const all = await client.send(new ListVersionsByFunctionCommand({ FunctionName: 'many' }));
      assert.deepEqual(
        all.Versions?.map((v) => [v.Version, v.FunctionArn]),
        [
          ['$LATEST', `${ARN}:many:$LATEST`],
          ['1', `${ARN}:many:1`],
          ['2', `${ARN}:many:2`],
          ['3', `${ARN}:many:3`],
          ['4', `${ARN}:many:4`],
        ],
      );
      assert.equal(all.NextMarker, undefined);
      assert.equal(all.Versions?.[1]?.State, undefined, 'listed as ListFunctions lists them');

      const pages: string[][] = [];
      for await (const page of paginateListVersionsByFunction(
        { client, pageSize: 2 },
        { FunctionName: 'many' },
      )) {
        pages.push((page.Versions ?? []).map((v) => v.Version as string));
      }
      assert.deepEqual(pages, [['$LATEST', '1'], ['2', '3'], ['4']]);

      await rejects(
        client.send(new ListVersionsByFunctionCommand({ FunctionName: 'many', MaxItems: 0 })),
        'ValidationException',
        "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1",
      );
      await rejects(
        client.send(new ListVersionsByFunctionCommand({ FunctionName: 'nothing' })),
        'ResourceNotFoundException',
        `Function not found: ${ARN}:nothing`,
      );
    });
  });

  describe('alias operations', () => {
    before(() => twoVersions(client, 'aliased'));

    it('creates, gets, updates, lists and deletes an alias', async () => {
      const created = await client.send(
        new CreateAliasCommand({ FunctionName: 'aliased', Name: 'live', FunctionVersion: '1' }),
      );
      assert.equal(created.$metadata.httpStatusCode, 201);
      const { $metadata: _m, ...shape } = created;
      assert.deepEqual(shape, {
        AliasArn: `${ARN}:aliased:live`,
        Name: 'live',
        FunctionVersion: '1',
        Description: '',
        RevisionId: created.RevisionId,
      });
      assert.match(created.RevisionId ?? '', /^[0-9a-f-]{36}$/);

      const got = await client.send(new GetAliasCommand({ FunctionName: 'aliased', Name: 'live' }));
      assert.equal(got.RevisionId, created.RevisionId);

      await rejects(
        client.send(
          new UpdateAliasCommand({ FunctionName: 'aliased', Name: 'live', RevisionId: 'old' }),
        ),
        'PreconditionFailedException',
        'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
      );
      const updated = await client.send(
        new UpdateAliasCommand({
          FunctionName: `${ARN}:aliased`,
          Name: 'live',
          FunctionVersion: '2',
          Description: 'now 2',
          RoutingConfig: { AdditionalVersionWeights: { '1': 0.25 } },
          RevisionId: created.RevisionId,
        }),
      );
      assert.equal(updated.FunctionVersion, '2');
      assert.equal(updated.Description, 'now 2');
      assert.deepEqual(updated.RoutingConfig, { AdditionalVersionWeights: { '1': 0.25 } });
      assert.notEqual(updated.RevisionId, created.RevisionId);
      const described = await client.send(
        new UpdateAliasCommand({ FunctionName: 'aliased', Name: 'live', Description: 'kept' }),
      );
      assert.equal(described.FunctionVersion, '2', 'members not given are kept');
      assert.deepEqual(described.RoutingConfig, { AdditionalVersionWeights: { '1': 0.25 } });
      const unweighted = await client.send(
        new UpdateAliasCommand({ FunctionName: 'aliased', Name: 'live', RoutingConfig: {} }),
      );
      assert.equal(unweighted.RoutingConfig, undefined, 'empty routing removes the weights');

      await client.send(
        new CreateAliasCommand({
          FunctionName: 'aliased',
          Name: 'edge',
          FunctionVersion: '$LATEST',
          Description: 'tip',
        }),
      );
      await client.send(
        new CreateAliasCommand({ FunctionName: 'aliased', Name: 'beta', FunctionVersion: '2' }),
      );
      const listed = await client.send(new ListAliasesCommand({ FunctionName: 'aliased' }));
      assert.deepEqual(
        listed.Aliases?.map((a) => [a.Name, a.FunctionVersion]),
        [
          ['beta', '2'],
          ['edge', '$LATEST'],
          ['live', '2'],
        ],
      );
      const onTwo = await client.send(
        new ListAliasesCommand({ FunctionName: 'aliased', FunctionVersion: '2' }),
      );
      assert.deepEqual(
        onTwo.Aliases?.map((a) => a.Name),
        ['beta', 'live'],
      );
      const pages: string[][] = [];
      for await (const page of paginateListAliases(
        { client, pageSize: 2 },
        { FunctionName: 'aliased' },
      )) {
        pages.push((page.Aliases ?? []).map((a) => a.Name as string));
      }
      assert.deepEqual(pages, [['beta', 'edge'], ['live']]);

      const deleted = await client.send(
        new DeleteAliasCommand({ FunctionName: 'aliased', Name: 'beta' }),
      );
      assert.equal(deleted.$metadata.httpStatusCode, 204);
      await client.send(new DeleteAliasCommand({ FunctionName: 'aliased', Name: 'beta' }));
      await rejects(
        client.send(new GetAliasCommand({ FunctionName: 'aliased', Name: 'beta' })),
        'ResourceNotFoundException',
        `Cannot find alias arn: ${ARN}:aliased:beta`,
      );
      await rejects(
        client.send(new GetFunctionCommand({ FunctionName: 'aliased:beta' })),
        'ResourceNotFoundException',
        `Function not found: ${ARN}:aliased:beta`,
      );
      await rejects(
        client.send(
          new UpdateAliasCommand({ FunctionName: 'aliased', Name: 'beta', Description: 'x' }),
        ),
        'ResourceNotFoundException',
        `Alias not found: ${ARN}:aliased:beta`,
      );
    });

    it('refuses bad names, missing versions and duplicates with AWS words', async () => {
      const create = (input: Partial<ConstructorParameters<typeof CreateAliasCommand>[0]>) =>
        client.send(
          new CreateAliasCommand({
            FunctionName: 'aliased',
            Name: 'x',
            FunctionVersion: '1',
            ...input,
          }),
        );
      const pattern = '(?!^[0-9]+$)([a-zA-Z0-9-_]+)';
      await rejects(
        create({ Name: '123' }),
        'ValidationException',
        `1 validation error detected: Value '123' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ${pattern}`,
      );
      await rejects(
        create({ Name: '$LATEST' }),
        'ValidationException',
        `1 validation error detected: Value '$LATEST' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ${pattern}`,
      );
      await rejects(
        create({ Name: 'a'.repeat(129) }),
        'ValidationException',
        `1 validation error detected: Value '${'a'.repeat(129)}' at 'name' failed to satisfy constraint: Member must have length less than or equal to 128`,
      );
      await rejects(
        create({ FunctionVersion: 'one' }),
        'ValidationException',
        "1 validation error detected: Value 'one' at 'functionVersion' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\$LATEST(\\.PUBLISHED)?|[0-9]+)",
      );
      await rejects(
        create({ FunctionVersion: '9' }),
        'ResourceNotFoundException',
        `Function not found: ${ARN}:aliased:9`,
      );
      await rejects(
        create({ FunctionName: 'ghost' }),
        'ResourceNotFoundException',
        `Function not found: ${ARN}:ghost`,
      );
      await create({ Name: 'dup' });
      await rejects(
        create({ Name: 'dup', FunctionVersion: '2' }),
        'ResourceConflictException',
        `Alias already exists: ${ARN}:aliased:dup`,
      );
    });

    it('holds weighted routing to AWS rules', async () => {
      const create = (FunctionVersion: string, AdditionalVersionWeights: Record<string, number>) =>
        client.send(
          new CreateAliasCommand({
            FunctionName: 'aliased',
            Name: 'weighted',
            FunctionVersion,
            RoutingConfig: { AdditionalVersionWeights },
          }),
        );
      await rejects(
        create('2', { '1': 0.1, '3': 0.1 }),
        'InvalidParameterValueException',
        'Number of items in AdditionalVersionWeights cannot be greater than 1',
      );
      await rejects(
        create('2', { '1': 1.5 }),
        'ValidationException',
        "1 validation error detected: Value '{1=1.5}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]",
      );
      await rejects(
        create('2', { $LATEST: 0.5 }),
        'ValidationException',
        /at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map keys must satisfy constraint: \[.*Member must satisfy regular expression pattern: \[0-9\]\+/,
      );
      await rejects(
        create('2', { '2': 0.5 }),
        'InvalidParameterValueException',
        'Invalid function version 2. Function version 2 is already included in routing configuration.',
      );
      await rejects(
        create('$LATEST', { '1': 0.5 }),
        'InvalidParameterValueException',
        '$LATEST is not supported for an alias pointing to more than 1 version',
      );
      await rejects(
        create('2', { '7': 0.5 }),
        'ResourceNotFoundException',
        `Function not found: ${ARN}:aliased:7`,
      );
      const made = await create('2', { '1': 0 });
      assert.deepEqual(made.RoutingConfig, { AdditionalVersionWeights: { '1': 0 } });
      await rejects(
        client.send(
          new UpdateAliasCommand({
            FunctionName: 'aliased',
            Name: 'weighted',
            FunctionVersion: '1',
          }),
        ),
        'InvalidParameterValueException',
        'Invalid function version 1. Function version 1 is already included in routing configuration.',
      );
      await client.send(new DeleteAliasCommand({ FunctionName: 'aliased', Name: 'weighted' }));
    });
  });

  describe('alias qualifiers', () => {
    before(async () => {
      await twoVersions(client, 'qual');
      await client.send(
        new CreateAliasCommand({ FunctionName: 'qual', Name: 'prod', FunctionVersion: '1' }),
      );
    });

    it("shows an alias's version under the alias ARN, in every name form", async () => {
      for (const [FunctionName, Qualifier] of [
        ['qual:prod', undefined],
        ['qual', 'prod'],
        [`${ARN}:qual:prod`, undefined],
        ['000000000000:function:qual:prod', undefined],
      ] as const) {
        const config = await client.send(
          new GetFunctionConfigurationCommand({ FunctionName, Qualifier }),
        );
        assert.equal(config.FunctionArn, `${ARN}:qual:prod`, FunctionName);
        assert.equal(config.Version, '1');
        const fn = await client.send(new GetFunctionCommand({ FunctionName, Qualifier }));
        assert.equal(fn.Configuration?.FunctionArn, `${ARN}:qual:prod`);
        assert.equal(fn.Configuration?.CodeSha256, config.CodeSha256);
      }
      await rejects(
        client.send(new GetFunctionCommand({ FunctionName: 'qual:prod', Qualifier: 'other' })),
        'InvalidParameterValueException',
        'The derived qualifier from the function name does not match the specified qualifier.',
      );
    });

    it('invokes the version an alias points to, by name or ARN, and says which ran', async () => {
      for (const extra of [{ Qualifier: 'prod' }, {}]) {
        const name = 'Qualifier' in extra ? 'qual' : `${ARN}:qual:prod`;
        const result = await invoke(client, name, {}, extra);
        assert.equal(result.executedVersion, '1');
        const report = result.json as Report;
        assert.deepEqual(
          [report.tag, report.version, report.envVersion, report.arn],
          ['v1', '1', '1', `${ARN}:qual:prod`],
        );
      }
      const dry = await client.send(
        new InvokeCommand({ FunctionName: 'qual:prod', InvocationType: 'DryRun' }),
      );
      assert.equal(dry.StatusCode, 204);
      assert.equal(dry.ExecutedVersion, '1');

      await client.send(
        new UpdateAliasCommand({ FunctionName: 'qual', Name: 'prod', FunctionVersion: '2' }),
      );
      const moved = await invoke(client, 'qual:prod');
      assert.equal(moved.executedVersion, '2');
      assert.equal((moved.json as Report).tag, 'v2');
      await client.send(
        new UpdateAliasCommand({ FunctionName: 'qual', Name: 'prod', FunctionVersion: '1' }),
      );
      await rejects(
        invoke(client, 'qual:nope'),
        'ResourceNotFoundException',
        `Function not found: ${ARN}:qual:nope`,
      );
    });

    it('runs an Event invocation of an alias and records the version that ran', async () => {
      await client.send(
        new PutFunctionEventInvokeConfigCommand({
          FunctionName: 'qual',
          Qualifier: 'prod',
          MaximumRetryAttempts: 0,
        }),
      );
      await rejects(
        client.send(
          new PutFunctionEventInvokeConfigCommand({
            FunctionName: 'qual',
            Qualifier: 'missing',
            MaximumRetryAttempts: 0,
          }),
        ),
        'ResourceNotFoundException',
        "The function doesn't exist.",
      );
      const out = await client.send(
        new InvokeCommand({
          FunctionName: 'qual:prod',
          InvocationType: 'Event',
          Payload: Buffer.from(JSON.stringify({ dir })),
        }),
      );
      assert.equal(out.StatusCode, 202);
      const file = path.join(dir, out.$metadata.requestId as string);
      const ran = await waitFor('the event to run', () =>
        fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined,
      );
      assert.equal(ran, '1');
    });

    it('splits invocations of a weighted alias by its weights (30% ± 5% of 1,000)', async () => {
      await client.send(
        new CreateAliasCommand({
          FunctionName: 'qual',
          Name: 'canary',
          FunctionVersion: '1',
          RoutingConfig: { AdditionalVersionWeights: { '2': 0.3 } },
        }),
      );
      const counts = new Map<string, number>();
      let next = 0;
      const worker = async () => {
        while (next < 1000) {
          next++;
          const result = await client.send(
            new InvokeCommand({ FunctionName: 'qual', Qualifier: 'canary' }),
          );
          const report = JSON.parse(Buffer.from(result.Payload ?? []).toString()) as Report;
          assert.equal(report.version, result.ExecutedVersion, 'the header names the version run');
          assert.equal(report.arn, `${ARN}:qual:canary`);
          counts.set(report.version, (counts.get(report.version) ?? 0) + 1);
        }
      };
      await Promise.all(Array.from({ length: 6 }, worker));
      const two = counts.get('2') ?? 0;
      assert.equal(two + (counts.get('1') ?? 0), 1000);
      assert.ok(two >= 250 && two <= 350, `version 2 ran ${two} of 1,000 times`);
    });

    it('refuses to delete a version an alias routes to, and aliases through DeleteFunction', async () => {
      await rejects(
        client.send(new DeleteFunctionCommand({ FunctionName: 'qual', Qualifier: '1' })),
        'ResourceConflictException',
        'Unable to delete version because the following aliases reference it: [canary, prod]',
      );
      await rejects(
        client.send(new DeleteFunctionCommand({ FunctionName: 'qual', Qualifier: '2' })),
        'ResourceConflictException',
        'Unable to delete version because the following aliases reference it: [canary]',
      );
      await rejects(
        client.send(new DeleteFunctionCommand({ FunctionName: 'qual:prod' })),
        'InvalidParameterValueException',
        'Deletion of aliases is not currently supported.',
      );
    });

    it('deletes the aliases with the function', async () => {
      await twoVersions(client, 'short-lived');
      await client.send(
        new CreateAliasCommand({ FunctionName: 'short-lived', Name: 'a', FunctionVersion: '2' }),
      );
      await client.send(new DeleteFunctionCommand({ FunctionName: 'short-lived' }));
      await rejects(
        client.send(new ListAliasesCommand({ FunctionName: 'short-lived' })),
        'ResourceNotFoundException',
        `Function not found: ${ARN}:short-lived`,
      );
      await deploy(client, 'short-lived', reporter('again'), { Publish: true });
      const listed = await client.send(new ListAliasesCommand({ FunctionName: 'short-lived' }));
      assert.deepEqual(listed.Aliases, []);
      await rejects(
        client.send(new GetAliasCommand({ FunctionName: 'short-lived', Name: 'a' })),
        'ResourceNotFoundException',
        `Cannot find alias arn: ${ARN}:short-lived:a`,
      );
    });
  });

  describe('provisioned concurrency on an alias', () => {
    before(async () => {
      await twoVersions(client, 'warm');
      await client.send(
        new CreateAliasCommand({ FunctionName: 'warm', Name: 'hot', FunctionVersion: '2' }),
      );
    });

    it("provisions the alias's version, and follows the alias when it moves", async () => {
      const put = await client.send(
        new PutProvisionedConcurrencyConfigCommand({
          FunctionName: 'warm',
          Qualifier: 'hot',
          ProvisionedConcurrentExecutions: 1,
        }),
      );
      assert.equal(put.RequestedProvisionedConcurrentExecutions, 1);
      const ready = async () => {
        for (let i = 0; i < 400; i++) {
          const got = await client.send(
            new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'warm', Qualifier: 'hot' }),
          );
          if (got.Status === 'READY') return got;
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        assert.fail('the alias never got READY');
      };
      await ready();
      const served = await invoke(client, 'warm:hot');
      assert.equal((served.json as Report).init, 'provisioned-concurrency');
      assert.equal(served.executedVersion, '2');
      const list = await client.send(
        new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'warm' }),
      );
      assert.deepEqual(
        list.ProvisionedConcurrencyConfigs?.map((c) => c.FunctionArn),
        [`${ARN}:warm:hot`],
      );

      await client.send(
        new UpdateAliasCommand({ FunctionName: 'warm', Name: 'hot', FunctionVersion: '1' }),
      );
      await ready();
      const moved = await invoke(client, 'warm', {}, { Qualifier: 'hot' });
      assert.equal(moved.executedVersion, '1');
      assert.equal((moved.json as Report).init, 'provisioned-concurrency');
      const direct = await invoke(client, 'warm', {}, { Qualifier: '2' });
      assert.equal((direct.json as Report).init, 'on-demand', 'version 2 is no longer provisioned');
    });

    it('refuses weighted aliases, missing aliases and double provisioning', async () => {
      const put = (Qualifier: string) =>
        client.send(
          new PutProvisionedConcurrencyConfigCommand({
            FunctionName: 'warm',
            Qualifier,
            ProvisionedConcurrentExecutions: 1,
          }),
        );
      await rejects(
        put('1'),
        'ResourceConflictException',
        'Version is pointed by a Provisioned Concurrency alias',
      );
      await client.send(
        new CreateAliasCommand({
          FunctionName: 'warm',
          Name: 'split',
          FunctionVersion: '2',
          RoutingConfig: { AdditionalVersionWeights: { '1': 0.5 } },
        }),
      );
      await rejects(
        put('split'),
        'InvalidParameterValueException',
        'Alias with weights can not be used with Provisioned Concurrency',
      );
      await rejects(
        put('nope'),
        'ResourceNotFoundException',
        `Cannot find alias arn: ${ARN}:warm:nope`,
      );
      await put('2');
      await client.send(
        new CreateAliasCommand({ FunctionName: 'warm', Name: 'two', FunctionVersion: '2' }),
      );
      await rejects(
        put('two'),
        'ResourceConflictException',
        "Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version",
      );
    });
  });
});

describe('a restarted server', () => {
  let first: TestServer | undefined;
  let second: TestServer | undefined;
  after(async () => {
    await first?.close();
    await second?.close();
  });

  it('keeps versions and aliases, and invokes through them', async () => {
    first = await startTestServer();
    const client = lambdaClient(first.url);
    await twoVersions(client, 'kept');
    const alias = await client.send(
      new CreateAliasCommand({
        FunctionName: 'kept',
        Name: 'stable',
        FunctionVersion: '1',
        Description: 'survives',
        RoutingConfig: { AdditionalVersionWeights: { '2': 0.5 } },
      }),
    );
    await first.close();
    const dataDir = first.dataDir;
    first = undefined;

    second = await startTestServer({ dataDir });
    const again = lambdaClient(second.url);
    const got = await again.send(new GetAliasCommand({ FunctionName: 'kept', Name: 'stable' }));
    const { $metadata: _a, ...before } = alias;
    const { $metadata: _b, ...now } = got;
    assert.deepEqual(now, before);
    const versions = await again.send(new ListVersionsByFunctionCommand({ FunctionName: 'kept' }));
    assert.deepEqual(
      versions.Versions?.map((v) => v.Version),
      ['$LATEST', '1', '2'],
    );
    const ran = await invoke(again, 'kept:stable');
    assert.ok(['1', '2'].includes(ran.executedVersion ?? ''));
    assert.equal((ran.json as Report).version, ran.executedVersion);
  });
});
