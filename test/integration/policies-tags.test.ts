import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AddPermissionCommand,
  type AddPermissionCommandInput,
  CreateCodeSigningConfigCommand,
  CreateFunctionCommand,
  DeleteCodeSigningConfigCommand,
  DeleteFunctionCodeSigningConfigCommand,
  DeleteFunctionCommand,
  GetCodeSigningConfigCommand,
  GetFunctionCodeSigningConfigCommand,
  GetFunctionCommand,
  GetFunctionRecursionConfigCommand,
  GetPolicyCommand,
  GetRuntimeManagementConfigCommand,
  type LambdaClient,
  ListCodeSigningConfigsCommand,
  ListFunctionsByCodeSigningConfigCommand,
  ListTagsCommand,
  PutFunctionCodeSigningConfigCommand,
  PutFunctionRecursionConfigCommand,
  PutRuntimeManagementConfigCommand,
  RemovePermissionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateCodeSigningConfigCommand,
  UpdateFunctionCodeCommand,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { deploy, WAIT } from '../helpers/functions.js';
import { lambdaClient, ROLE, type TestServer, useTestServer } from '../helpers/server.js';
import { buildZip } from '../helpers/zip-builder.js';

const FILES = { 'index.js': 'exports.handler = async () => 1;' };
const ARN = 'arn:aws:lambda:us-east-1:000000000000:function';
const PROFILE = 'arn:aws:signer:us-east-1:000000000000:/signing-profiles/profile/abcdef';

/** Asserts that `action` fails with AWS's error code, HTTP status and (when given) message. */
async function fails(
  action: Promise<unknown>,
  code: string,
  status: number,
  message?: string | RegExp,
): Promise<void> {
  await assert.rejects(action, (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(err.name, code, err.message);
    assert.equal(err.$metadata?.httpStatusCode, status);
    if (typeof message === 'string') assert.equal(err.message, message);
    else if (message) assert.match(err.message, message);
    return true;
  });
}

/** Version 1 published at creation; version 2 from a code update. */
async function deployWithVersions(client: LambdaClient, name: string): Promise<void> {
  await deploy(client, name, FILES, { Publish: true });
  await client.send(
    new UpdateFunctionCodeCommand({
      FunctionName: name,
      ZipFile: buildZip({ 'index.js': 'exports.handler = async () => 2;' }),
      Publish: true,
    }),
  );
  await waitUntilFunctionUpdatedV2({ client, ...WAIT }, { FunctionName: name });
}

const permission = (
  FunctionName: string,
  StatementId: string,
  extra: Partial<AddPermissionCommandInput> = {},
) =>
  new AddPermissionCommand({
    FunctionName,
    StatementId,
    Action: 'lambda:InvokeFunction',
    Principal: 's3.amazonaws.com',
    ...extra,
  });

async function policyOf(client: LambdaClient, FunctionName: string, Qualifier?: string) {
  const got = await client.send(new GetPolicyCommand({ FunctionName, Qualifier }));
  return { document: JSON.parse(got.Policy ?? ''), revisionId: got.RevisionId };
}

