import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  AddLayerVersionPermissionCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  DeleteLayerVersionCommand,
  GetAccountSettingsCommand,
  GetFunctionCommand,
  GetLayerVersionByArnCommand,
  GetLayerVersionCommand,
  GetLayerVersionPolicyCommand,
  ListFunctionsCommand,
  ListLayersCommand,
  ListLayerVersionsCommand,
  PublishLayerVersionCommand,
  RemoveLayerVersionPermissionCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
  type LambdaClient,
  type PublishLayerVersionCommandInput,
} from '@aws-sdk/client-lambda';
import { detectSandbox } from '../../src/executors/process/detect.js';
import { deploy, invoke, WAIT, type Files } from '../helpers/functions.js';
import {
  lambdaClient,
  ROLE,
  startTestServer,
  useTestServer,
  type TestServer,
} from '../helpers/server.js';
import { buildZip } from '../helpers/zip-builder.js';

/**
 * Lambda layers (issue #7) through the SDK: the nine layer operations and their misuse, the
 * rules CreateFunction and UpdateFunctionConfiguration apply to a function's Layers, and what a
 * function finds in /opt at run time, in the default sandbox and without one.
 */

const OTHER = { account: '111111111111', region: 'us-east-1' };

/** The error an SDK call fails with: its code, HTTP status and message. */
async function failure(
  call: Promise<unknown>,
): Promise<{ name: string; status?: number; message: string }> {
  try {
    await call;
  } catch (err) {
    const e = err as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
  throw new Error('expected the call to fail');
}

async function publish(
  client: LambdaClient,
  name: string,
  files: Files,
  extra: Partial<PublishLayerVersionCommandInput> = {},
) {
  const { $metadata, ...out } = await client.send(
    new PublishLayerVersionCommand({
      LayerName: name,
      Content: { ZipFile: buildZip(files) },
      ...extra,
    }),
  );
  assert.equal($metadata.httpStatusCode, 201);
  return out;
}

/** Changes the description, which retires the function's environments: the next invoke starts cold. */
async function restart(client: LambdaClient, name: string, description: string): Promise<void> {
  await client.send(
    new UpdateFunctionConfigurationCommand({ FunctionName: name, Description: description }),
  );
  await waitUntilFunctionUpdatedV2({ client, ...WAIT }, { FunctionName: name });
}

const CJS = { 'index.js': "exports.handler = async () => require('greet')();" };

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('base64');

describe('layer operations', () => {
  let client: LambdaClient;
  let server: TestServer;
  useTestServer({ inMemory: true }, (s, c) => {
    server = s;
    client = c;
  });

  it('publishes numbered versions and shows them as AWS does', async () => {
    const zip = buildZip({ 'python/util.py': 'X = 1\n' });
    const { $metadata, ...first } = await client.send(
      new PublishLayerVersionCommand({
        LayerName: 'shapes',
        Content: { ZipFile: zip },
        Description: 'first',
        CompatibleRuntimes: ['python3.11', 'python3.12'],
        CompatibleArchitectures: ['x86_64'],
        LicenseInfo: 'MIT',
      }),
    );
    assert.equal($metadata.httpStatusCode, 201);
    assert.deepEqual(Object.keys(first).sort(), [
      'CompatibleArchitectures',
      'CompatibleRuntimes',
      'Content',
      'CreatedDate',
      'Description',
      'LayerArn',
      'LayerVersionArn',
      'LicenseInfo',
      'Version',
    ]);
    assert.equal(first.LayerArn, 'arn:aws:lambda:us-east-1:000000000000:layer:shapes');
    assert.equal(first.LayerVersionArn, 'arn:aws:lambda:us-east-1:000000000000:layer:shapes:1');
    assert.equal(first.Version, 1);
    assert.equal(first.Description, 'first');
    assert.match(first.CreatedDate ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    assert.deepEqual(first.CompatibleRuntimes, ['python3.11', 'python3.12']);
    assert.equal(first.Content?.CodeSha256, sha256(zip));
    assert.equal(first.Content?.CodeSize, zip.length);
    const download = await fetch(first.Content?.Location ?? '');
    assert.deepEqual(Buffer.from(await download.arrayBuffer()), zip);

    const second = await publish(client, 'shapes', { 'python/util.py': 'X = 2\n' });
    assert.equal(second.Version, 2);
    assert.equal(second.Description, '');
    assert.equal(second.CompatibleRuntimes, undefined);
    assert.equal(second.LicenseInfo, undefined);
  });

  it('gets a version by name, by layer ARN and by version ARN', async () => {
    const published = await publish(client, 'getter', { 'a.txt': 'a' }, { Description: 'd' });
    const { $metadata: _a, ...byName } = await client.send(
      new GetLayerVersionCommand({ LayerName: 'getter', VersionNumber: 1 }),
    );
    assert.deepEqual(byName, published);
    const { $metadata: _b, ...byLayerArn } = await client.send(
      new GetLayerVersionCommand({ LayerName: published.LayerArn, VersionNumber: 1 }),
    );
    assert.deepEqual(byLayerArn, published);
    const { $metadata: _c, ...byArn } = await client.send(
      new GetLayerVersionByArnCommand({ Arn: published.LayerVersionArn }),
    );
    assert.deepEqual(byArn, published);

    const missing = await failure(
      client.send(new GetLayerVersionCommand({ LayerName: 'getter', VersionNumber: 9 })),
    );
    assert.deepEqual(missing, {
      name: 'ResourceNotFoundException',
      status: 404,
      message: 'The resource you requested does not exist.',
    });
    const zero = await failure(
      client.send(new GetLayerVersionCommand({ LayerName: 'getter', VersionNumber: 0 })),
    );
    assert.equal(zero.name, 'InvalidParameterValueException');
    assert.equal(zero.message, 'Layer Version Cannot be less than 1');
    const badArn = await failure(
      client.send(
        new GetLayerVersionByArnCommand({
          Arn: 'arn:aws:lambda:us-east-1:000000000000:layer:getter',
        }),
      ),
    );
    assert.equal(badArn.name, 'ValidationException');
    assert.equal(
      badArn.message,
      "1 validation error detected: Value 'arn:aws:lambda:us-east-1:000000000000:layer:getter' at 'arn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+",
    );
  });

  it('lists versions newest first, filtered and paginated', async () => {
    await publish(
      client,
      'lister',
      { v1: '1' },
      { CompatibleRuntimes: ['nodejs20.x'], CompatibleArchitectures: ['arm64'] },
    );
    await publish(client, 'lister', { v2: '2' }, { CompatibleRuntimes: ['python3.11'] });
    await publish(
      client,
      'lister',
      { v3: '3' },
      { CompatibleRuntimes: ['nodejs20.x', 'python3.11'] },
    );
    const all = await client.send(new ListLayerVersionsCommand({ LayerName: 'lister' }));
    assert.deepEqual(
      all.LayerVersions?.map((v) => v.Version),
      [3, 2, 1],
    );
    assert.equal(all.NextMarker, undefined);
    assert.deepEqual(Object.keys(all.LayerVersions?.[0] ?? {}).sort(), [
      'CompatibleRuntimes',
      'CreatedDate',
      'Description',
      'LayerVersionArn',
      'Version',
    ]);
    const node = await client.send(
      new ListLayerVersionsCommand({ LayerName: 'lister', CompatibleRuntime: 'nodejs20.x' }),
    );
    assert.deepEqual(
      node.LayerVersions?.map((v) => v.Version),
      [3, 1],
    );
    const arm = await client.send(
      new ListLayerVersionsCommand({ LayerName: 'lister', CompatibleArchitecture: 'arm64' }),
    );
    assert.deepEqual(
      arm.LayerVersions?.map((v) => v.Version),
      [1],
    );

    const page1 = await client.send(
      new ListLayerVersionsCommand({ LayerName: 'lister', MaxItems: 2 }),
    );
    assert.deepEqual(
      page1.LayerVersions?.map((v) => v.Version),
      [3, 2],
    );
    assert.ok(page1.NextMarker);
    const page2 = await client.send(
      new ListLayerVersionsCommand({ LayerName: 'lister', MaxItems: 2, Marker: page1.NextMarker }),
    );
    assert.deepEqual(
      page2.LayerVersions?.map((v) => v.Version),
      [1],
    );
    assert.equal(page2.NextMarker, undefined);

    const none = await client.send(new ListLayerVersionsCommand({ LayerName: 'never-published' }));
    assert.deepEqual(none.LayerVersions, []);
    const tooMany = await failure(
      client.send(new ListLayerVersionsCommand({ LayerName: 'lister', MaxItems: 51 })),
    );
    assert.equal(tooMany.name, 'ValidationException');
    assert.equal(
      tooMany.message,
      "1 validation error detected: Value '51' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 50",
    );
    const badRuntime = await failure(
      client.send(
        new ListLayerVersionsCommand({
          LayerName: 'lister',
          CompatibleRuntime: 'cobol' as 'nodejs20.x',
        }),
      ),
    );
    assert.equal(badRuntime.name, 'ValidationException');
    assert.match(
      badRuntime.message,
      /^1 validation error detected: Value 'cobol' at 'compatibleRuntime' failed to satisfy constraint: Member must satisfy enum value set: \[/,
    );
  });

  it('lists layers with their latest matching version', async () => {
    const own = lambdaClient(server.url, { account: '222222222222', region: 'us-east-1' });
    const sizes = [
      await publish(own, 'beta', { b: '1' }, { CompatibleRuntimes: ['python3.11'] }),
      await publish(own, 'beta', { b: '2' }, { CompatibleRuntimes: ['nodejs20.x'] }),
      await publish(own, 'alpha', { a: '1' }),
    ].map((published) => published.Content?.CodeSize ?? 0);
    // Layer archives count toward the account's code storage, as on AWS.
    const usage = (await own.send(new GetAccountSettingsCommand({}))).AccountUsage;
    assert.equal(usage?.TotalCodeSize, sizes[0]! + sizes[1]! + sizes[2]!);
    const all = await own.send(new ListLayersCommand({}));
    assert.deepEqual(
      all.Layers?.map((l) => [l.LayerName, l.LatestMatchingVersion?.Version]),
      [
        ['alpha', 1],
        ['beta', 2],
      ],
    );
    assert.equal(all.Layers?.[0]?.LayerArn, 'arn:aws:lambda:us-east-1:222222222222:layer:alpha');
    const python = await own.send(new ListLayersCommand({ CompatibleRuntime: 'python3.11' }));
    assert.deepEqual(
      python.Layers?.map((l) => [l.LayerName, l.LatestMatchingVersion?.Version]),
      [['beta', 1]],
    );
    const page = await own.send(new ListLayersCommand({ MaxItems: 1 }));
    assert.deepEqual(
      page.Layers?.map((l) => l.LayerName),
      ['alpha'],
    );
    const rest = await own.send(new ListLayersCommand({ MaxItems: 1, Marker: page.NextMarker }));
    assert.deepEqual(
      rest.Layers?.map((l) => l.LayerName),
      ['beta'],
    );
    assert.equal(rest.NextMarker, undefined);
  });

  it('deletes versions idempotently and never reuses a version number', async () => {
    const own = lambdaClient(server.url, { account: '333333333333', region: 'us-east-1' });
    await publish(own, 'gone', { a: '1' });
    await publish(own, 'gone', { a: '2' });
    for (const version of [1, 2, 2, 7]) {
      const out = await own.send(
        new DeleteLayerVersionCommand({ LayerName: 'gone', VersionNumber: version }),
      );
      assert.equal(out.$metadata.httpStatusCode, 204);
    }
    await own.send(new DeleteLayerVersionCommand({ LayerName: 'never-was', VersionNumber: 1 }));
    const missing = await failure(
      own.send(new GetLayerVersionCommand({ LayerName: 'gone', VersionNumber: 2 })),
    );
    assert.equal(missing.name, 'ResourceNotFoundException');
    assert.deepEqual((await own.send(new ListLayersCommand({}))).Layers, []);
    assert.deepEqual(
      (await own.send(new ListLayerVersionsCommand({ LayerName: 'gone' }))).LayerVersions,
      [],
    );
    const again = await publish(own, 'gone', { a: '3' });
    assert.equal(again.Version, 3);
  });

  it('refuses bad names, contents and compatibilities with AWS messages', async () => {
    const badName = await failure(
      client.send(
        new PublishLayerVersionCommand({
          LayerName: 'no spaces!',
          Content: { ZipFile: buildZip({ a: 'a' }) },
        }),
      ),
    );
    assert.equal(badName.name, 'ValidationException');
    assert.equal(
      badName.message,
      "1 validation error detected: Value 'no spaces!' at 'layerName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+",
    );
    const long = await failure(
      client.send(new GetLayerVersionCommand({ LayerName: 'x'.repeat(141), VersionNumber: 1 })),
    );
    assert.equal(long.name, 'ValidationException');
    assert.match(
      long.message,
      /at 'layerName' failed to satisfy constraint: Member must have length less than or equal to 140$/,
    );

    const noContent = await failure(
      client.send(
        new PublishLayerVersionCommand({ LayerName: 'bad' } as PublishLayerVersionCommandInput),
      ),
    );
    assert.equal(noContent.name, 'ValidationException');
    assert.equal(
      noContent.message,
      "1 validation error detected: Value null at 'content' failed to satisfy constraint: Member must not be null",
    );
    const notZip = await failure(
      client.send(
        new PublishLayerVersionCommand({
          LayerName: 'bad',
          Content: { ZipFile: Buffer.from('not a zip') },
        }),
      ),
    );
    assert.equal(notZip.name, 'InvalidParameterValueException');
    assert.equal(
      notZip.message,
      'Could not unzip uploaded file. Please check your file, then try to upload again.',
    );
    const s3 = await failure(
      client.send(
        new PublishLayerVersionCommand({
          LayerName: 'bad',
          Content: { S3Bucket: 'bucket', S3Key: 'key.zip' },
        }),
      ),
    );
    assert.equal(s3.name, 'InvalidParameterValueException');
    assert.match(s3.message, /S3 Error Code: NoSuchBucket/);
    const runtimes = await failure(
      client.send(
        new PublishLayerVersionCommand({
          LayerName: 'bad',
          Content: { ZipFile: buildZip({ a: 'a' }) },
          CompatibleRuntimes: ['python3.11', 'cobol' as 'python3.11'],
          CompatibleArchitectures: ['sparc' as 'arm64'],
        }),
      ),
    );
    assert.equal(runtimes.name, 'ValidationException');
    assert.match(
      runtimes.message,
      /^2 validation errors detected: Value '\[python3\.11, cobol\]' at 'compatibleRuntimes' failed to satisfy constraint: Member must satisfy enum value set: \[.*\]; Value '\[sparc\]' at 'compatibleArchitectures' failed to satisfy constraint: Member must satisfy constraint: \[Member must satisfy enum value set: \[x86_64, arm64\]\]$/,
    );
    // Nothing was stored for the failed publishes.
    assert.deepEqual(
      (await client.send(new ListLayerVersionsCommand({ LayerName: 'bad' }))).LayerVersions,
      [],
    );
  });

  it('keeps a resource policy per version, with revisions and AWS conflicts', async () => {
    const { LayerVersionArn: arn } = await publish(client, 'shared', { a: 'a' });
    const added = await client.send(
      new AddLayerVersionPermissionCommand({
        LayerName: 'shared',
        VersionNumber: 1,
        StatementId: 'xaccount',
        Action: 'lambda:GetLayerVersion',
        Principal: '111111111111',
      }),
    );
    assert.equal(added.$metadata.httpStatusCode, 201);
    const statement = {
      Sid: 'xaccount',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::111111111111:root' },
      Action: 'lambda:GetLayerVersion',
      Resource: arn,
    };
    assert.deepEqual(JSON.parse(added.Statement ?? ''), statement);
    const org = await client.send(
      new AddLayerVersionPermissionCommand({
        LayerName: 'shared',
        VersionNumber: 1,
        StatementId: 'org',
        Action: 'lambda:GetLayerVersion',
        Principal: '*',
        OrganizationId: 'o-abcdefghij',
        RevisionId: added.RevisionId,
      }),
    );
    assert.notEqual(org.RevisionId, added.RevisionId);
    const policy = await client.send(
      new GetLayerVersionPolicyCommand({ LayerName: 'shared', VersionNumber: 1 }),
    );
    assert.equal(policy.RevisionId, org.RevisionId);
    assert.deepEqual(JSON.parse(policy.Policy ?? ''), {
      Version: '2012-10-17',
      Id: 'default',
      Statement: [
        statement,
        {
          Sid: 'org',
          Effect: 'Allow',
          Principal: '*',
          Action: 'lambda:GetLayerVersion',
          Resource: arn,
          Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abcdefghij' } },
        },
      ],
    });

    const duplicate = await failure(
      client.send(
        new AddLayerVersionPermissionCommand({
          LayerName: 'shared',
          VersionNumber: 1,
          StatementId: 'xaccount',
          Action: 'lambda:GetLayerVersion',
          Principal: '*',
        }),
      ),
    );
    assert.deepEqual(duplicate, {
      name: 'ResourceConflictException',
      status: 409,
      message:
        'The statement id (xaccount) provided already exists. Please provide a new statement id, or remove the existing statement.',
    });
    const stale = await failure(
      client.send(
        new RemoveLayerVersionPermissionCommand({
          LayerName: 'shared',
          VersionNumber: 1,
          StatementId: 'org',
          RevisionId: added.RevisionId,
        }),
      ),
    );
    assert.equal(stale.name, 'PreconditionFailedException');
    assert.equal(stale.status, 412);
    const unknown = await failure(
      client.send(
        new RemoveLayerVersionPermissionCommand({
          LayerName: 'shared',
          VersionNumber: 1,
          StatementId: 'nope',
        }),
      ),
    );
    assert.deepEqual(unknown, {
      name: 'ResourceNotFoundException',
      status: 404,
      message: 'Statement nope is not found in resource policy.',
    });
    for (const sid of ['org', 'xaccount']) {
      const removed = await client.send(
        new RemoveLayerVersionPermissionCommand({
          LayerName: 'shared',
          VersionNumber: 1,
          StatementId: sid,
        }),
      );
      assert.equal(removed.$metadata.httpStatusCode, 204);
    }
    const empty = await failure(
      client.send(new GetLayerVersionPolicyCommand({ LayerName: 'shared', VersionNumber: 1 })),
    );
    assert.deepEqual(empty, {
      name: 'ResourceNotFoundException',
      status: 404,
      message: 'No policy is associated with the given resource.',
    });
    const noVersion = await failure(
      client.send(
        new AddLayerVersionPermissionCommand({
          LayerName: 'shared',
          VersionNumber: 5,
          StatementId: 's',
          Action: 'lambda:GetLayerVersion',
          Principal: '*',
        }),
      ),
    );
    assert.deepEqual(noVersion, {
      name: 'ResourceNotFoundException',
      status: 404,
      message: 'Layer version arn:aws:lambda:us-east-1:000000000000:layer:shared:5 does not exist.',
    });
    const badAction = await failure(
      client.send(
        new AddLayerVersionPermissionCommand({
          LayerName: 'shared',
          VersionNumber: 1,
          StatementId: 's',
          Action: 'lambda:InvokeFunction',
          Principal: 'someone',
        }),
      ),
    );
    assert.equal(badAction.name, 'ValidationException');
    assert.equal(
      badAction.message,
      "2 validation errors detected: Value 'lambda:InvokeFunction' at 'action' failed to satisfy constraint: Member must satisfy regular expression pattern: lambda:GetLayerVersion; Value 'someone' at 'principal' failed to satisfy constraint: Member must satisfy regular expression pattern: \\d{12}|\\*|arn:(aws[a-zA-Z-]*):iam::\\d{12}:root",
    );
  });
});

describe('functions using layers', () => {
  let client: LambdaClient;
  let server: TestServer;
  useTestServer({ inMemory: true }, (s, c) => {
    server = s;
    client = c;
  });

  it('checks each layer version when a function is created or configured', async () => {
    const one = await publish(client, 'check', {
      'nodejs/node_modules/greet/index.js': "module.exports = () => 'v1';",
    });
    const two = await publish(client, 'check', {
      'nodejs/node_modules/greet/index.js': "module.exports = () => 'v2';",
    });
    const create = (name: string, layers: string[]) =>
      client.send(
        new CreateFunctionCommand({
          FunctionName: name,
          Runtime: 'nodejs20.x',
          Handler: 'index.handler',
          Role: ROLE,
          Code: { ZipFile: buildZip(CJS) },
          Layers: layers,
        }),
      );
    const absent = 'arn:aws:lambda:us-east-1:000000000000:layer:check:9';
    assert.deepEqual(await failure(create('f', [absent])), {
      name: 'InvalidParameterValueException',
      status: 400,
      message: `Layer version ${absent} does not exist.`,
    });
    assert.deepEqual(await failure(create('f', [one.LayerVersionArn!, two.LayerVersionArn!])), {
      name: 'InvalidParameterValueException',
      status: 400,
      message: `Two different versions of the same layer are not allowed to be referenced in the same function. ${one.LayerVersionArn} and ${two.LayerVersionArn} are versions of the same layer.`,
    });
    const six = [];
    for (let i = 0; i < 6; i++)
      six.push((await publish(client, `six-${i}`, { [`f${i}`]: 'x' })).LayerVersionArn!);
    assert.deepEqual(await failure(create('f', six)), {
      name: 'InvalidParameterValueException',
      status: 400,
      message: 'Cannot reference more than 5 layers.',
    });
    const badArn = await failure(
      create('f', ['arn:aws:lambda:us-east-1:000000000000:layer:check']),
    );
    assert.equal(badArn.name, 'ValidationException');
    await assert.rejects(client.send(new GetFunctionCommand({ FunctionName: 'f' })), {
      name: 'ResourceNotFoundException',
    });

    await deploy(client, 'with-layers', CJS, { Layers: [one.LayerVersionArn!, six[0]!] });
    const got = await client.send(new GetFunctionCommand({ FunctionName: 'with-layers' }));
    assert.deepEqual(got.Configuration?.Layers, [
      { Arn: one.LayerVersionArn, CodeSize: one.Content?.CodeSize },
      {
        Arn: six[0],
        CodeSize: (await client.send(new GetLayerVersionByArnCommand({ Arn: six[0] }))).Content
          ?.CodeSize,
      },
    ]);
    const listed = await client.send(new ListFunctionsCommand({}));
    assert.deepEqual(
      listed.Functions?.find((f) => f.FunctionName === 'with-layers')?.Layers,
      got.Configuration?.Layers,
    );
    assert.equal((await invoke(client, 'with-layers')).json, 'v1');

    const refused = await failure(
      client.send(
        new UpdateFunctionConfigurationCommand({ FunctionName: 'with-layers', Layers: [absent] }),
      ),
    );
    assert.equal(refused.message, `Layer version ${absent} does not exist.`);
    const updated = await client.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'with-layers',
        Layers: [two.LayerVersionArn!],
      }),
    );
    assert.deepEqual(updated.Layers, [
      { Arn: two.LayerVersionArn, CodeSize: two.Content?.CodeSize },
    ]);
    await waitUntilFunctionUpdatedV2({ client, ...WAIT }, { FunctionName: 'with-layers' });
    assert.equal((await invoke(client, 'with-layers')).json, 'v2');
  });

  it("uses another account's layer only once its policy grants it", async () => {
    const other = lambdaClient(server.url, OTHER);
    const { LayerVersionArn: arn } = await publish(client, 'private', {
      'nodejs/node_modules/greet/index.js': "module.exports = () => 'shared across accounts';",
    });
    const otherRole = 'arn:aws:iam::111111111111:role/lambda-role';
    const denied = await failure(
      other.send(
        new CreateFunctionCommand({
          FunctionName: 'borrower',
          Runtime: 'nodejs20.x',
          Handler: 'index.handler',
          Role: otherRole,
          Code: { ZipFile: buildZip(CJS) },
          Layers: [arn!],
        }),
      ),
    );
    assert.deepEqual(denied, {
      name: 'AccessDeniedException',
      status: 403,
      message: `User: arn:aws:iam::111111111111:root is not authorized to perform: lambda:GetLayerVersion on resource: ${arn} because no resource-based policy allows the lambda:GetLayerVersion action`,
    });
    assert.equal(
      (await failure(other.send(new GetLayerVersionByArnCommand({ Arn: arn })))).name,
      'AccessDeniedException',
    );
    const listing = await failure(
      other.send(new ListLayerVersionsCommand({ LayerName: arn!.replace(/:1$/, '') })),
    );
    assert.equal(listing.name, 'AccessDeniedException');
    assert.match(
      listing.message,
      /lambda:ListLayerVersions on resource: arn:aws:lambda:us-east-1:000000000000:layer:private /,
    );

    await client.send(
      new AddLayerVersionPermissionCommand({
        LayerName: 'private',
        VersionNumber: 1,
        StatementId: 'other',
        Action: 'lambda:GetLayerVersion',
        Principal: OTHER.account,
      }),
    );
    assert.equal(
      (await other.send(new GetLayerVersionByArnCommand({ Arn: arn }))).LayerVersionArn,
      arn,
    );
    await deploy(other, 'borrower', CJS, { Role: otherRole, Layers: [arn!] });
    assert.equal((await invoke(other, 'borrower')).json, 'shared across accounts');
    // The grant is needed to add the layer, not to keep using it.
    await client.send(
      new RemoveLayerVersionPermissionCommand({
        LayerName: 'private',
        VersionNumber: 1,
        StatementId: 'other',
      }),
    );
    await restart(other, 'borrower', 'after the grant was removed');
    assert.equal((await invoke(other, 'borrower')).json, 'shared across accounts');
  });

  it('keeps a deleted version working for the functions that use it', async () => {
    const layer = await publish(client, 'kept', {
      'nodejs/node_modules/greet/index.js': "module.exports = () => 'still here';",
    });
    await deploy(client, 'keeper', CJS, { Layers: [layer.LayerVersionArn!] });
    await client.send(new DeleteLayerVersionCommand({ LayerName: 'kept', VersionNumber: 1 }));
    await restart(client, 'keeper', 'cold start after the delete');
    assert.equal((await invoke(client, 'keeper')).json, 'still here');
    const config = (await client.send(new GetFunctionCommand({ FunctionName: 'keeper' })))
      .Configuration;
    assert.deepEqual(config?.Layers, [
      { Arn: layer.LayerVersionArn, CodeSize: layer.Content?.CodeSize },
    ]);
    const refused = await failure(
      client.send(
        new CreateFunctionCommand({
          FunctionName: 'late',
          Runtime: 'nodejs20.x',
          Handler: 'index.handler',
          Role: ROLE,
          Code: { ZipFile: buildZip(CJS) },
          Layers: [layer.LayerVersionArn!],
        }),
      ),
    );
    assert.equal(refused.message, `Layer version ${layer.LayerVersionArn} does not exist.`);
    // Once no function uses it, its content goes.
    assert.equal((await fetch(layer.Content?.Location ?? '')).status, 200);
    await client.send(new DeleteFunctionCommand({ FunctionName: 'keeper' }));
    assert.equal((await fetch(layer.Content?.Location ?? '')).status, 404);
  });
});

