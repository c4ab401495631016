import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { aws, boto3 } from '../helpers/cli.js';
import { buildZip } from '../helpers/zip-builder.js';
import { ROLE, startTestServer, type TestServer } from '../helpers/server.js';

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function';

const code = (tag: string) =>
  buildZip({
    'index.js': `exports.handler = async (event, context) => ({ tag: '${tag}', version: context.functionVersion });`,
  });

describe('versions and aliases through the aws CLI', () => {
  let server: TestServer;
  let dir: string;
  before(async () => {
    server = await startTestServer({ inMemory: true });
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'asimov-aliases-cli-'));
    for (const tag of ['v1', 'v2', 'v3'])
      await fs.writeFile(path.join(dir, `${tag}.zip`), code(tag));
  });
  after(async () => {
    await server.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const json = async (...args: string[]) => {
    const result = await aws(server.url, ['lambda', ...args]);
    assert.equal(result.code, 0, result.stderr);
    return result.stdout ? JSON.parse(result.stdout) : undefined;
  };
  const fails = async (args: string[], code: string, operation: string, message: string) => {
    const result = await aws(server.url, ['lambda', ...args]);
    assert.notEqual(result.code, 0);
    // The CLI says how many retries it made when its retry mode counts them.
    const said = result.stderr.trim().replace(/ \(reached max retries: \d+\)/, '');
    assert.equal(
      said,
      `An error occurred (${code}) when calling the ${operation} operation: ${message}`,
    );
  };

  it('publishes versions and pages through them as the CLI paginates', async () => {
    await json(
      'create-function',
      '--function-name',
      'cli-versions',
      '--runtime',
      'nodejs20.x',
      '--handler',
      'index.handler',
      '--role',
      ROLE,
      '--zip-file',
      `fileb://${path.join(dir, 'v1.zip')}`,
    );
    await json('wait', 'function-active-v2', '--function-name', 'cli-versions');
    const first = await json(
      'publish-version',
      '--function-name',
      'cli-versions',
      '--description',
      'one',
    );
    assert.equal(first.Version, '1');
    assert.equal(first.FunctionArn, `${ARN}:cli-versions:1`);
    for (const tag of ['v2', 'v3']) {
      await json(
        'update-function-code',
        '--function-name',
        'cli-versions',
        '--zip-file',
        `fileb://${path.join(dir, `${tag}.zip`)}`,
      );
      await json('wait', 'function-updated-v2', '--function-name', 'cli-versions');
      await json('publish-version', '--function-name', 'cli-versions');
    }
    const unchanged = await json('publish-version', '--function-name', 'cli-versions');
    assert.equal(unchanged.Version, '3');

    const all = await json(
      'list-versions-by-function',
      '--function-name',
      'cli-versions',
      '--page-size',
      '1',
    );
    assert.deepEqual(
      all.Versions.map((v: { Version: string }) => v.Version),
      ['$LATEST', '1', '2', '3'],
      'the CLI follows NextMarker one item a call',
    );
    const head = await json(
      'list-versions-by-function',
      '--function-name',
      'cli-versions',
      '--max-items',
      '3',
    );
    assert.deepEqual(
      head.Versions.map((v: { Version: string }) => v.Version),
      ['$LATEST', '1', '2'],
    );
    assert.equal(typeof head.NextToken, 'string');
    const tail = await json(
      'list-versions-by-function',
      '--function-name',
      'cli-versions',
      '--starting-token',
      head.NextToken,
    );
    assert.deepEqual(
      tail.Versions.map((v: { Version: string }) => v.Version),
      ['3'],
    );
    await fails(
      ['publish-version', '--function-name', 'cli-versions', '--code-sha256', 'nope'],
      'InvalidParameterValueException',
      'PublishVersion',
      `CodeSHA256 (nope) is different from current CodeSHA256 in $LATEST (${tail.Versions[0].CodeSha256}). Please try again with the CodeSHA256 in $LATEST.`,
    );
  });

  it('manages aliases and invokes through them', async () => {
    const created = await json(
      'create-alias',
      '--function-name',
      'cli-versions',
      '--name',
      'live',
      '--function-version',
      '1',
      '--description',
      'production',
    );
    assert.deepEqual(created, {
      AliasArn: `${ARN}:cli-versions:live`,
      Name: 'live',
      FunctionVersion: '1',
      Description: 'production',
      RevisionId: created.RevisionId,
    });
    await fails(
      [
        'create-alias',
        '--function-name',
        'cli-versions',
        '--name',
        'live',
        '--function-version',
        '2',
      ],
      'ResourceConflictException',
      'CreateAlias',
      `Alias already exists: ${ARN}:cli-versions:live`,
    );
    await fails(
      [
        'create-alias',
        '--function-name',
        'cli-versions',
        '--name',
        '42',
        '--function-version',
        '2',
      ],
      'ValidationException',
      'CreateAlias',
      "1 validation error detected: Value '42' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)",
    );
    const got = await json('get-alias', '--function-name', 'cli-versions', '--name', 'live');
    assert.equal(got.RevisionId, created.RevisionId);

    const out = path.join(dir, 'out.json');
    const invoked = await json(
      'invoke',
      '--function-name',
      'cli-versions',
      '--qualifier',
      'live',
      out,
    );
    assert.equal(invoked.ExecutedVersion, '1');
    assert.deepEqual(JSON.parse(await fs.readFile(out, 'utf8')), { tag: 'v1', version: '1' });

    const weighted = await json(
      'update-alias',
      '--function-name',
      'cli-versions',
      '--name',
      'live',
      '--function-version',
      '3',
      '--routing-config',
      'AdditionalVersionWeights={2=0.5}',
      '--revision-id',
      created.RevisionId,
    );
    assert.equal(weighted.FunctionVersion, '3');
    assert.deepEqual(weighted.RoutingConfig, { AdditionalVersionWeights: { '2': 0.5 } });
    await fails(
      [
        'update-alias',
        '--function-name',
        'cli-versions',
        '--name',
        'live',
        '--revision-id',
        created.RevisionId,
      ],
      'PreconditionFailedException',
      'UpdateAlias',
      'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
    );
    const config = await json(
      'get-function-configuration',
      '--function-name',
      `${ARN}:cli-versions:live`,
    );
    assert.equal(config.FunctionArn, `${ARN}:cli-versions:live`);
    assert.equal(config.Version, '3');

    await json(
      'create-alias',
      '--function-name',
      'cli-versions',
      '--name',
      'beta',
      '--function-version',
      '2',
    );
    const listed = await json(
      'list-aliases',
      '--function-name',
      'cli-versions',
      '--page-size',
      '1',
    );
    assert.deepEqual(
      listed.Aliases.map((a: { Name: string }) => a.Name),
      ['beta', 'live'],
    );
    const onTwo = await json(
      'list-aliases',
      '--function-name',
      'cli-versions',
      '--function-version',
      '2',
    );
    assert.deepEqual(
      onTwo.Aliases.map((a: { Name: string }) => a.Name),
      ['beta'],
    );

    await fails(
      ['delete-function', '--function-name', 'cli-versions', '--qualifier', '2'],
      'ResourceConflictException',
      'DeleteFunction',
      'Unable to delete version because the following aliases reference it: [beta, live]',
    );
    await json('delete-alias', '--function-name', 'cli-versions', '--name', 'beta');
    await fails(
      ['get-alias', '--function-name', 'cli-versions', '--name', 'beta'],
      'ResourceNotFoundException',
      'GetAlias',
      `Cannot find alias arn: ${ARN}:cli-versions:beta`,
    );
  });

  it('boto3 invokes by alias ARN and reads the executed version', async () => {
    const printed = await boto3(
      server.url,
      `r = client.invoke(FunctionName=${JSON.stringify(`${ARN}:cli-versions:live`)})
print(json.dumps({'executed': r['ExecutedVersion'], 'payload': json.loads(r['Payload'].read())}))`,
    );
    const { executed, payload } = JSON.parse(printed) as {
      executed: string;
      payload: { version: string };
    };
    assert.ok(['2', '3'].includes(executed), executed);
    assert.equal(payload.version, executed);
  });
});