describe('resource policies through @aws-sdk/client-lambda', () => {
  let client: LambdaClient;
  useTestServer({ inMemory: true }, (_server, c) => (client = c));

  it('builds statements as AWS does and prints the policy document', async () => {
    await deploy(client, 'shaped', FILES);
    const s3 = await client.send(
      permission('shaped', 's3', {
        SourceArn: 'arn:aws:s3:::bucket',
        SourceAccount: '123456789012',
      }),
    );
    assert.deepEqual(JSON.parse(s3.Statement ?? ''), {
      Sid: 's3',
      Effect: 'Allow',
      Principal: { Service: 's3.amazonaws.com' },
      Action: 'lambda:InvokeFunction',
      Resource: `${ARN}:shaped`,
      Condition: {
        StringEquals: { 'AWS:SourceAccount': '123456789012' },
        ArnLike: { 'AWS:SourceArn': 'arn:aws:s3:::bucket' },
      },
    });
    const account = await client.send(
      permission('shaped', 'account', { Principal: '111122223333', Action: 'lambda:GetFunction' }),
    );
    assert.deepEqual(JSON.parse(account.Statement ?? '').Principal, {
      AWS: 'arn:aws:iam::111122223333:root',
    });
    const url = await client.send(
      permission('shaped', 'url', {
        Principal: '*',
        Action: 'lambda:InvokeFunctionUrl',
        FunctionUrlAuthType: 'NONE',
        PrincipalOrgID: 'o-abcdefghij',
      }),
    );
    const urlStatement = JSON.parse(url.Statement ?? '');
    assert.equal(urlStatement.Principal, '*');
    assert.deepEqual(urlStatement.Condition, {
      StringEquals: { 'aws:PrincipalOrgID': 'o-abcdefghij', 'lambda:FunctionUrlAuthType': 'NONE' },
    });
    const viaUrl = await client.send(
      permission('shaped', 'via-url', { Principal: '*', InvokedViaFunctionUrl: true }),
    );
    assert.deepEqual(JSON.parse(viaUrl.Statement ?? '').Condition, {
      Bool: { 'lambda:InvokedViaFunctionUrl': 'true' },
    });

    const got = await client.send(new GetPolicyCommand({ FunctionName: 'shaped' }));
    const document = JSON.parse(got.Policy ?? '');
    assert.deepEqual(Object.keys(document), ['Version', 'Id', 'Statement']);
    assert.equal(document.Version, '2012-10-17');
    assert.equal(document.Id, 'default');
    assert.deepEqual(
      document.Statement.map((s: { Sid: string }) => s.Sid),
      ['s3', 'account', 'url', 'via-url'],
    );
    assert.deepEqual(document.Statement[0], JSON.parse(s3.Statement ?? ''));
    assert.deepEqual(Object.keys(document.Statement[0]), [
      'Sid',
      'Effect',
      'Principal',
      'Action',
      'Resource',
      'Condition',
    ]);
  });

  it('refuses duplicate statement ids, bad actions, principals and $LATEST', async () => {
    await deploy(client, 'strict', FILES);
    await client.send(permission('strict', 'dup'));
    await fails(
      client.send(permission('strict', 'dup', { Principal: '*' })),
      'ResourceConflictException',
      409,
      'The statement id (dup) provided already exists. Please provide a new statement id, or remove the existing statement.',
    );
    await fails(
      client.send(permission('strict', 'bad-action', { Action: 'iam:PassRole' })),
      'ValidationException',
      400,
      "1 validation error detected: Value 'iam:PassRole' at 'action' failed to satisfy constraint: Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])",
    );
    await fails(
      client.send(permission('strict', 'bad sid')),
      'ValidationException',
      400,
      /Value 'bad sid' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: \(\[a-zA-Z0-9-_\]\+\)/,
    );
    await fails(
      client.send(permission('strict', 'who', { Principal: 'somebody' })),
      'InvalidParameterValueException',
      400,
      'The provided principal was invalid. Please check the principal and try again.',
    );
    await fails(
      client.send(permission('strict', 'latest', { Qualifier: '$LATEST' })),
      'InvalidParameterValueException',
      400,
      'We currently do not support adding policies for $LATEST.',
    );
    await fails(
      client.send(permission('missing', 'x')),
      'ResourceNotFoundException',
      404,
      `Function not found: ${ARN}:missing`,
    );
  });

  it('keeps each qualifier its own policy, and finds no missing qualifier', async () => {
    await deployWithVersions(client, 'qualified');
    await client.send(permission('qualified', 'same'));
    await client.send(permission('qualified', 'same', { Qualifier: '1' }));
    await client.send(permission('qualified:2', 'same'));
    await client.send(permission('qualified', 'only-v1', { Qualifier: '1' }));

    const sids = async (qualifier?: string) =>
      (await policyOf(client, 'qualified', qualifier)).document.Statement.map(
        (s: { Sid: string; Resource: string }) => `${s.Sid} ${s.Resource}`,
      );
    assert.deepEqual(await sids(), [`same ${ARN}:qualified`]);
    assert.deepEqual(await sids('$LATEST'), [`same ${ARN}:qualified`]);
    assert.deepEqual(await sids('1'), [`same ${ARN}:qualified:1`, `only-v1 ${ARN}:qualified:1`]);
    assert.deepEqual(await sids('2'), [`same ${ARN}:qualified:2`]);

    await client.send(
      new RemovePermissionCommand({
        FunctionName: 'qualified',
        StatementId: 'same',
        Qualifier: '1',
      }),
    );
    assert.deepEqual(await sids('1'), [`only-v1 ${ARN}:qualified:1`]);
    assert.deepEqual(await sids(), [`same ${ARN}:qualified`]);

    await fails(
      client.send(permission('qualified', 'x', { Qualifier: '9' })),
      'ResourceNotFoundException',
      404,
      `Function not found: ${ARN}:qualified:9`,
    );
    await fails(
      client.send(permission('qualified', 'x', { Qualifier: 'live' })),
      'ResourceNotFoundException',
      404,
      `Cannot find alias arn: ${ARN}:qualified:live`,
    );
    await fails(
      client.send(new GetPolicyCommand({ FunctionName: 'qualified', Qualifier: '9' })),
      'ResourceNotFoundException',
      404,
      'The resource you requested does not exist.',
    );
    await fails(
      client.send(
        new RemovePermissionCommand({
          FunctionName: 'qualified',
          StatementId: 'x',
          Qualifier: '9',
        }),
      ),
      'ResourceNotFoundException',
      404,
      `Function not found: ${ARN}:qualified:9`,
    );
  });

  it("reports and checks the target's RevisionId, which each change renews", async () => {
    await deployWithVersions(client, 'revised');
    const before = await client.send(new GetFunctionCommand({ FunctionName: 'revised' }));
    await fails(
      client.send(permission('revised', 'stale', { RevisionId: 'not-the-revision' })),
      'PreconditionFailedException',
      412,
      'The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id',
    );
    await client.send(
      permission('revised', 'first', { RevisionId: before.Configuration?.RevisionId }),
    );
    const after = await client.send(new GetFunctionCommand({ FunctionName: 'revised' }));
    assert.notEqual(after.Configuration?.RevisionId, before.Configuration?.RevisionId);
    const policy = await policyOf(client, 'revised');
    assert.equal(policy.revisionId, after.Configuration?.RevisionId);

    await fails(
      client.send(
        new RemovePermissionCommand({
          FunctionName: 'revised',
          StatementId: 'first',
          RevisionId: before.Configuration?.RevisionId,
        }),
      ),
      'PreconditionFailedException',
      412,
      /does not match the latest Revision Id/,
    );
    await client.send(permission('revised', 'second', { RevisionId: policy.revisionId }));
    const current = await policyOf(client, 'revised');
    await client.send(
      new RemovePermissionCommand({
        FunctionName: 'revised',
        StatementId: 'first',
        RevisionId: current.revisionId,
      }),
    );

    const v1 = await client.send(
      new GetFunctionCommand({ FunctionName: 'revised', Qualifier: '1' }),
    );
    await client.send(permission('revised', 'v1', { Qualifier: '1' }));
    const v1Policy = await policyOf(client, 'revised', '1');
    const v1After = await client.send(
      new GetFunctionCommand({ FunctionName: 'revised', Qualifier: '1' }),
    );
    assert.notEqual(v1After.Configuration?.RevisionId, v1.Configuration?.RevisionId);
    assert.equal(v1Policy.revisionId, v1After.Configuration?.RevisionId);
  });

  it('removes statements, then the policy, and answers for what is not there', async () => {
    await deploy(client, 'removal', FILES);
    await fails(
      client.send(new GetPolicyCommand({ FunctionName: 'removal' })),
      'ResourceNotFoundException',
      404,
      'The resource you requested does not exist.',
    );
    await fails(
      client.send(new RemovePermissionCommand({ FunctionName: 'removal', StatementId: 'nope' })),
      'ResourceNotFoundException',
      404,
      'No policy is associated with the given resource.',
    );
    await client.send(permission('removal', 'only'));
    await fails(
      client.send(new RemovePermissionCommand({ FunctionName: 'removal', StatementId: 'nope' })),
      'ResourceNotFoundException',
      404,
      'Statement nope is not found in resource policy.',
    );
    await client.send(
      new RemovePermissionCommand({ FunctionName: 'removal', StatementId: 'only' }),
    );
    await fails(
      client.send(new GetPolicyCommand({ FunctionName: 'removal' })),
      'ResourceNotFoundException',
      404,
      'The resource you requested does not exist.',
    );
    await fails(
      client.send(new GetPolicyCommand({ FunctionName: 'nobody' })),
      'ResourceNotFoundException',
      404,
      `Function not found: ${ARN}:nobody`,
    );
  });

  it('refuses a policy over 20 KB', async () => {
    await deploy(client, 'large', FILES);
    const source = `arn:aws:s3:::${'b'.repeat(4_000)}`;
    for (let i = 0; i < 4; i++) {
      await client.send(permission('large', `s${i}`, { SourceArn: source }));
    }
    await fails(
      client.send(permission('large', 's4', { SourceArn: source })),
      'PolicyLengthExceededException',
      400,
      /^The final policy size \(\d+\) is bigger than the limit \(20480\)\.$/,
    );
    const { document } = await policyOf(client, 'large');
    assert.equal(document.Statement.length, 4);
  });

  it('goes with the function when it is deleted', async () => {
    await deploy(client, 'ephemeral', FILES);
    await client.send(permission('ephemeral', 'kept'));
    await client.send(new DeleteFunctionCommand({ FunctionName: 'ephemeral' }));
    await deploy(client, 'ephemeral', FILES);
    await fails(
      client.send(new GetPolicyCommand({ FunctionName: 'ephemeral' })),
      'ResourceNotFoundException',
      404,
      'The resource you requested does not exist.',
    );
  });
});