describe('layers across a restart', () => {
  it('keep their versions, numbering and the content functions use', async () => {
    const first = await startTestServer({ sandbox: 'none' });
    const dataDir = first.dataDir;
    let client = lambdaClient(first.url);
    const published = await Promise.all(
      [1, 2, 3].map((n) =>
        publish(client, 'durable', {
          'nodejs/node_modules/greet/index.js': `module.exports = () => 'version ${n}';`,
        }),
      ),
    );
    assert.deepEqual(published.map((p) => p.Version).sort(), [1, 2, 3]);
    const used = published.find((p) => p.Version === 3)!;
    await deploy(client, 'durable-fn', CJS, { Layers: [used.LayerVersionArn!] });
    await client.send(new DeleteLayerVersionCommand({ LayerName: 'durable', VersionNumber: 3 }));
    await first.close();

    const second = await startTestServer({ sandbox: 'none', dataDir });
    try {
      client = lambdaClient(second.url);
      const content = `version ${published.indexOf(used) + 1}`;
      assert.equal((await invoke(client, 'durable-fn')).json, content);
      const versions = await client.send(new ListLayerVersionsCommand({ LayerName: 'durable' }));
      assert.deepEqual(
        versions.LayerVersions?.map((v) => v.Version),
        [2, 1],
      );
      assert.equal((await publish(client, 'durable', { a: 'a' })).Version, 4);
    } finally {
      await second.close();
    }
  });
});

