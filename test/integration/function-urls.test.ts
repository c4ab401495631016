import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  AddPermissionCommand,
  CreateAliasCommand,
  CreateFunctionUrlConfigCommand,
  DeleteFunctionCommand,
  DeleteFunctionConcurrencyCommand,
  PutFunctionConcurrencyCommand,
  DeleteFunctionUrlConfigCommand,
  GetFunctionUrlConfigCommand,
  ListFunctionUrlConfigsCommand,
  UpdateFunctionUrlConfigCommand,
  type CreateFunctionUrlConfigCommandInput,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { curl, resolveToLoopback, signedHeaders } from '../helpers/curl.js';
import { deploy } from '../helpers/functions.js';
import { lambdaClient, startTestServer, type TestServer } from '../helpers/server.js';

/** Returns the event it was invoked with: the URL's answer is that event as JSON. */
const ECHO = 'exports.handler = async (event) => event;';

/** Says which version ran, and under which ARN it was invoked. */
const VERSION_ECHO =
  'exports.handler = async (_e, ctx) => ({ version: ctx.functionVersion, arn: ctx.invokedFunctionArn });';

/** Answers by `?mode=`: each of AWS's response shapes, and a failure. */
const SHAPED = `
exports.handler = async (event) => {
  switch ((event.queryStringParameters || {}).mode) {
    case 'string': return 'hello';
    case 'json': return { hello: 'world', list: [1, true] };
    case 'number': return 3;
    case 'custom':
      return {
        statusCode: 201,
        headers: { 'X-Custom': 'v', 'Content-Type': 'text/plain' },
        cookies: ['a=1; Path=/', 'b=2; Max-Age=60'],
        body: 'created',
      };
    case 'teapot': return { statusCode: '418', body: "i'm a teapot" };
    case 'binary':
      return {
        statusCode: 200,
        headers: { 'content-type': 'application/octet-stream' },
        body: Buffer.from([0, 1, 2, 255]).toString('base64'),
        isBase64Encoded: true,
      };
    case 'nobody': return { statusCode: 204 };
    case 'error': throw new Error('boom');
  }
  return { statusCode: 400, body: 'no mode' };
};`;

/** The event as the echo function returns it. */
interface EchoedEvent {
  version: string;
  routeKey: string;
  rawPath: string;
  rawQueryString: string;
  cookies?: string[];
  headers: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  requestContext: {
    accountId: string;
    apiId: string;
    domainName: string;
    domainPrefix: string;
    authorizer?: { iam: Record<string, unknown> };
    http: Record<string, string>;
    requestId: string;
    routeKey: string;
    stage: string;
    time: string;
    timeEpoch: number;
  };
  body?: string;
  isBase64Encoded: boolean;
}

interface ErrorShape {
  name: string;
  message: string;
  $metadata: { httpStatusCode?: number };
}

async function refusal(promise: Promise<unknown>): Promise<ErrorShape> {
  try {
    await promise;
  } catch (err) {
    return err as ErrorShape;
  }
  assert.fail('the request succeeded');
}

const createUrl = (client: LambdaClient, input: CreateFunctionUrlConfigCommandInput) =>
  client.send(new CreateFunctionUrlConfigCommand(input));

/**
 * A NONE URL as the console and SAM make one: the config, plus the statement that AWS requires
 * before it lets anyone in (a URL without it answers 403).
 */
async function createPublicUrl(
  client: LambdaClient,
  input: Omit<CreateFunctionUrlConfigCommandInput, 'AuthType'>,
) {
  const config = await createUrl(client, { ...input, AuthType: 'NONE' });
  await client.send(
    new AddPermissionCommand({
      FunctionName: input.FunctionName,
      Qualifier: input.Qualifier,
      StatementId: 'FunctionURLAllowPublicAccess',
      Action: 'lambda:InvokeFunctionUrl',
      Principal: '*',
      FunctionUrlAuthType: 'NONE',
    }),
  );
  return config;
}