describe('tags through @aws-sdk/client-lambda', () => {
  let client: LambdaClient;
  let server: TestServer;
  useTestServer({ inMemory: true }, (s, c) => {
    server = s;
    client = c;
  });

  it('round-trips with CreateFunction and GetFunction', async () => {
    await deploy(client, 'tagged', FILES, { Tags: { team: 'core', stage: 'dev' } });
    const resource = `${ARN}:tagged`;
    assert.deepEqual((await client.send(new ListTagsCommand({ Resource: resource }))).Tags, {
      team: 'core',
      stage: 'dev',
    });
    const before = await client.send(new GetFunctionCommand({ FunctionName: 'tagged' }));
    await client.send(
      new TagResourceCommand({ Resource: resource, Tags: { stage: 'prod', owner: 'me' } }),
    );
    const after = await client.send(new GetFunctionCommand({ FunctionName: 'tagged' }));
    assert.deepEqual(after.Tags, { team: 'core', stage: 'prod', owner: 'me' });
    assert.notEqual(after.Configuration?.RevisionId, before.Configuration?.RevisionId);

    await client.send(new UntagResourceCommand({ Resource: resource, TagKeys: ['team', 'owner'] }));
    assert.deepEqual((await client.send(new ListTagsCommand({ Resource: resource }))).Tags, {
      stage: 'prod',
    });
    await client.send(new UntagResourceCommand({ Resource: resource, TagKeys: ['stage'] }));
    assert.deepEqual((await client.send(new ListTagsCommand({ Resource: resource }))).Tags, {});
    assert.equal(
      (await client.send(new GetFunctionCommand({ FunctionName: 'tagged' }))).Tags,
      undefined,
    );
  });

  it('refuses qualified ARNs, bad ARNs, missing functions and other accounts', async () => {
    await deployWithVersions(client, 'tag-rules');
    await fails(
      client.send(new TagResourceCommand({ Resource: `${ARN}:tag-rules:1`, Tags: { a: '1' } })),
      'InvalidParameterValueException',
      400,
      'Tags on function aliases and versions are not supported. Please specify a function ARN.',
    );
    await fails(
      client.send(new ListTagsCommand({ Resource: 'tag-rules' })),
      'ValidationException',
      400,
      /^1 validation error detected: Value 'tag-rules' at 'resource' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:\(aws\[a-zA-Z-\]\*\):lambda:/,
    );
    await fails(
      client.send(new TagResourceCommand({ Resource: `${ARN}:nobody`, Tags: { a: '1' } })),
      'ResourceNotFoundException',
      404,
      `Function not found: ${ARN}:nobody`,
    );
    const other = lambdaClient(server.url, { account: '999999999999', region: 'us-east-1' });
    await fails(
      other.send(new ListTagsCommand({ Resource: `${ARN}:tag-rules` })),
      'ResourceNotFoundException',
      404,
    );
    await fails(
      client.send(new TagResourceCommand({ Resource: `${ARN}:tag-rules`, Tags: {} })),
      'InvalidParameterValueException',
      400,
      'An error occurred and the request cannot be processed.',
    );
  });

  it('applies the tag limits to TagResource and CreateFunction alike', async () => {
    await deploy(client, 'limits', FILES);
    const resource = `${ARN}:limits`;
    const many = (n: number, prefix: string) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, 'v']));
    await fails(
      client.send(new TagResourceCommand({ Resource: resource, Tags: many(51, 'k') })),
      'InvalidParameterValueException',
      400,
      'Number of tags exceeds resource tag limit.',
    );
    await client.send(new TagResourceCommand({ Resource: resource, Tags: many(50, 'k') }));
    await fails(
      client.send(new TagResourceCommand({ Resource: resource, Tags: { extra: 'v' } })),
      'InvalidParameterValueException',
      400,
      'Number of tags exceeds resource tag limit.',
    );
    const bad: Record<string, string>[] = [
      { 'aws:reserved': 'v' },
      { ['k'.repeat(129)]: 'v' },
      { key: 'v'.repeat(257) },
    ];
    for (const Tags of bad) {
      await fails(
        client.send(new TagResourceCommand({ Resource: resource, Tags })),
        'InvalidParameterValueException',
        400,
      );
      await fails(
        client.send(
          new CreateFunctionCommand({
            FunctionName: 'badly-tagged',
            Runtime: 'nodejs20.x',
            Handler: 'index.handler',
            Role: ROLE,
            Code: { ZipFile: buildZip(FILES) },
            Tags,
          }),
        ),
        'InvalidParameterValueException',
        400,
      );
    }
    await fails(
      client.send(new GetFunctionCommand({ FunctionName: 'badly-tagged' })),
      'ResourceNotFoundException',
      404,
    );
    await client.send(
      new UntagResourceCommand({ Resource: resource, TagKeys: Object.keys(many(50, 'k')) }),
    );
    const largest = { ['k'.repeat(128)]: 'v'.repeat(256) };
    await client.send(new TagResourceCommand({ Resource: resource, Tags: largest }));
    assert.deepEqual(
      (await client.send(new ListTagsCommand({ Resource: resource }))).Tags,
      largest,
    );
  });
});