const sandbox = await detectSandbox('auto', false).catch(() => undefined);
const unshare = await detectSandbox('unshare', false).catch(() => undefined);
/** Each sandbox that works here (bubblewrap by default, util-linux unshare as root), then none. */
const MODES = [
  ...(sandbox && sandbox.kind !== 'none' ? [sandbox.kind] : []),
  ...(unshare && sandbox?.kind !== 'unshare' ? ['unshare' as const] : []),
  'none' as const,
];

/** What the functions read from /opt, in each runtime. */
const NODE_LAYER = {
  'nodejs/node_modules/greet/index.js': "module.exports = () => 'layer one';",
  'nodejs/node_modules/shared/index.js': "module.exports = 'from layer one';",
  'python/greet.py': "def hi():\n    return 'python from the layer'\n",
  'python/lib/python3.11/site-packages/sitepkg.py': "WHERE = 'site-packages of the layer'\n",
  'bin/layer-tool.sh': '#!/bin/sh\necho "tool of the layer"\n',
  'data/which.txt': 'one',
};
const OVERRIDE_LAYER = {
  'nodejs/node_modules/shared/index.js': "module.exports = 'from layer two';",
  'data/which.txt': 'two',
};
const BOOTSTRAP_LAYER = {
  bootstrap: `#!/bin/sh
set -eu
API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
while true; do
  HEADERS="$(mktemp)"
  curl -sS -LD "$HEADERS" "$API/invocation/next" > /dev/null
  REQUEST_ID="$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)"
  curl -sS -X POST "$API/invocation/$REQUEST_ID/response" -d "\\"$(layer-tool.sh) via $0\\"" > /dev/null
done
`,
};

