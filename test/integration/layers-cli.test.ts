import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { aws, boto3 } from '../helpers/cli.js';
import { buildZip } from '../helpers/zip-builder.js';
import { startTestServer, type Caller } from '../helpers/server.js';

/**
 * The layer operations through the aws CLI (v1) and boto3, which build their requests from the
 * botocore model: paths with a layer ARN in them, GetLayerVersionByArn's constant query member,
 * the paginators of ListLayers and ListLayerVersions, and error codes as the CLI prints them.
 */
describe('layers through the aws CLI and boto3', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let dir: string;
  const owner: Caller = { account: '666666666666', region: 'eu-west-1' };
  const consumer: Caller = { account: '777777777777', region: 'eu-west-1' };

  before(async () => {
    server = await startTestServer({ inMemory: true });
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'asimov-layers-cli-'));
    await fs.writeFile(
      path.join(dir, 'layer.zip'),
      buildZip({ 'python/shout.py': 'def shout(s):\n    return s.upper() + "!"\n' }),
    );
    await fs.writeFile(
      path.join(dir, 'function.zip'),
      buildZip({
        'app.py':
          'from shout import shout\ndef handler(event, context):\n    return shout(event["say"])\n',
      }),
    );
  });
  after(async () => {
    await server.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const lambda = async (args: string[], caller = owner) => {
    const result = await aws(server.url, ['lambda', ...args], caller);
    assert.equal(result.code, 0, result.stderr);
    return result.stdout ? JSON.parse(result.stdout) : undefined;
  };
  const refused = async (args: string[], caller = owner) => {
    const result = await aws(server.url, ['lambda', ...args], caller);
    assert.notEqual(result.code, 0, result.stdout);
    return result.stderr.trim();
  };

  it('publishes, gets, lists and deletes versions', async () => {
    const layerZip = `fileb://${path.join(dir, 'layer.zip')}`;
    const first = await lambda([
      'publish-layer-version',
      '--layer-name',
      'shout',
      '--zip-file',
      layerZip,
      '--compatible-runtimes',
      'python3.11',
      'python3.12',
      '--compatible-architectures',
      'x86_64',
      '--license-info',
      'MIT',
    ]);
    assert.equal(first.LayerVersionArn, 'arn:aws:lambda:eu-west-1:666666666666:layer:shout:1');
    assert.deepEqual(first.CompatibleRuntimes, ['python3.11', 'python3.12']);
    const second = await lambda([
      'publish-layer-version',
      '--layer-name',
      first.LayerArn,
      '--zip-file',
      layerZip,
    ]);
    assert.equal(second.Version, 2);

    const got = await lambda([
      'get-layer-version',
      '--layer-name',
      'shout',
      '--version-number',
      '1',
    ]);
    assert.deepEqual(got, first);
    const byArn = await lambda(['get-layer-version-by-arn', '--arn', first.LayerVersionArn]);
    assert.deepEqual(byArn, first);

    // The CLI follows NextMarker itself: one item a page, every item in the end.
    const versions = await lambda([
      'list-layer-versions',
      '--layer-name',
      'shout',
      '--page-size',
      '1',
    ]);
    assert.deepEqual(
      versions.LayerVersions.map((v: { Version: number }) => v.Version),
      [2, 1],
    );
    const python = await lambda([
      'list-layer-versions',
      '--layer-name',
      'shout',
      '--compatible-runtime',
      'python3.12',
    ]);
    assert.deepEqual(
      python.LayerVersions.map((v: { Version: number }) => v.Version),
      [1],
    );
    const layers = await lambda(['list-layers']);
    assert.deepEqual(layers.Layers, [
      {
        LayerName: 'shout',
        LayerArn: first.LayerArn,
        LatestMatchingVersion: {
          LayerVersionArn: second.LayerVersionArn,
          Version: 2,
          Description: '',
          CreatedDate: second.CreatedDate,
        },
      },
    ]);

    assert.equal(
      await lambda(['delete-layer-version', '--layer-name', 'shout', '--version-number', '2']),
      undefined,
    );
    assert.equal(
      await lambda(['delete-layer-version', '--layer-name', 'shout', '--version-number', '2']),
      undefined,
    );
    assert.match(
      await refused(['get-layer-version', '--layer-name', 'shout', '--version-number', '2']),
      /An error occurred \(ResourceNotFoundException\) when calling the GetLayerVersion operation(?: \(reached max retries: \d+\))?: The resource you requested does not exist\./,
    );
    assert.match(
      await refused(['publish-layer-version', '--layer-name', 'bad name', '--zip-file', layerZip]),
      /\(ValidationException\) when calling the PublishLayerVersion operation(?: \(reached max retries: \d+\))?: 1 validation error detected: Value 'bad name' at 'layerName'/,
    );
  });

  it('shares a version with another account through its policy', async () => {
    const arn = 'arn:aws:lambda:eu-west-1:666666666666:layer:shout:1';
    const role = 'arn:aws:iam::777777777777:role/lambda-role';
    const create = [
      'create-function',
      '--function-name',
      'shouter',
      '--runtime',
      'python3.11',
      '--handler',
      'app.handler',
      '--role',
      role,
      '--zip-file',
      `fileb://${path.join(dir, 'function.zip')}`,
      '--layers',
      arn,
    ];
    assert.match(
      await refused(create, consumer),
      /An error occurred \(AccessDeniedException\) when calling the CreateFunction operation(?: \(reached max retries: \d+\))?: User: arn:aws:iam::777777777777:root is not authorized to perform: lambda:GetLayerVersion on resource: arn:aws:lambda:eu-west-1:666666666666:layer:shout:1/,
    );

    const added = await lambda([
      'add-layer-version-permission',
      '--layer-name',
      'shout',
      '--version-number',
      '1',
      '--statement-id',
      'consumer',
      '--action',
      'lambda:GetLayerVersion',
      '--principal',
      consumer.account,
    ]);
    assert.equal(
      added.Statement,
      `{"Sid":"consumer","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::777777777777:root"},"Action":"lambda:GetLayerVersion","Resource":"${arn}"}`,
    );
    assert.match(
      await refused([
        'add-layer-version-permission',
        '--layer-name',
        'shout',
        '--version-number',
        '1',
        '--statement-id',
        'consumer',
        '--action',
        'lambda:GetLayerVersion',
        '--principal',
        '*',
      ]),
      /\(ResourceConflictException\) when calling the AddLayerVersionPermission operation(?: \(reached max retries: \d+\))?: The statement id \(consumer\) provided already exists\. Please provide a new statement id, or remove the existing statement\./,
    );
    const policy = await lambda([
      'get-layer-version-policy',
      '--layer-name',
      'shout',
      '--version-number',
      '1',
    ]);
    assert.equal(policy.RevisionId, added.RevisionId);
    assert.equal(JSON.parse(policy.Policy).Statement[0].Sid, 'consumer');

    const created = await lambda(create, consumer);
    assert.deepEqual(created.Layers, [
      { Arn: arn, CodeSize: (await fs.stat(path.join(dir, 'layer.zip'))).size },
    ]);
    await lambda(['wait', 'function-active-v2', '--function-name', 'shouter'], consumer);
    const out = JSON.parse(
      await boto3(
        server.url,
        `r = client.invoke(FunctionName='shouter', Payload=json.dumps({'say': 'layers work'}))
print(json.dumps({'payload': json.loads(r['Payload'].read()), 'error': r.get('FunctionError')}))`,
        consumer,
      ),
    );
    assert.deepEqual(out, { payload: 'LAYERS WORK!', error: null });

    assert.equal(
      await lambda([
        'remove-layer-version-permission',
        '--layer-name',
        'shout',
        '--version-number',
        '1',
        '--statement-id',
        'consumer',
        '--revision-id',
        added.RevisionId,
      ]),
      undefined,
    );
    assert.match(
      await refused(['get-layer-version-policy', '--layer-name', 'shout', '--version-number', '1']),
      /\(ResourceNotFoundException\) when calling the GetLayerVersionPolicy operation(?: \(reached max retries: \d+\))?: No policy is associated with the given resource\./,
    );
  });

  it('paginates with boto3', async () => {
    for (let i = 0; i < 3; i++) {
      await lambda([
        'publish-layer-version',
        '--layer-name',
        `paged-${i}`,
        '--zip-file',
        `fileb://${path.join(dir, 'layer.zip')}`,
      ]);
    }
    const names = JSON.parse(
      await boto3(
        server.url,
        `pages = client.get_paginator('list_layers').paginate(PaginationConfig={'PageSize': 2})
print(json.dumps([[l['LayerName'] for l in page['Layers']] for page in pages]))`,
        owner,
      ),
    );
    assert.deepEqual(names, [
      ['paged-0', 'paged-1'],
      ['paged-2', 'shout'],
    ]);
    const versions = JSON.parse(
      await boto3(
        server.url,
        `r = client.get_layer_version_by_arn(Arn='arn:aws:lambda:eu-west-1:666666666666:layer:paged-1:1')
print(json.dumps([r['Version'], r['Content']['CodeSize'] > 0]))`,
        owner,
      ),
    );
    assert.deepEqual(versions, [1, true]);
  });
});
