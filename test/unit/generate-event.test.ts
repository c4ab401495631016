import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type {
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  DynamoDBStreamEvent,
  S3Event,
  ScheduledEvent,
  SNSEvent,
  SQSEvent,
} from 'aws-lambda';
import { z } from 'zod';
import { httpApiEvent, pathParameters, restApiEvent } from '../../src/events/api-gateway.js';
import { EVENT_CATALOGUE, findEvent, generateEvent } from '../../src/events/catalogue.js';
import { dynamodbUpdateEvent } from '../../src/events/dynamodb.js';
import { s3EventKey, s3PutEvent } from '../../src/events/s3.js';
import { scheduledEvent } from '../../src/events/scheduled.js';
import { snsNotificationEvent } from '../../src/events/sns.js';
import { sqsReceiveMessageEvent } from '../../src/events/sqs.js';

/**
 * The type test: each builder's result is assignable to its @types/aws-lambda type (checked by
 * `npm run typecheck`, which covers test/). The builders are typed with them too, so an object
 * literal with a member the type lacks fails there.
 */
export const typed: [
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  S3Event,
  SQSEvent,
  SNSEvent,
  DynamoDBStreamEvent,
  ScheduledEvent,
] = [
  restApiEvent({}),
  httpApiEvent({}),
  s3PutEvent({}),
  sqsReceiveMessageEvent({}),
  snsNotificationEvent({}),
  dynamodbUpdateEvent({}),
  scheduledEvent({}),
];

// The runtime check: the same types as strict zod schemas (every required member, the right
// JSON types, no member the type does not have), applied to what the CLI prints.
const str = z.string();
const strMap = z.record(z.string(), z.string());
const nullable = <T extends z.ZodType>(schema: T) => z.union([schema, z.null()]);
const isoTime = z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/);
const arn = (service: string) => z.string().regex(new RegExp(`^arn:aws:${service}:`));