for (const mode of MODES) {
  const sandboxed = mode !== 'none';
  describe(`layer content at run time (sandbox ${mode})`, () => {
    let client: LambdaClient;
    const arns: string[] = [];
    useTestServer({ inMemory: true, sandbox: mode }, (_s, c) => {
      client = c;
    });

    it('finds CommonJS packages in /opt/nodejs/node_modules, later layers over earlier', async () => {
      arns.push((await publish(client, 'base', NODE_LAYER)).LayerVersionArn!);
      arns.push((await publish(client, 'override', OVERRIDE_LAYER)).LayerVersionArn!);
      await deploy(
        client,
        'node-layers',
        {
          'index.js': `exports.handler = async () => ({
            greet: require('greet')(),
            shared: require('shared'),
            nodePath: process.env.NODE_PATH,
          });`,
        },
        { Layers: arns },
      );
      const out = await invoke(client, 'node-layers');
      assert.equal(out.functionError, undefined, out.text);
      const result = out.json as { greet: string; shared: string; nodePath: string };
      assert.equal(result.greet, 'layer one');
      assert.equal(result.shared, 'from layer two');
      if (sandboxed) {
        assert.equal(
          result.nodePath,
          '/opt/nodejs/node20/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:/var/runtime:/var/task',
        );
      }
    });

    it('does not resolve an ES module import through NODE_PATH, as on AWS', async () => {
      await deploy(
        client,
        'esm-layers',
        { 'index.mjs': "import greet from 'greet';\nexport const handler = async () => greet();" },
        { Layers: arns },
      );
      const out = await invoke(client, 'esm-layers');
      assert.equal(out.functionError, 'Unhandled');
      assert.equal((out.json as { errorType: string }).errorType, 'Runtime.ImportModuleError');
    });

    it('puts /opt/python and its site-packages on sys.path', async () => {
      await deploy(
        client,
        'python-layers',
        {
          'app.py':
            'import greet, sitepkg\ndef handler(event, context):\n    return [greet.hi(), sitepkg.WHERE]\n',
        },
        { Runtime: 'python3.11', Handler: 'app.handler', Layers: arns },
      );
      const out = await invoke(client, 'python-layers');
      assert.equal(out.functionError, undefined, out.text);
      assert.deepEqual(out.json, ['python from the layer', 'site-packages of the layer']);
    });

    it('runs a provided function whose bootstrap comes from a layer, with /opt/bin on PATH', async () => {
      const { LayerVersionArn } = await publish(client, 'runtime', BOOTSTRAP_LAYER);
      await deploy(
        client,
        'layered-bootstrap',
        { 'function.sh': 'unused' },
        {
          Runtime: 'provided.al2023',
          Handler: 'function.handler',
          Layers: [arns[0]!, LayerVersionArn!],
        },
      );
      const out = await invoke(client, 'layered-bootstrap');
      assert.equal(out.functionError, undefined, out.text);
      const text = out.json as string;
      assert.match(text, /^tool of the layer via /);
      if (sandboxed) assert.equal(text, 'tool of the layer via /opt/bootstrap');
    });

    it(
      'shows the merged layers read-only at /opt',
      { skip: !sandboxed && 'no mount namespace' },
      async () => {
        await deploy(
          client,
          'opt-view',
          {
            'index.js': `const fs = require('node:fs');
          exports.handler = async () => {
            let write;
            try { fs.writeFileSync('/opt/new.txt', 'x'); write = 'written'; } catch (e) { write = e.code; }
            return { entries: fs.readdirSync('/opt').sort(), which: fs.readFileSync('/opt/data/which.txt', 'utf8'), write };
          };`,
          },
          { Layers: arns },
        );
        const out = await invoke(client, 'opt-view');
        assert.deepEqual(out.json, {
          entries: ['bin', 'data', 'nodejs', 'python'],
          which: 'two',
          write: 'EROFS',
        });
      },
    );
  });
}