describe('runtime management and recursion configs through @aws-sdk/client-lambda', () => {
  let client: LambdaClient;
  useTestServer({ inMemory: true }, (_server, c) => (client = c));
  const RUNTIME_VERSION = 'arn:aws:lambda:us-east-1::runtime:0123456789abcdef0123456789abcdef';

  it('defaults to Auto and keeps a mode per version', async () => {
    await deployWithVersions(client, 'managed');
    const initial = await client.send(
      new GetRuntimeManagementConfigCommand({ FunctionName: 'managed' }),
    );
    assert.equal(initial.UpdateRuntimeOn, 'Auto');
    assert.equal(initial.FunctionArn, `${ARN}:managed`);
    assert.equal(initial.RuntimeVersionArn, undefined);

    const put = await client.send(
      new PutRuntimeManagementConfigCommand({
        FunctionName: 'managed',
        UpdateRuntimeOn: 'FunctionUpdate',
      }),
    );
    assert.equal(put.UpdateRuntimeOn, 'FunctionUpdate');
    assert.equal(put.FunctionArn, `${ARN}:managed`);
    const pinned = await client.send(
      new PutRuntimeManagementConfigCommand({
        FunctionName: 'managed',
        Qualifier: '1',
        UpdateRuntimeOn: 'Manual',
        RuntimeVersionArn: RUNTIME_VERSION,
      }),
    );
    assert.equal(pinned.FunctionArn, `${ARN}:managed:1`);
    assert.equal(pinned.RuntimeVersionArn, RUNTIME_VERSION);

    const get = (Qualifier?: string) =>
      client.send(new GetRuntimeManagementConfigCommand({ FunctionName: 'managed', Qualifier }));
    assert.equal((await get()).UpdateRuntimeOn, 'FunctionUpdate');
    assert.equal((await get('$LATEST')).UpdateRuntimeOn, 'FunctionUpdate');
    const v1 = await get('1');
    assert.equal(v1.UpdateRuntimeOn, 'Manual');
    assert.equal(v1.RuntimeVersionArn, RUNTIME_VERSION);
    assert.equal((await get('2')).UpdateRuntimeOn, 'Auto');
  });

  it('refuses Manual without a runtime version, and other misuse', async () => {
    await deploy(client, 'mismanaged', FILES);
    await fails(
      client.send(
        new PutRuntimeManagementConfigCommand({
          FunctionName: 'mismanaged',
          UpdateRuntimeOn: 'Manual',
        }),
      ),
      'InvalidParameterValueException',
      400,
    );
    await fails(
      client.send(
        new PutRuntimeManagementConfigCommand({
          FunctionName: 'mismanaged',
          UpdateRuntimeOn: 'Auto',
          RuntimeVersionArn: RUNTIME_VERSION,
        }),
      ),
      'InvalidParameterValueException',
      400,
    );
    await fails(
      client.send(
        new PutRuntimeManagementConfigCommand({
          FunctionName: 'mismanaged',
          UpdateRuntimeOn: 'Sometimes' as 'Auto',
        }),
      ),
      'ValidationException',
      400,
      "1 validation error detected: Value 'Sometimes' at 'updateRuntimeOn' failed to satisfy constraint: Member must satisfy enum value set: [Auto, Manual, FunctionUpdate]",
    );
    await fails(
      client.send(
        new PutRuntimeManagementConfigCommand({
          FunctionName: 'mismanaged',
          UpdateRuntimeOn: 'Manual',
          RuntimeVersionArn: 'arn:aws:lambda:us-east-1:000000000000:function:x',
        }),
      ),
      'ValidationException',
      400,
      /at 'runtimeVersionArn' failed to satisfy constraint: Member must satisfy regular expression pattern/,
    );
    await fails(
      client.send(
        new GetRuntimeManagementConfigCommand({ FunctionName: 'mismanaged', Qualifier: '3' }),
      ),
      'ResourceNotFoundException',
      404,
      `Function not found: ${ARN}:mismanaged:3`,
    );
    await fails(
      client.send(new GetRuntimeManagementConfigCommand({ FunctionName: 'nobody' })),
      'ResourceNotFoundException',
      404,
      `Function not found: ${ARN}:nobody`,
    );
  });

  it('defaults recursion to Terminate and stores Allow', async () => {
    await deploy(client, 'looping', FILES);
    const get = () =>
      client.send(new GetFunctionRecursionConfigCommand({ FunctionName: 'looping' }));
    assert.equal((await get()).RecursiveLoop, 'Terminate');
    const put = await client.send(
      new PutFunctionRecursionConfigCommand({ FunctionName: 'looping', RecursiveLoop: 'Allow' }),
    );
    assert.equal(put.RecursiveLoop, 'Allow');
    assert.equal((await get()).RecursiveLoop, 'Allow');
    await client.send(
      new PutFunctionRecursionConfigCommand({
        FunctionName: `${ARN}:looping`,
        RecursiveLoop: 'Terminate',
      }),
    );
    assert.equal((await get()).RecursiveLoop, 'Terminate');

    await fails(
      client.send(
        new PutFunctionRecursionConfigCommand({
          FunctionName: 'looping',
          RecursiveLoop: 'Never' as 'Allow',
        }),
      ),
      'ValidationException',
      400,
      "1 validation error detected: Value 'Never' at 'recursiveLoop' failed to satisfy constraint: Member must satisfy enum value set: [Allow, Terminate]",
    );
    await fails(
      client.send(new GetFunctionRecursionConfigCommand({ FunctionName: 'looping:1' })),
      'ValidationException',
      400,
      /^1 validation error detected: Value 'looping:1' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern/,
    );
    await fails(
      client.send(
        new PutFunctionRecursionConfigCommand({ FunctionName: 'nobody', RecursiveLoop: 'Allow' }),
      ),
      'ResourceNotFoundException',
      404,
      `Function not found: ${ARN}:nobody`,
    );
  });
});

