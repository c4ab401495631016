import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { aws, boto3 } from '../helpers/cli.js';
import { curl, resolveToLoopback } from '../helpers/curl.js';
import { deploy } from '../helpers/functions.js';
import { lambdaClient, startTestServer, type Caller, type TestServer } from '../helpers/server.js';

const CALLER: Caller = { account: '444444444444', region: 'eu-west-1' };

describe('function URL configurations through the aws CLI and boto3', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ inMemory: true });
    const client = lambdaClient(server.url, CALLER);
    await deploy(client, 'cli-url', { 'index.js': 'exports.handler = async () => "from cli";' });
    await deploy(client, 'boto-url', { 'index.js': 'exports.handler = async () => ({ ok: 1 });' });
  });
  after(() => server.close());

  const lambda = async (args: string[]) => {
    const result = await aws(server.url, ['lambda', ...args], CALLER);
    assert.equal(result.code, 0, result.stderr);
    return result.stdout ? (JSON.parse(result.stdout) as Record<string, unknown>) : undefined;
  };

  it('creates, gets, updates, lists and deletes with the aws CLI', async () => {
    const created = await lambda([
      'create-function-url-config',
      '--function-name',
      'cli-url',
      '--auth-type',
      'NONE',
      '--cors',
      'AllowOrigins=https://example.com,AllowMethods=GET,MaxAge=60',
    ]);
    assert.equal(created?.FunctionArn, 'arn:aws:lambda:eu-west-1:444444444444:function:cli-url');
    const url = String(created?.FunctionUrl);
    assert.match(url, /^http:\/\/[a-z0-9]{32}\.lambda-url\.eu-west-1\.localhost:\d+\/$/);
    assert.deepEqual(created?.Cors, {
      AllowOrigins: ['https://example.com'],
      AllowMethods: ['GET'],
      MaxAge: 60,
    });
    // AWS lets nobody through a NONE URL until the function's policy says everyone may.
    assert.equal((await curl([...resolveToLoopback(url), url])).status, 403);
    await lambda([
      'add-permission',
      '--function-name',
      'cli-url',
      '--statement-id',
      'FunctionURLAllowPublicAccess',
      '--action',
      'lambda:InvokeFunctionUrl',
      '--principal',
      '*',
      '--function-url-auth-type',
      'NONE',
    ]);
    const answer = await curl([...resolveToLoopback(url), url]);
    assert.equal(answer.body.toString(), 'from cli');

    const got = await lambda(['get-function-url-config', '--function-name', 'cli-url']);
    assert.equal(got?.InvokeMode, 'BUFFERED');
    const updated = await lambda([
      'update-function-url-config',
      '--function-name',
      'cli-url',
      '--auth-type',
      'AWS_IAM',
    ]);
    assert.equal(updated?.AuthType, 'AWS_IAM');
    const listed = await lambda(['list-function-url-configs', '--function-name', 'cli-url']);
    assert.equal((listed?.FunctionUrlConfigs as unknown[]).length, 1);

    const twice = await aws(
      server.url,
      ['lambda', 'create-function-url-config', '--function-name', 'cli-url', '--auth-type', 'NONE'],
      CALLER,
    );
    assert.notEqual(twice.code, 0);
    assert.match(twice.stderr, /ResourceConflictException/);
    assert.match(twice.stderr, /FunctionUrlConfig exists for this Lambda function/);

    const numeric = await aws(
      server.url,
      ['lambda', 'get-function-url-config', '--function-name', 'cli-url', '--qualifier', '1'],
      CALLER,
    );
    assert.match(numeric.stderr, /ValidationException/);

    await lambda(['delete-function-url-config', '--function-name', 'cli-url']);
    const gone = await aws(
      server.url,
      ['lambda', 'get-function-url-config', '--function-name', 'cli-url'],
      CALLER,
    );
    assert.match(gone.stderr, /ResourceNotFoundException/);
  });

  it('creates and pages with boto3', async () => {
    const out = await boto3(
      server.url,
      `
created = client.create_function_url_config(FunctionName='boto-url', AuthType='NONE',
    Cors={'AllowOrigins': ['*'], 'AllowCredentials': True}, InvokeMode='RESPONSE_STREAM')
client.add_permission(FunctionName='boto-url', StatementId='public', Principal='*',
    Action='lambda:InvokeFunctionUrl', FunctionUrlAuthType='NONE')
got = client.get_function_url_config(FunctionName='boto-url')
pages = client.get_paginator('list_function_url_configs').paginate(FunctionName='boto-url')
configs = [c for page in pages for c in page['FunctionUrlConfigs']]
try:
    client.create_function_url_config(FunctionName='boto-url', AuthType='NONE')
    conflict = None
except client.exceptions.ResourceConflictException as e:
    conflict = e.response['Error']['Code']
try:
    client.create_function_url_config(FunctionName='boto-url', AuthType='NONE',
        Cors={'AllowOrigins': ['*'], 'MaxAge': 90000})
    invalid = None
except client.exceptions.ClientError as e:
    invalid = e.response['Error']['Code']
print(json.dumps({'created': {k: created[k] for k in ('FunctionUrl', 'InvokeMode', 'Cors')},
    'got': got['InvokeMode'], 'configs': len(configs), 'conflict': conflict, 'invalid': invalid}))
`,
      CALLER,
    );
    const result = JSON.parse(out) as {
      created: { FunctionUrl: string; InvokeMode: string; Cors: unknown };
      got: string;
      configs: number;
      conflict: string;
      invalid: string;
    };
    assert.equal(result.created.InvokeMode, 'RESPONSE_STREAM');
    assert.deepEqual(result.created.Cors, { AllowOrigins: ['*'], AllowCredentials: true });
    assert.equal(result.got, 'RESPONSE_STREAM');
    assert.equal(result.configs, 1);
    assert.equal(result.conflict, 'ResourceConflictException');
    assert.equal(result.invalid, 'ValidationException');
    // RESPONSE_STREAM is stored and served buffered.
    const url = result.created.FunctionUrl;
    const answer = await curl([...resolveToLoopback(url), url]);
    assert.equal(answer.body.toString(), '{"ok":1}');
  });
});