const restIdentity = z.strictObject({
  accessKey: z.null(),
  accountId: z.null(),
  apiKey: z.null(),
  apiKeyId: z.null(),
  caller: z.null(),
  clientCert: z.null(),
  cognitoAuthenticationProvider: z.null(),
  cognitoAuthenticationType: z.null(),
  cognitoIdentityId: z.null(),
  cognitoIdentityPoolId: z.null(),
  principalOrgId: z.null(),
  sourceIp: str,
  user: z.null(),
  userAgent: str,
  userArn: z.null(),
});
const RestApiEvent = z.strictObject({
  body: nullable(str),
  headers: strMap,
  multiValueHeaders: z.record(z.string(), z.array(str)),
  httpMethod: str,
  isBase64Encoded: z.boolean(),
  path: str,
  pathParameters: nullable(strMap),
  queryStringParameters: nullable(strMap),
  multiValueQueryStringParameters: nullable(z.record(z.string(), z.array(str))),
  stageVariables: nullable(strMap),
  requestContext: z.strictObject({
    accountId: z.string().regex(/^\d{12}$/),
    apiId: str,
    domainName: str,
    domainPrefix: str,
    extendedRequestId: str,
    protocol: z.literal('HTTP/1.1'),
    httpMethod: str,
    identity: restIdentity,
    path: str,
    stage: str,
    requestId: z.uuid(),
    requestTime: z.string().regex(/^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/),
    requestTimeEpoch: z.number().int(),
    resourceId: str,
    resourcePath: str,
  }),
  resource: str,
});
const HttpApiEvent = z.strictObject({
  version: z.literal('2.0'),
  routeKey: str,
  rawPath: str,
  rawQueryString: str,
  cookies: z.array(str).optional(),
  headers: strMap,
  queryStringParameters: strMap.optional(),
  requestContext: z.strictObject({
    accountId: str,
    apiId: str,
    domainName: str,
    domainPrefix: str,
    http: z.strictObject({
      method: str,
      path: str,
      protocol: str,
      sourceIp: str,
      userAgent: str,
    }),
    requestId: str,
    routeKey: str,
    stage: str,
    time: str,
    timeEpoch: z.number().int(),
  }),
  body: str.optional(),
  pathParameters: strMap.optional(),
  isBase64Encoded: z.boolean(),
  stageVariables: strMap.optional(),
});
const S3PutEvent = z.strictObject({
  Records: z.array(
    z.strictObject({
      eventVersion: str,
      eventSource: z.literal('aws:s3'),
      awsRegion: str,
      eventTime: isoTime,
      eventName: z.literal('ObjectCreated:Put'),
      userIdentity: z.strictObject({ principalId: str }),
      requestParameters: z.strictObject({ sourceIPAddress: str }),
      responseElements: z.strictObject({ 'x-amz-request-id': str, 'x-amz-id-2': str }),
      s3: z.strictObject({
        s3SchemaVersion: z.literal('1.0'),
        configurationId: str,
        bucket: z.strictObject({
          name: str,
          ownerIdentity: z.strictObject({ principalId: str }),
          arn: arn('s3'),
        }),
        object: z.strictObject({
          key: str,
          size: z.number().int(),
          eTag: z.string().regex(/^[0-9a-f]{32}$/),
          versionId: str.optional(),
          sequencer: str,
        }),
      }),
    }),
  ),
});
const SqsEvent = z.strictObject({
  Records: z.array(
    z.strictObject({
      messageId: z.uuid(),
      receiptHandle: str,
      body: str,
      attributes: z.strictObject({
        ApproximateReceiveCount: z.string().regex(/^\d+$/),
        SentTimestamp: z.string().regex(/^\d{13}$/),
        SenderId: str,
        ApproximateFirstReceiveTimestamp: z.string().regex(/^\d{13}$/),
      }),
      messageAttributes: z.record(z.string(), z.object({ dataType: str })),
      md5OfBody: z.string().regex(/^[0-9a-f]{32}$/),
      eventSource: z.literal('aws:sqs'),
      eventSourceARN: arn('sqs'),
      awsRegion: str,
    }),
  ),
});
const SnsEvent = z.strictObject({
  Records: z.array(
    z.strictObject({
      EventVersion: z.literal('1.0'),
      EventSubscriptionArn: arn('sns'),
      EventSource: z.literal('aws:sns'),
      Sns: z.strictObject({
        SignatureVersion: str,
        Timestamp: isoTime,
        Signature: str,
        SigningCertUrl: z.url(),
        MessageId: z.uuid(),
        Message: str,
        MessageAttributes: z.record(z.string(), z.strictObject({ Type: str, Value: str })),
        Type: z.literal('Notification'),
        UnsubscribeUrl: z.url(),
        TopicArn: arn('sns'),
        Subject: str.optional(),
      }),
    }),
  ),
});
const attributeValue = z.union([
  z.strictObject({ S: str }),
  z.strictObject({ N: z.string().regex(/^-?\d+(\.\d+)?$/) }),
]);
const image = z.record(z.string(), attributeValue);
const DynamoDbEvent = z.strictObject({
  Records: z.array(
    z.strictObject({
      awsRegion: str,
      dynamodb: z.strictObject({
        ApproximateCreationDateTime: z.number().int(),
        Keys: image,
        NewImage: image.optional(),
        OldImage: image.optional(),
        SequenceNumber: z.string().regex(/^\d+$/),
        SizeBytes: z.number().int().positive(),
        StreamViewType: z.enum(['KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES']),
      }),
      eventID: str,
      eventName: z.enum(['INSERT', 'MODIFY', 'REMOVE']),
      eventSource: z.literal('aws:dynamodb'),
      eventSourceARN: arn('dynamodb'),
      eventVersion: str,
    }),
  ),
});
const ScheduledEventSchema = z.strictObject({
  version: z.literal('0'),
  id: z.uuid(),
  account: z.string().regex(/^\d{12}$/),
  time: z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
  region: str,
  resources: z.array(arn('events')),
  source: z.literal('aws.events'),
  'detail-type': z.literal('Scheduled Event'),
  detail: z.strictObject({}),
});

const CLI = path.resolve('src/cli.ts');
const exec = promisify(execFile);

async function generate(...args: string[]): Promise<unknown> {
  const { stdout } = await exec(process.execPath, [
    '--import',
    'tsx',
    CLI,
    'generate-event',
    ...args,
  ]);
  return JSON.parse(stdout);
}

/** The same event in-process (the catalogue the CLI uses), for the checks of each option. */
function built(service: string, event: string, values: Record<string, string>): unknown {
  const template = findEvent(service, event);
  if (!template) throw new Error(`no ${service} ${event}`);
  return generateEvent(template, values);
}