describe('function URL configurations (SDK)', () => {
  let server: TestServer;
  let client: LambdaClient;
  before(async () => {
    server = await startTestServer({ inMemory: true });
    client = lambdaClient(server.url);
    await deploy(client, 'config-fn', { 'index.js': ECHO });
  });
  after(() => server.close());

  it('creates, gets, updates, lists and deletes, with AWS shapes', async () => {
    const created = await createUrl(client, {
      FunctionName: 'config-fn',
      AuthType: 'NONE',
      Cors: { AllowOrigins: ['https://example.com'], AllowMethods: ['GET'] },
    });
    assert.equal(created.$metadata.httpStatusCode, 201);
    const urlPattern = new RegExp(
      `^http://[a-z0-9]{32}\\.lambda-url\\.us-east-1\\.localhost:${server.port}/$`,
    );
    assert.match(created.FunctionUrl ?? '', urlPattern);
    assert.equal(created.FunctionArn, 'arn:aws:lambda:us-east-1:000000000000:function:config-fn');
    assert.match(created.CreationTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    // AWS's create answer has no LastModifiedTime, and InvokeMode only when it was given.
    assert.equal('LastModifiedTime' in created, false);
    assert.equal(created.InvokeMode, undefined);
    assert.deepEqual(created.Cors, {
      AllowOrigins: ['https://example.com'],
      AllowMethods: ['GET'],
    });

    const got = await client.send(new GetFunctionUrlConfigCommand({ FunctionName: 'config-fn' }));
    assert.equal(got.FunctionUrl, created.FunctionUrl);
    assert.equal(got.InvokeMode, 'BUFFERED');
    assert.equal(got.LastModifiedTime, got.CreationTime);

    const updated = await client.send(
      new UpdateFunctionUrlConfigCommand({
        FunctionName: 'config-fn',
        AuthType: 'AWS_IAM',
        InvokeMode: 'RESPONSE_STREAM',
      }),
    );
    assert.equal(updated.AuthType, 'AWS_IAM');
    assert.equal(updated.InvokeMode, 'RESPONSE_STREAM');
    assert.deepEqual(updated.Cors, created.Cors, 'members not given are kept');
    assert.equal(updated.FunctionUrl, created.FunctionUrl, 'the URL never changes');
    // An update with nothing in it changes nothing but LastModifiedTime.
    const same = await client.send(
      new UpdateFunctionUrlConfigCommand({ FunctionName: 'config-fn' }),
    );
    assert.equal(same.InvokeMode, 'RESPONSE_STREAM');

    const listed = await client.send(
      new ListFunctionUrlConfigsCommand({ FunctionName: 'config-fn' }),
    );
    assert.equal(listed.FunctionUrlConfigs?.length, 1);
    assert.equal(listed.FunctionUrlConfigs?.[0]?.AuthType, 'AWS_IAM');
    assert.equal(listed.NextMarker, undefined);

    const deleted = await client.send(
      new DeleteFunctionUrlConfigCommand({ FunctionName: 'config-fn' }),
    );
    assert.equal(deleted.$metadata.httpStatusCode, 204);
    const gone = await refusal(
      client.send(new GetFunctionUrlConfigCommand({ FunctionName: 'config-fn' })),
    );
    assert.equal(gone.name, 'ResourceNotFoundException');
    assert.equal(gone.message, 'The resource you requested does not exist.');
    const empty = await client.send(
      new ListFunctionUrlConfigsCommand({ FunctionName: 'config-fn' }),
    );
    assert.deepEqual(empty.FunctionUrlConfigs, []);
  });

  it('refuses a second config for the same function with AWS message', async () => {
    await createUrl(client, { FunctionName: 'config-fn', AuthType: 'NONE' });
    const again = await refusal(createUrl(client, { FunctionName: 'config-fn', AuthType: 'NONE' }));
    assert.equal(again.name, 'ResourceConflictException');
    assert.equal(again.$metadata.httpStatusCode, 409);
    assert.equal(
      again.message,
      'Failed to create function url config for [functionArn = arn:aws:lambda:us-east-1:000000000000:function:config-fn]. Error message:  FunctionUrlConfig exists for this Lambda function',
    );
    await client.send(new DeleteFunctionUrlConfigCommand({ FunctionName: 'config-fn' }));
  });

  it('answers unknown functions, aliases and configs as AWS does', async () => {
    const cases: [() => Promise<unknown>, string, string][] = [
      [
        () => createUrl(client, { FunctionName: 'nope', AuthType: 'NONE' }),
        'ResourceNotFoundException',
        'Function does not exist',
      ],
      [
        () => createUrl(client, { FunctionName: 'config-fn', Qualifier: 'live', AuthType: 'NONE' }),
        'ResourceNotFoundException',
        'Function does not exist',
      ],
      [
        () => client.send(new GetFunctionUrlConfigCommand({ FunctionName: 'nope' })),
        'ResourceNotFoundException',
        'The resource you requested does not exist.',
      ],
      [
        () => client.send(new UpdateFunctionUrlConfigCommand({ FunctionName: 'config-fn' })),
        'ResourceNotFoundException',
        'The resource you requested does not exist.',
      ],
      [
        () => client.send(new UpdateFunctionUrlConfigCommand({ FunctionName: 'nope' })),
        'ResourceNotFoundException',
        'Function does not exist',
      ],
      [
        () => client.send(new DeleteFunctionUrlConfigCommand({ FunctionName: 'config-fn' })),
        'ResourceNotFoundException',
        'The resource you requested does not exist.',
      ],
      [
        () => client.send(new ListFunctionUrlConfigsCommand({ FunctionName: 'nope' })),
        'ResourceNotFoundException',
        'Function does not exist',
      ],
    ];
    for (const [request, name, message] of cases) {
      const err = await refusal(request());
      assert.equal(err.name, name, message);
      assert.equal(err.message, message);
    }
  });

  it('takes only an alias as qualifier: version numbers and $LATEST are refused', async () => {
    const numeric = await refusal(
      createUrl(client, { FunctionName: 'config-fn', Qualifier: '1', AuthType: 'NONE' }),
    );
    assert.equal(numeric.name, 'ValidationException');
    assert.equal(
      numeric.message,
      "1 validation error detected: Value '1' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: (^\\$LATEST$)|((?!^[0-9]+$)([a-zA-Z0-9-_]+))",
    );
    const inName = await refusal(
      client.send(new GetFunctionUrlConfigCommand({ FunctionName: 'config-fn:2' })),
    );
    assert.equal(inName.name, 'ValidationException');
    const latest = await refusal(
      createUrl(client, { FunctionName: 'config-fn', Qualifier: '$LATEST', AuthType: 'NONE' }),
    );
    assert.equal(latest.name, 'ValidationException');
    assert.equal(
      latest.message,
      "1 validation error detected: Value '$LATEST' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: ((?!^\\d+$)^[0-9a-zA-Z-_]+$)",
    );
  });

  it('validates AuthType, InvokeMode and Cors with AWS errors', async () => {
    const cases: [CreateFunctionUrlConfigCommandInput, string, string][] = [
      [
        { FunctionName: 'config-fn' } as CreateFunctionUrlConfigCommandInput,
        'ValidationException',
        "1 validation error detected: Value null at 'authType' failed to satisfy constraint: Member must not be null",
      ],
      [
        { FunctionName: 'config-fn', AuthType: 'NONE', InvokeMode: 'UNKNOWN' as 'BUFFERED' },
        'ValidationException',
        "1 validation error detected: Value 'UNKNOWN' at 'invokeMode' failed to satisfy constraint: Member must satisfy enum value set: [RESPONSE_STREAM, BUFFERED]",
      ],
      [
        {
          FunctionName: 'config-fn',
          AuthType: 'NONE',
          Cors: { AllowOrigins: ['*'], MaxAge: 86401 },
        },
        'ValidationException',
        "1 validation error detected: Value '86401' at 'cors.maxAge' failed to satisfy constraint: Member must have value less than or equal to 86400",
      ],
      [
        {
          FunctionName: 'config-fn',
          AuthType: 'NONE',
          Cors: { AllowOrigins: ['*'], AllowMethods: ['CONNECTS'] },
        },
        'ValidationException',
        "1 validation error detected: Value '[CONNECTS]' at 'cors.allowMethods' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 6, Member must have length greater than or equal to 0, Member must satisfy regular expression pattern: .*]",
      ],
      [
        {
          FunctionName: 'config-fn',
          AuthType: 'NONE',
          Cors: { AllowOrigins: ['*'], AllowMethods: ['FETCH'] },
        },
        'InvalidParameterValueException',
        'Invalid value for AllowMethods: FETCH. You can use GET, PUT, POST, DELETE, HEAD, PATCH, and the wildcard character (*).',
      ],
      [
        { FunctionName: 'config-fn', AuthType: 'NONE', Cors: { AllowMethods: ['GET'] } },
        'InvalidParameterValueException',
        "You can't leave AllowOrigins as empty when Cors is enabled.",
      ],
    ];
    for (const [input, name, message] of cases) {
      const err = await refusal(createUrl(client, input));
      assert.equal(err.name, name, message);
      assert.equal(err.message, message);
    }
    const none = await refusal(
      client.send(new GetFunctionUrlConfigCommand({ FunctionName: 'config-fn' })),
    );
    assert.equal(none.name, 'ResourceNotFoundException', 'nothing was stored');
  });

  it('DeleteFunction removes the URL configs, and the URL stops answering', async () => {
    await deploy(client, 'short-lived', { 'index.js': ECHO });
    const { FunctionUrl } = await createPublicUrl(client, { FunctionName: 'short-lived' });
    assert.equal((await curl([...resolveToLoopback(FunctionUrl!), FunctionUrl!])).status, 200);
    await client.send(new DeleteFunctionCommand({ FunctionName: 'short-lived' }));
    await deploy(client, 'short-lived', { 'index.js': ECHO });
    const none = await refusal(
      client.send(new GetFunctionUrlConfigCommand({ FunctionName: 'short-lived' })),
    );
    assert.equal(none.name, 'ResourceNotFoundException');
    const unknown = await curl([...resolveToLoopback(FunctionUrl!), FunctionUrl!]);
    assert.equal(unknown.status, 403);
    assert.equal(unknown.header('x-amzn-errortype'), 'AccessDeniedException');
    assert.equal(unknown.body.toString(), '{"Message":null}');
  });
});

describe('function URL ids are stored: stable across restarts, and alias URLs', () => {
  let dataDir: string;
  let first: TestServer | undefined;
  let second: TestServer | undefined;
  after(async () => {
    await first?.close();
    await second?.close();
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('keeps the id through a restart and lists the alias URL after the function URL', async () => {
    first = await startTestServer({});
    dataDir = first.dataDir;
    let client = lambdaClient(first.url);
    await deploy(client, 'kept', { 'index.js': ECHO }, { Publish: true });
    const before = await createPublicUrl(client, { FunctionName: 'kept' });
    await client.send(
      new CreateAliasCommand({ FunctionName: 'kept', Name: 'live', FunctionVersion: '1' }),
    );
    await first.close();
    first = undefined;

    second = await startTestServer({ dataDir });
    client = lambdaClient(second.url);
    const after = await client.send(new GetFunctionUrlConfigCommand({ FunctionName: 'kept' }));
    const id = (url: string | undefined) => new URL(url ?? '').hostname.split('.')[0];
    assert.equal(id(after.FunctionUrl), id(before.FunctionUrl));
    assert.equal(new URL(after.FunctionUrl ?? '').port, String(second.port));
    const answer = await curl([...resolveToLoopback(after.FunctionUrl!), after.FunctionUrl!]);
    assert.equal(answer.status, 200);

    const alias = await createUrl(client, {
      FunctionName: 'kept',
      Qualifier: 'live',
      AuthType: 'AWS_IAM',
    });
    assert.equal(alias.FunctionArn, 'arn:aws:lambda:us-east-1:000000000000:function:kept:live');
    assert.notEqual(id(alias.FunctionUrl), id(after.FunctionUrl));
    const viaName = await client.send(
      new GetFunctionUrlConfigCommand({ FunctionName: 'kept:live' }),
    );
    assert.equal(viaName.FunctionUrl, alias.FunctionUrl);

    const page1 = await client.send(
      new ListFunctionUrlConfigsCommand({ FunctionName: 'kept', MaxItems: 1 }),
    );
    assert.equal(page1.FunctionUrlConfigs?.[0]?.FunctionArn, after.FunctionArn);
    assert.ok(page1.NextMarker);
    const page2 = await client.send(
      new ListFunctionUrlConfigsCommand({
        FunctionName: 'kept',
        MaxItems: 1,
        Marker: page1.NextMarker,
      }),
    );
    assert.equal(page2.FunctionUrlConfigs?.[0]?.FunctionArn, alias.FunctionArn);
    assert.equal(page2.NextMarker, undefined);
  });
});

describe('function URLs served over HTTP (curl)', () => {
  let server: TestServer;
  let client: LambdaClient;
  let echoUrl: string;
  let shapedUrl: string;
  before(async () => {
    server = await startTestServer({ inMemory: true });
    client = lambdaClient(server.url);
    await deploy(client, 'echo', { 'index.js': ECHO });
    await deploy(client, 'shaped', { 'index.js': SHAPED });
    echoUrl = (await createPublicUrl(client, { FunctionName: 'echo' })).FunctionUrl!;
    shapedUrl = (await createPublicUrl(client, { FunctionName: 'shaped' })).FunctionUrl!;
  });
  after(() => server.close());

  const host = (url: string) => new URL(url).host;
  const urlId = (url: string) => new URL(url).hostname.split('.')[0] as string;

  it("GET with a query string and cookies: the function sees AWS's 2.0 event", async () => {
    const res = await curl([
      ...resolveToLoopback(echoUrl),
      `${echoUrl}some/path?name=Jane&multi=1&multi=2&enc=a%20b`,
      '-H',
      'Cookie: session=abc; theme=dark',
      '-H',
      'X-Repeated: one',
      '-H',
      'X-Repeated: two',
      '-H',
      'ExTrA-HeadEr: With WeiRd CapS',
      '-A',
      'curl-test/1.0',
    ]);
    assert.equal(res.status, 200);
    assert.equal(res.header('content-type'), 'application/json');
    assert.match(res.header('x-amzn-requestid') ?? '', /^[0-9a-f-]{36}$/);
    const event = res.json() as EchoedEvent;
    assert.equal(event.version, '2.0');
    assert.equal(event.routeKey, '$default');
    assert.equal(event.rawPath, '/some/path');
    assert.equal(event.rawQueryString, 'name=Jane&multi=1&multi=2&enc=a%20b');
    assert.deepEqual(event.cookies, ['session=abc', 'theme=dark']);
    assert.deepEqual(event.queryStringParameters, { name: 'Jane', multi: '1,2', enc: 'a b' });
    assert.equal(event.headers.host, host(echoUrl));
    assert.equal(event.headers['x-repeated'], 'one,two');
    assert.equal(event.headers['extra-header'], 'With WeiRd CapS');
    assert.equal(event.headers['user-agent'], 'curl-test/1.0');
    assert.equal(event.headers.cookie, undefined, 'cookies travel in the cookies array');
    assert.equal(event.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(event.headers['x-forwarded-proto'], 'http');
    assert.match(event.headers['x-amzn-trace-id'] ?? '', /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    for (const name of Object.keys(event.headers)) assert.equal(name, name.toLowerCase());
    assert.equal('body' in event, false, 'no body without one');
    assert.equal(event.isBase64Encoded, false);
    const context = event.requestContext;
    assert.equal(context.accountId, 'anonymous');
    assert.equal(context.apiId, urlId(echoUrl));
    assert.equal(context.domainName, `${urlId(echoUrl)}.lambda-url.us-east-1.localhost`);
    assert.equal(context.domainPrefix, urlId(echoUrl));
    assert.equal(context.authorizer, undefined);
    assert.deepEqual(context.http, {
      method: 'GET',
      path: '/some/path',
      protocol: 'HTTP/1.1',
      sourceIp: '127.0.0.1',
      userAgent: 'curl-test/1.0',
    });
    assert.equal(context.requestId, res.header('x-amzn-requestid'));
    assert.equal(context.routeKey, '$default');
    assert.equal(context.stage, '$default');
    assert.match(context.time, /^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/);
    assert.equal(typeof context.timeEpoch, 'number');
  });

  it('POST bodies: text and JSON arrive as they are, binary and forms as base64', async () => {
    const binary = Buffer.from([0, 1, 2, 250, 251, 252, 253, 254, 255]);
    const file = path.join(server.dataDir, 'body.bin');
    await fs.writeFile(file, binary);
    const bin = await curl([
      ...resolveToLoopback(echoUrl),
      echoUrl,
      '--data-binary',
      `@${file}`,
      '-H',
      'content-type: application/octet-stream',
    ]);
    const binEvent = bin.json() as EchoedEvent;
    assert.equal(binEvent.isBase64Encoded, true);
    assert.deepEqual(Buffer.from(binEvent.body ?? '', 'base64'), binary);
    assert.equal(binEvent.requestContext.http.method, 'POST');

    const cases: [string, string, boolean][] = [
      ['text/plain', 'hello text', false],
      ['application/json; charset=utf-8', '{"a":1}', false],
      ['application/x-www-form-urlencoded', 'a=1&b=2', true],
    ];
    for (const [type, body, base64] of cases) {
      const res = await curl([
        ...resolveToLoopback(echoUrl),
        echoUrl,
        '--data-binary',
        body,
        '-H',
        `content-type: ${type}`,
      ]);
      const event = res.json() as EchoedEvent;
      assert.equal(event.isBase64Encoded, base64, type);
      assert.equal(base64 ? Buffer.from(event.body ?? '', 'base64').toString() : event.body, body);
    }
  });

  it('maps statusCode, headers, cookies and isBase64Encoded to the HTTP response', async () => {
    const custom = await curl([...resolveToLoopback(shapedUrl), `${shapedUrl}?mode=custom`]);
    assert.equal(custom.status, 201);
    assert.equal(custom.header('x-custom'), 'v');
    assert.equal(custom.header('content-type'), 'text/plain');
    assert.deepEqual(custom.all('set-cookie'), ['a=1; Path=/', 'b=2; Max-Age=60']);
    assert.equal(custom.body.toString(), 'created');

    const binary = await curl([...resolveToLoopback(shapedUrl), `${shapedUrl}?mode=binary`]);
    assert.equal(binary.status, 200);
    assert.equal(binary.header('content-type'), 'application/octet-stream');
    assert.deepEqual(binary.body, Buffer.from([0, 1, 2, 255]));

    const teapot = await curl([...resolveToLoopback(shapedUrl), `${shapedUrl}?mode=teapot`]);
    assert.equal(teapot.status, 418, 'a statusCode string is accepted');
    assert.equal(teapot.body.toString(), "i'm a teapot");
    assert.equal(teapot.header('content-type'), 'application/json');

    const nobody = await curl([...resolveToLoopback(shapedUrl), `${shapedUrl}?mode=nobody`]);
    assert.equal(nobody.status, 204);
    assert.equal(nobody.body.length, 0);
  });

  it('takes anything without a statusCode as a 200 application/json body', async () => {
    const cases: [string, string][] = [
      ['string', 'hello'],
      ['json', '{"hello":"world","list":[1,true]}'],
      ['number', '3'],
    ];
    for (const [mode, body] of cases) {
      const res = await curl([...resolveToLoopback(shapedUrl), `${shapedUrl}?mode=${mode}`]);
      assert.equal(res.status, 200, mode);
      assert.equal(res.header('content-type'), 'application/json', mode);
      assert.equal(res.body.toString(), body, mode);
      assert.equal(res.header('content-length'), String(Buffer.byteLength(body)), mode);
    }
  });

  it('answers a function error with 502 Internal Server Error', async () => {
    const res = await curl([...resolveToLoopback(shapedUrl), `${shapedUrl}?mode=error`]);
    assert.equal(res.status, 502);
    assert.equal(res.body.toString(), 'Internal Server Error');
  });

  it('keeps Invoke limits: a throttle is a 429, an event over 6 MB a 413', async () => {
    await client.send(
      new PutFunctionConcurrencyCommand({
        FunctionName: 'shaped',
        ReservedConcurrentExecutions: 0,
      }),
    );
    const throttled = await curl([...resolveToLoopback(shapedUrl), `${shapedUrl}?mode=string`]);
    assert.equal(throttled.status, 429);
    assert.deepEqual(throttled.json(), { Message: 'Rate Exceeded.' });
    await client.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'shaped' }));

    const file = path.join(server.dataDir, 'big.txt');
    await fs.writeFile(file, 'x'.repeat(6_291_456 + 1));
    const big = await curl([
      ...resolveToLoopback(echoUrl),
      echoUrl,
      '--data-binary',
      `@${file}`,
      '-H',
      'content-type: text/plain',
    ]);
    assert.equal(big.status, 413);
  });

  it('answers an unknown URL id with 403 {"Message":null}', async () => {
    const unknown = `http://${'0'.repeat(32)}.lambda-url.us-east-1.localhost:${server.port}/`;
    const res = await curl([...resolveToLoopback(unknown), unknown]);
    assert.equal(res.status, 403);
    assert.equal(res.header('x-amzn-errortype'), 'AccessDeniedException');
    assert.equal(res.header('content-type'), 'application/json');
    assert.equal(res.body.toString(), '{"Message":null}');
    // The id exists, but not in the region the host names.
    const elsewhere = echoUrl.replace('us-east-1', 'eu-west-1');
    assert.equal((await curl([...resolveToLoopback(elsewhere), elsewhere])).status, 403);
  });

  it('is reachable by Host header and by the path-style fallback', async () => {
    const byHost = await curl([
      `http://127.0.0.1:${server.port}/by/host?x=1`,
      '-H',
      `Host: ${host(echoUrl)}`,
    ]);
    const hostEvent = byHost.json() as EchoedEvent;
    assert.equal(hostEvent.rawPath, '/by/host');
    assert.equal(hostEvent.rawQueryString, 'x=1');

    const prefix = `http://127.0.0.1:${server.port}/_asimov/lambda-url/${urlId(echoUrl)}`;
    const byPath = await curl([`${prefix}/by/path?y=2`]);
    assert.equal(byPath.status, 200);
    const pathEvent = byPath.json() as EchoedEvent;
    assert.equal(pathEvent.rawPath, '/by/path');
    assert.equal(pathEvent.rawQueryString, 'y=2');
    assert.equal(pathEvent.requestContext.apiId, urlId(echoUrl));
    const root = (await curl([prefix])).json() as EchoedEvent;
    assert.equal(root.rawPath, '/');
    // The Lambda API is untouched by all this.
    const api = await curl([`${server.url}/2015-03-31/functions/echo`]);
    assert.equal(api.status, 200);
  });

  it('answers CORS preflights from the Cors config and adds CORS headers to responses', async () => {
    await deploy(client, 'cors', { 'index.js': ECHO });
    const { FunctionUrl } = await createPublicUrl(client, {
      FunctionName: 'cors',
      Cors: {
        AllowOrigins: ['https://app.example'],
        AllowMethods: ['GET', 'POST'],
        AllowHeaders: ['x-custom', 'content-type'],
        ExposeHeaders: ['x-exposed'],
        AllowCredentials: true,
        MaxAge: 300,
      },
    });
    const url = FunctionUrl!;
    const preflight = await curl([
      ...resolveToLoopback(url),
      '-X',
      'OPTIONS',
      url,
      '-H',
      'Origin: https://app.example',
      '-H',
      'Access-Control-Request-Method: POST',
      '-H',
      'Access-Control-Request-Headers: x-custom',
    ]);
    assert.equal(preflight.status, 200);
    assert.equal(preflight.body.length, 0, 'the function is not invoked for a preflight');
    assert.equal(preflight.header('access-control-allow-origin'), 'https://app.example');
    assert.equal(preflight.header('access-control-allow-methods'), 'GET,POST');
    assert.equal(preflight.header('access-control-allow-headers'), 'x-custom,content-type');
    assert.equal(preflight.header('access-control-allow-credentials'), 'true');
    assert.equal(preflight.header('access-control-max-age'), '300');

    const foreign = await curl([
      ...resolveToLoopback(url),
      '-X',
      'OPTIONS',
      url,
      '-H',
      'Origin: https://evil.example',
      '-H',
      'Access-Control-Request-Method: POST',
    ]);
    assert.equal(foreign.header('access-control-allow-origin'), undefined);

    const normal = await curl([
      ...resolveToLoopback(url),
      url,
      '-H',
      'Origin: https://app.example',
    ]);
    assert.equal(normal.status, 200);
    assert.equal(normal.header('access-control-allow-origin'), 'https://app.example');
    assert.equal(normal.header('access-control-expose-headers'), 'x-exposed');
    assert.equal(normal.header('access-control-allow-credentials'), 'true');
    const plain = await curl([...resolveToLoopback(url), url]);
    assert.equal(plain.header('access-control-allow-origin'), undefined, 'no Origin, no CORS');

    // Without Cors an OPTIONS request is the function's to answer.
    const passed = await curl([...resolveToLoopback(echoUrl), '-X', 'OPTIONS', echoUrl]);
    assert.equal((passed.json() as EchoedEvent).requestContext.http.method, 'OPTIONS');
  });

  it('NONE: only a public InvokeFunctionUrl statement with a matching AuthType lets callers in', async () => {
    await deploy(client, 'guarded', { 'index.js': ECHO });
    const { FunctionUrl } = await createUrl(client, { FunctionName: 'guarded', AuthType: 'NONE' });
    const url = FunctionUrl!;
    const status = async () => (await curl([...resolveToLoopback(url), url])).status;
    assert.equal(await status(), 403);
    const grant = (StatementId: string, extra: Record<string, string>) =>
      client.send(
        new AddPermissionCommand({
          FunctionName: 'guarded',
          StatementId,
          Action: 'lambda:InvokeFunctionUrl',
          Principal: '*',
          ...extra,
        }),
      );
    await grant('iam-only', { FunctionUrlAuthType: 'AWS_IAM' });
    assert.equal(await status(), 403);
    await grant('public', { FunctionUrlAuthType: 'NONE' });
    assert.equal(await status(), 200);
  });

  it('an alias URL runs the version its alias points at, under the alias policy', async () => {
    await deploy(client, 'versioned', { 'index.js': VERSION_ECHO }, { Publish: true });
    await client.send(
      new CreateAliasCommand({ FunctionName: 'versioned', Name: 'live', FunctionVersion: '1' }),
    );
    const { FunctionUrl } = await createPublicUrl(client, {
      FunctionName: 'versioned',
      Qualifier: 'live',
    });
    const url = FunctionUrl!;
    const answer = await curl([...resolveToLoopback(url), url]);
    assert.equal(answer.status, 200, answer.body.toString());
    assert.deepEqual(answer.json(), {
      version: '1',
      arn: 'arn:aws:lambda:us-east-1:000000000000:function:versioned:live',
    });
  });

  it('AWS_IAM: unsigned requests get 403, SigV4-signed ones reach the function', async () => {
    await deploy(client, 'private', { 'index.js': ECHO });
    const { FunctionUrl } = await createUrl(client, {
      FunctionName: 'private',
      AuthType: 'AWS_IAM',
    });
    const url = `${FunctionUrl!}secret?x=1`;
    const unsigned = await curl([...resolveToLoopback(url), url]);
    assert.equal(unsigned.status, 403);
    assert.equal(unsigned.header('x-amzn-errortype'), 'AccessDeniedException');
    assert.deepEqual(unsigned.json(), {
      Message:
        'Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html',
    });

    const own = await signedHeaders(url, {
      method: 'GET',
      accessKeyId: '000000000000',
      region: 'us-east-1',
    });
    const ownArgs = Object.entries(own).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
    assert.equal((await curl([...resolveToLoopback(url), url, ...ownArgs])).status, 200);

    // Another account gets in only through a statement of the function's policy naming it.
    const body = '{"signed":true}';
    const sign = () =>
      signedHeaders(url, {
        method: 'POST',
        body,
        accessKeyId: '123456789012',
        region: 'us-east-1',
      });
    const foreign = Object.entries(await sign()).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
    const refused = await curl([...resolveToLoopback(url), url, '--data-binary', body, ...foreign]);
    assert.equal(refused.status, 403);
    await client.send(
      new AddPermissionCommand({
        FunctionName: 'private',
        StatementId: 'partner',
        Action: 'lambda:InvokeFunctionUrl',
        Principal: '123456789012',
        FunctionUrlAuthType: 'AWS_IAM',
      }),
    );
    const headers = await signedHeaders(url, {
      method: 'POST',
      body,
      accessKeyId: '123456789012',
      region: 'us-east-1',
    });
    const headerArgs = Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
    const signed = await curl([
      ...resolveToLoopback(url),
      url,
      '--data-binary',
      body,
      '-H',
      'content-type: application/json',
      ...headerArgs,
    ]);
    assert.equal(signed.status, 200, signed.body.toString());
    const event = signed.json() as EchoedEvent;
    assert.equal(event.body, body);
    assert.equal(event.requestContext.accountId, '123456789012');
    assert.equal(event.requestContext.authorizer?.iam.accessKey, '123456789012');
    assert.equal(event.requestContext.authorizer?.iam.accountId, '123456789012');
    assert.match(event.headers.authorization ?? '', /^AWS4-HMAC-SHA256 Credential=123456789012\//);

    // A signature for another service or region is not one for this URL.
    const wrong = await signedHeaders(url, {
      method: 'GET',
      accessKeyId: '123456789012',
      region: 'eu-west-1',
    });
    const wrongArgs = Object.entries(wrong).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
    assert.equal((await curl([...resolveToLoopback(url), url, ...wrongArgs])).status, 403);
  });
});