describe('code signing configs through @aws-sdk/client-lambda', () => {
  let client: LambdaClient;
  let server: TestServer;
  useTestServer({ inMemory: true }, (s, c) => {
    server = s;
    client = c;
  });

  const create = (Description?: string) =>
    client.send(
      new CreateCodeSigningConfigCommand({
        Description,
        AllowedPublishers: { SigningProfileVersionArns: [PROFILE] },
      }),
    );

  it('creates, gets, updates, lists and deletes configs', async () => {
    const created = (await create()).CodeSigningConfig;
    assert.match(created?.CodeSigningConfigId ?? '', /^csc-[0-9a-f]{17}$/);
    assert.equal(
      created?.CodeSigningConfigArn,
      `arn:aws:lambda:us-east-1:000000000000:code-signing-config:${created?.CodeSigningConfigId}`,
    );
    assert.deepEqual(created?.CodeSigningPolicies, { UntrustedArtifactOnDeployment: 'Warn' });
    assert.equal(created?.Description, '');
    assert.match(String(created?.LastModified), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    const arn = created?.CodeSigningConfigArn as string;

    const got = await client.send(new GetCodeSigningConfigCommand({ CodeSigningConfigArn: arn }));
    assert.deepEqual(got.CodeSigningConfig, created);
    const updated = await client.send(
      new UpdateCodeSigningConfigCommand({
        CodeSigningConfigArn: arn,
        Description: 'strict',
        CodeSigningPolicies: { UntrustedArtifactOnDeployment: 'Enforce' },
      }),
    );
    assert.equal(updated.CodeSigningConfig?.Description, 'strict');
    assert.deepEqual(updated.CodeSigningConfig?.AllowedPublishers, {
      SigningProfileVersionArns: [PROFILE],
    });
    assert.equal(
      updated.CodeSigningConfig?.CodeSigningPolicies?.UntrustedArtifactOnDeployment,
      'Enforce',
    );

    await create('second');
    await create('third');
    const first = await client.send(new ListCodeSigningConfigsCommand({ MaxItems: 2 }));
    assert.equal(first.CodeSigningConfigs?.length, 2);
    assert.ok(first.NextMarker);
    const rest = await client.send(new ListCodeSigningConfigsCommand({ Marker: first.NextMarker }));
    assert.equal(rest.CodeSigningConfigs?.length, 1);
    assert.equal(rest.NextMarker, undefined);
    const ids = [...(first.CodeSigningConfigs ?? []), ...(rest.CodeSigningConfigs ?? [])].map(
      (c) => c.CodeSigningConfigId,
    );
    assert.deepEqual(ids, [...ids].sort());

    const other = lambdaClient(server.url, { account: '999999999999', region: 'us-east-1' });
    assert.deepEqual(
      (await other.send(new ListCodeSigningConfigsCommand({}))).CodeSigningConfigs,
      [],
    );

    await client.send(new DeleteCodeSigningConfigCommand({ CodeSigningConfigArn: arn }));
    await fails(
      client.send(new GetCodeSigningConfigCommand({ CodeSigningConfigArn: arn })),
      'ResourceNotFoundException',
      404,
      `The Lambda code signing configuration ${arn} can not be found.`,
    );
    await fails(
      client.send(
        new CreateCodeSigningConfigCommand({
          AllowedPublishers: { SigningProfileVersionArns: [] },
        }),
      ),
      'ValidationException',
      400,
      /at 'allowedPublishers.signingProfileVersionArns' failed to satisfy constraint: Member must have length greater than or equal to 1/,
    );
    await fails(
      client.send(new GetCodeSigningConfigCommand({ CodeSigningConfigArn: 'csc-123' })),
      'ValidationException',
      400,
      /Value 'csc-123' at 'codeSigningConfigArn' failed to satisfy constraint/,
    );
  });

  it('attaches configs to functions, lists them, and protects configs in use', async () => {
    const arn = (await create('in use')).CodeSigningConfig?.CodeSigningConfigArn as string;
    await deploy(client, 'signed', FILES, { CodeSigningConfigArn: arn });
    await deploy(client, 'unsigned', FILES);
    assert.deepEqual(
      await client
        .send(new GetFunctionCodeSigningConfigCommand({ FunctionName: 'signed' }))
        .then(({ CodeSigningConfigArn, FunctionName }) => ({ CodeSigningConfigArn, FunctionName })),
      { CodeSigningConfigArn: arn, FunctionName: 'signed' },
    );
    const none = await client.send(
      new GetFunctionCodeSigningConfigCommand({ FunctionName: 'unsigned' }),
    );
    assert.equal(none.CodeSigningConfigArn, undefined);

    const put = await client.send(
      new PutFunctionCodeSigningConfigCommand({
        FunctionName: `${ARN}:unsigned`,
        CodeSigningConfigArn: arn,
      }),
    );
    assert.deepEqual(
      { arn: put.CodeSigningConfigArn, name: put.FunctionName },
      { arn, name: 'unsigned' },
    );
    const listed = await client.send(
      new ListFunctionsByCodeSigningConfigCommand({ CodeSigningConfigArn: arn }),
    );
    assert.deepEqual(listed.FunctionArns, [`${ARN}:signed`, `${ARN}:unsigned`]);

    await fails(
      client.send(new DeleteCodeSigningConfigCommand({ CodeSigningConfigArn: arn })),
      'ResourceConflictException',
      409,
    );
    await client.send(new DeleteFunctionCodeSigningConfigCommand({ FunctionName: 'signed' }));
    await client.send(new DeleteFunctionCodeSigningConfigCommand({ FunctionName: 'unsigned' }));
    assert.deepEqual(
      (
        await client.send(
          new ListFunctionsByCodeSigningConfigCommand({ CodeSigningConfigArn: arn }),
        )
      ).FunctionArns,
      [],
    );
    await client.send(new DeleteCodeSigningConfigCommand({ CodeSigningConfigArn: arn }));

    const gone = arn;
    const message = `The code signing configuration cannot be found. Check that the provided configuration is not deleted: ${gone}.`;
    await fails(
      client.send(
        new PutFunctionCodeSigningConfigCommand({
          FunctionName: 'signed',
          CodeSigningConfigArn: gone,
        }),
      ),
      'CodeSigningConfigNotFoundException',
      404,
      message,
    );
    await fails(
      client.send(
        new CreateFunctionCommand({
          FunctionName: 'never',
          Runtime: 'nodejs20.x',
          Handler: 'index.handler',
          Role: ROLE,
          Code: { ZipFile: buildZip(FILES) },
          CodeSigningConfigArn: gone,
        }),
      ),
      'CodeSigningConfigNotFoundException',
      404,
      message,
    );
    await fails(
      client.send(new GetFunctionCommand({ FunctionName: 'never' })),
      'ResourceNotFoundException',
      404,
    );
  });

  it('tags configs like functions', async () => {
    const created = await client.send(
      new CreateCodeSigningConfigCommand({
        AllowedPublishers: { SigningProfileVersionArns: [PROFILE] },
        Tags: { purpose: 'test' },
      }),
    );
    const arn = created.CodeSigningConfig?.CodeSigningConfigArn as string;
    assert.deepEqual((await client.send(new ListTagsCommand({ Resource: arn }))).Tags, {
      purpose: 'test',
    });
    await client.send(new TagResourceCommand({ Resource: arn, Tags: { more: 'yes' } }));
    await client.send(new UntagResourceCommand({ Resource: arn, TagKeys: ['purpose'] }));
    assert.deepEqual((await client.send(new ListTagsCommand({ Resource: arn }))).Tags, {
      more: 'yes',
    });
  });
});
