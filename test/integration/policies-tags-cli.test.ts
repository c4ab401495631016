import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { aws, boto3 } from '../helpers/cli.js';
import { deploy } from '../helpers/functions.js';
import { type TestServer, useTestServer } from '../helpers/server.js';

const FILES = { 'index.js': 'exports.handler = async () => 1;' };
const ARN = 'arn:aws:lambda:us-east-1:000000000000:function';

describe('permissions, tags and settings through the aws CLI and boto3', () => {
  let server: TestServer;
  let client: LambdaClient;
  useTestServer({ inMemory: true }, (s, c) => {
    server = s;
    client = c;
  });

  /** Runs `aws lambda …`; parses stdout when it succeeded. */
  async function lambda(args: string[]): Promise<{ code: number; json: unknown; stderr: string }> {
    const result = await aws(server.url, ['lambda', ...args]);
    const json = result.code === 0 && result.stdout.trim() ? JSON.parse(result.stdout) : undefined;
    return { code: result.code, json, stderr: result.stderr };
  }

  async function ok(args: string[]): Promise<Record<string, unknown>> {
    const result = await lambda(args);
    assert.equal(result.code, 0, result.stderr);
    return (result.json ?? {}) as Record<string, unknown>;
  }

  /** The CLI prints AWS's error code, operation and message on stderr. */
  async function refused(args: string[], code: string, operation: string, message: string) {
    const result = await lambda(args);
    assert.notEqual(result.code, 0);
    const line = `An error occurred (${code}) when calling the ${operation} operation`;
    assert.ok(result.stderr.includes(line), result.stderr);
    assert.ok(result.stderr.trimEnd().endsWith(`: ${message}`), result.stderr);
  }

  it('adds, shows and removes permissions with the CLI, with AWS errors', async () => {
    await deploy(client, 'cli-policy', FILES, { Publish: true });
    const added = await ok([
      'add-permission',
      '--function-name',
      'cli-policy',
      '--statement-id',
      'sns',
      '--action',
      'lambda:InvokeFunction',
      '--principal',
      'sns.amazonaws.com',
      '--source-arn',
      'arn:aws:sns:us-east-1:000000000000:topic',
    ]);
    assert.deepEqual(JSON.parse(String(added.Statement)), {
      Sid: 'sns',
      Effect: 'Allow',
      Principal: { Service: 'sns.amazonaws.com' },
      Action: 'lambda:InvokeFunction',
      Resource: `${ARN}:cli-policy`,
      Condition: { ArnLike: { 'AWS:SourceArn': 'arn:aws:sns:us-east-1:000000000000:topic' } },
    });
    await refused(
      [
        'add-permission',
        '--function-name',
        'cli-policy',
        '--statement-id',
        'sns',
        '--action',
        'lambda:InvokeFunction',
        '--principal',
        '*',
      ],
      'ResourceConflictException',
      'AddPermission',
      'The statement id (sns) provided already exists. Please provide a new statement id, or remove the existing statement.',
    );
    await ok([
      'add-permission',
      '--function-name',
      'cli-policy',
      '--qualifier',
      '1',
      '--statement-id',
      'sns',
      '--action',
      'lambda:InvokeFunction',
      '--principal',
      '123456789012',
    ]);
    const latest = await ok(['get-policy', '--function-name', 'cli-policy']);
    const version = await ok(['get-policy', '--function-name', 'cli-policy', '--qualifier', '1']);
    assert.deepEqual(
      JSON.parse(String(version.Policy)).Statement.map((s: { Resource: string }) => s.Resource),
      [`${ARN}:cli-policy:1`],
    );
    await refused(
      [
        'remove-permission',
        '--function-name',
        'cli-policy',
        '--statement-id',
        'sns',
        '--revision-id',
        'stale',
      ],
      'PreconditionFailedException',
      'RemovePermission',
      'The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id',
    );
    await refused(
      ['remove-permission', '--function-name', 'cli-policy', '--statement-id', 'absent'],
      'ResourceNotFoundException',
      'RemovePermission',
      'Statement absent is not found in resource policy.',
    );
    await ok([
      'remove-permission',
      '--function-name',
      'cli-policy',
      '--statement-id',
      'sns',
      '--revision-id',
      String(latest.RevisionId),
    ]);
    await refused(
      ['get-policy', '--function-name', 'cli-policy'],
      'ResourceNotFoundException',
      'GetPolicy',
      'The resource you requested does not exist.',
    );
    const stillThere = await ok(['get-policy', '--function-name', 'cli-policy:1']);
    assert.equal(JSON.parse(String(stillThere.Policy)).Statement.length, 1);
  });

  it('tags and untags several keys at once with the CLI', async () => {
    await deploy(client, 'cli-tags', FILES, { Tags: { keep: 'yes' } });
    const resource = `${ARN}:cli-tags`;
    await ok(['tag-resource', '--resource', resource, '--tags', 'a=1,b=2,c=3']);
    assert.deepEqual((await ok(['list-tags', '--resource', resource])).Tags, {
      keep: 'yes',
      a: '1',
      b: '2',
      c: '3',
    });
    await ok(['untag-resource', '--resource', resource, '--tag-keys', 'a', 'c']);
    assert.deepEqual((await ok(['get-function', '--function-name', 'cli-tags'])).Tags, {
      keep: 'yes',
      b: '2',
    });
    await refused(
      ['tag-resource', '--resource', `${resource}:$LATEST`, '--tags', 'x=1'],
      'InvalidParameterValueException',
      'TagResource',
      'Tags on function aliases and versions are not supported. Please specify a function ARN.',
    );
  });

  it('sets runtime management and recursion with the CLI', async () => {
    await deploy(client, 'cli-settings', FILES);
    assert.deepEqual(
      await ok(['get-runtime-management-config', '--function-name', 'cli-settings']),
      {
        UpdateRuntimeOn: 'Auto',
        FunctionArn: `${ARN}:cli-settings`,
      },
    );
    const runtime = 'arn:aws:lambda:us-east-1::runtime:0123456789abcdef0123456789abcdef';
    assert.deepEqual(
      await ok([
        'put-runtime-management-config',
        '--function-name',
        'cli-settings',
        '--update-runtime-on',
        'Manual',
        '--runtime-version-arn',
        runtime,
      ]),
      { UpdateRuntimeOn: 'Manual', FunctionArn: `${ARN}:cli-settings`, RuntimeVersionArn: runtime },
    );
    assert.deepEqual(
      await ok(['get-function-recursion-config', '--function-name', 'cli-settings']),
      {
        RecursiveLoop: 'Terminate',
      },
    );
    assert.deepEqual(
      await ok([
        'put-function-recursion-config',
        '--function-name',
        'cli-settings',
        '--recursive-loop',
        'Allow',
      ]),
      { RecursiveLoop: 'Allow' },
    );
  });

  it('drives permissions, tags and code signing configs with boto3', async () => {
    await deploy(client, 'py-fn', FILES, { Publish: true });
    const out = await boto3(
      server.url,
      `
from botocore.exceptions import ClientError
result = {}
client.add_permission(FunctionName='py-fn', StatementId='events', Action='lambda:InvokeFunction',
                      Principal='events.amazonaws.com', Qualifier='1')
result['policy'] = json.loads(client.get_policy(FunctionName='py-fn', Qualifier='1')['Policy'])
try:
    client.add_permission(FunctionName='py-fn', StatementId='events', Action='lambda:InvokeFunction',
                          Principal='events.amazonaws.com', Qualifier='1')
except ClientError as e:
    result['duplicate'] = [e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode']]
try:
    client.remove_permission(FunctionName='py-fn', StatementId='missing')
except ClientError as e:
    result['missing'] = [e.response['Error']['Code'], e.response['Error']['Message']]
arn = '${ARN}:py-fn'
client.tag_resource(Resource=arn, Tags={'team': 'py'})
result['tags'] = client.list_tags(Resource=arn)['Tags']
result['function_tags'] = client.get_function(FunctionName='py-fn')['Tags']
created = [client.create_code_signing_config(
    AllowedPublishers={'SigningProfileVersionArns': ['arn:aws:signer:us-east-1:000000000000:/signing-profiles/p/1']},
    Description='config %d' % i)['CodeSigningConfig'] for i in range(3)]
pages = client.get_paginator('list_code_signing_configs').paginate(PaginationConfig={'PageSize': 2})
result['listed'] = sorted(c['Description'] for page in pages for c in page['CodeSigningConfigs'])
csc = created[0]['CodeSigningConfigArn']
client.put_function_code_signing_config(FunctionName='py-fn', CodeSigningConfigArn=csc)
result['by_config'] = client.list_functions_by_code_signing_config(CodeSigningConfigArn=csc)['FunctionArns']
try:
    client.delete_code_signing_config(CodeSigningConfigArn=csc)
except ClientError as e:
    result['in_use'] = e.response['Error']['Code']
print(json.dumps(result))
`,
    );
    const result = JSON.parse(out);
    assert.deepEqual(result.policy.Statement, [
      {
        Sid: 'events',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'lambda:InvokeFunction',
        Resource: `${ARN}:py-fn:1`,
      },
    ]);
    assert.deepEqual(result.duplicate, ['ResourceConflictException', 409]);
    assert.deepEqual(result.missing, [
      'ResourceNotFoundException',
      'No policy is associated with the given resource.',
    ]);
    assert.deepEqual(result.tags, { team: 'py' });
    assert.deepEqual(result.function_tags, { team: 'py' });
    assert.deepEqual(result.listed, ['config 0', 'config 1', 'config 2']);
    assert.deepEqual(result.by_config, [`${ARN}:py-fn`]);
    assert.equal(result.in_use, 'ResourceConflictException');
  });
});