async function fails(...args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    await exec(process.execPath, ['--import', 'tsx', CLI, 'generate-event', ...args]);
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
  throw new Error('expected a failure');
}

describe('asimov generate-event: each event parses as its AWS type', () => {
  const cases: [string, string, z.ZodType][] = [
    ['apigateway', 'aws-proxy', RestApiEvent],
    ['apigateway', 'http-api-proxy', HttpApiEvent],
    ['s3', 'put', S3PutEvent],
    ['sqs', 'receive-message', SqsEvent],
    ['sns', 'notification', SnsEvent],
    ['dynamodb', 'update', DynamoDbEvent],
    ['cloudwatch', 'scheduled-event', ScheduledEventSchema],
    ['eventbridge', 'scheduled-event', ScheduledEventSchema],
  ];
  // Printed by the CLI, all at once: each run is a node start.
  const printed = new Map<string, unknown>();
  before(async () => {
    await Promise.all(cases.map(async ([s, e]) => printed.set(`${s} ${e}`, await generate(s, e))));
  });
  for (const [service, event, schema] of cases) {
    it(`${service} ${event}`, () => {
      const parsed = schema.safeParse(printed.get(`${service} ${event}`));
      assert.ok(parsed.success, parsed.error?.message);
    });
  }

  it('covers every event of the catalogue', () => {
    const listed = Object.entries(EVENT_CATALOGUE).flatMap(([s, events]) =>
      Object.keys(events).map((e) => `${s} ${e}`),
    );
    assert.deepEqual(listed.sort(), cases.map(([s, e]) => `${s} ${e}`).sort());
  });
});

describe('asimov generate-event options (SAM’s names)', () => {
  it('apigateway aws-proxy: method, path, resource, stage, query and body as API Gateway passes them', async () => {
    const event = built('apigateway', 'aws-proxy', {
      method: 'get',
      path: '/items/42',
      resource: '/items/{id}',
      stage: 'dev',
      query: 'tag=a&tag=b&page=2',
      body: '',
    }) as APIGatewayProxyEvent;
    assert.equal(event.httpMethod, 'GET');
    assert.equal(event.path, '/items/42');
    assert.deepEqual(event.pathParameters, { id: '42' });
    assert.equal(event.requestContext.path, '/dev/items/42');
    assert.equal(event.requestContext.resourcePath, '/items/{id}');
    assert.deepEqual(event.queryStringParameters, { tag: 'b', page: '2' });
    assert.deepEqual(event.multiValueQueryStringParameters, { tag: ['a', 'b'], page: ['2'] });
    assert.equal(event.body, null);
    assert.equal(event.headers['Content-Type'], undefined);
    assert.match(
      event.headers.Host ?? '',
      /^[a-z0-9]{10}\.execute-api\.us-east-1\.amazonaws\.com$/,
    );
  });

  it('apigateway http-api-proxy (alias http-api): lower-case headers, joined query values, no empty members', async () => {
    const event = built('apigateway', 'http-api', {
      path: 'hello',
      query: 'a=1&a=2',
      body: '{"x":1}',
    }) as APIGatewayProxyEventV2;
    assert.equal(event.rawPath, '/hello');
    assert.equal(event.rawQueryString, 'a=1&a=2');
    assert.deepEqual(event.queryStringParameters, { a: '1,2' });
    assert.equal(event.headers['content-type'], 'application/json');
    assert.equal(event.body, '{"x":1}');
    assert.equal(event.requestContext.stage, '$default');
    assert.equal('cookies' in event, false);
    assert.equal('pathParameters' in event, false);
  });

  it('s3 put: bucket, key URL-encoded as S3 writes it, region and size', async () => {
    const event = (await generate(
      's3',
      'put',
      '--bucket',
      'photos',
      '--key',
      'holiday 2024/beach+sun.jpg',
      '--region',
      'eu-west-1',
      '--size',
      '2048',
    )) as S3Event;
    const record = event.Records[0]!;
    assert.equal(record.s3.bucket.name, 'photos');
    assert.equal(record.s3.bucket.arn, 'arn:aws:s3:::photos');
    assert.equal(record.s3.object.key, 'holiday+2024/beach%2Bsun.jpg');
    assert.equal(record.s3.object.size, 2048);
    assert.equal(record.awsRegion, 'eu-west-1');
    assert.equal(
      decodeURIComponent(record.s3.object.key.replace(/\+/g, ' ')),
      'holiday 2024/beach+sun.jpg',
    );
  });

  it('sqs receive-message: body, its MD5 and the queue ARN', async () => {
    const event = built('sqs', 'receive-message', {
      body: 'payload',
      'queue-name': 'jobs',
      'account-id': '111122223333',
    }) as SQSEvent;
    const record = event.Records[0]!;
    assert.equal(record.body, 'payload');
    assert.equal(record.md5OfBody, createHash('md5').update('payload').digest('hex'));
    assert.equal(record.eventSourceARN, 'arn:aws:sqs:us-east-1:111122223333:jobs');
  });

  it('sns notification: topic, subject and message', async () => {
    const event = built('sns', 'notification', {
      topic: 'alerts',
      subject: 'Hi',
      message: '{"a":1}',
    }) as SNSEvent;
    const sns = event.Records[0]!.Sns;
    assert.equal(sns.TopicArn, 'arn:aws:sns:us-east-1:123456789012:alerts');
    assert.ok(event.Records[0]!.EventSubscriptionArn.startsWith(`${sns.TopicArn}:`));
    assert.equal(sns.Subject, 'Hi');
    assert.equal(sns.Message, '{"a":1}');
  });

  it('dynamodb update: INSERT, MODIFY, REMOVE of one item with sizes and rising sequence numbers', async () => {
    const event = built('dynamodb', 'update', { table: 'Orders' }) as DynamoDBStreamEvent;
    assert.deepEqual(
      event.Records.map((r) => r.eventName),
      ['INSERT', 'MODIFY', 'REMOVE'],
    );
    assert.deepEqual(
      event.Records.map((r) => r.dynamodb?.SizeBytes),
      [26, 59, 38],
    );
    const sequence = event.Records.map((r) => BigInt(r.dynamodb?.SequenceNumber ?? '0'));
    assert.ok(sequence[0]! < sequence[1]! && sequence[1]! < sequence[2]!);
    assert.match(
      event.Records[0]!.eventSourceARN ?? '',
      /^arn:aws:dynamodb:us-east-1:123456789012:table\/Orders\/stream\/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$/,
    );
  });

  it('eventbridge scheduled-event: the rule ARN', async () => {
    const event = built('eventbridge', 'scheduled', { rule: 'nightly' }) as ScheduledEvent;
    assert.deepEqual(event.resources, ['arn:aws:events:us-east-1:123456789012:rule/nightly']);
  });

  it('unknown services, events and options exit 2 with what there is', async () => {
    const [service, event, option] = await Promise.all([
      fails('kafka', 'x'),
      fails('s3', 'delete'),
      fails('s3', 'put', '--colour', 'red'),
    ]);
    assert.equal(service.code, 2);
    assert.match(service.stderr, /unknown service 'kafka'/);
    assert.match(service.stderr, /apigateway +aws-proxy, http-api-proxy/);
    assert.match(event.stderr, /s3 has no event 'delete'/);
    assert.equal(option.code, 2);
    assert.match(option.stderr, /--colour/);
    assert.match(option.stderr, /--bucket/);
  });
});

describe('event rules', () => {
  it('path parameters from a resource template', () => {
    assert.deepEqual(pathParameters('/{proxy+}', '/a/b/c'), { proxy: 'a/b/c' });
    assert.deepEqual(pathParameters('/users/{id}/posts/{post}', '/users/7/posts/9'), {
      id: '7',
      post: '9',
    });
    assert.equal(pathParameters('/users', '/users'), null);
    assert.equal(pathParameters('/users/{id}', '/teams/7'), null);
  });

  it('S3 keys are form-encoded with slashes kept', () => {
    assert.equal(s3EventKey('a b/c+d=é.txt'), 'a+b/c%2Bd%3D%C3%A9.txt');
  });

  it('defaults fill what is not given', () => {
    const template = findEvent('sqs', 'message');
    assert.ok(template);
    const event = generateEvent(template, {}) as SQSEvent;
    assert.equal(event.Records[0]?.body, 'Hello from SQS!');
  });
});
