/**
 * Response streaming end to end: InvokeWithResponseStream read by @aws-sdk/client-lambda and
 * boto3, Invoke of streaming functions, and RESPONSE_STREAM function URLs read by a real curl.
 * Functions use our Node.js runtime's awslambda.streamifyResponse / HttpResponseStream.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import {
  AddPermissionCommand,
  CreateAliasCommand,
  CreateFunctionUrlConfigCommand,
  DeleteFunctionConcurrencyCommand,
  InvokeWithResponseStreamCommand,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  type InvokeWithResponseStreamCommandInput,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { boto3 } from '../helpers/cli.js';
import { resolveToLoopback } from '../helpers/curl.js';
import { deploy, invoke } from '../helpers/functions.js';
import { lambdaClient, startTestServer, type TestServer } from '../helpers/server.js';

/** Five chunks 200 ms apart; `fail` throws after the third, `hang` never ends the stream. */
const FIVE_CHUNKS = `export const handler = awslambda.streamifyResponse(async (event, stream, context) => {
  console.log('streaming for', context.awsRequestId);
  for (let i = 0; i < 5; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 200));
    stream.write('chunk ' + i + '\\n');
    if (event.fail && i === 2) throw new Error('boom after three chunks');
  }
  if (event.hang) return;
  stream.end();
});`;

/** A function URL answer with a prelude: status, headers and cookies, then 5 chunks 200 ms apart. */
const HTTP_STREAM = `export const handler = awslambda.streamifyResponse(async (event, stream) => {
  const mode = (event.queryStringParameters || {}).mode;
  if (mode === 'early-error') throw new Error('before any byte');
  if (mode === 'raw') {
    stream.setContentType('text/event-stream');
    stream.write('data: one\\n\\n');
    stream.end('data: two\\n\\n');
    return;
  }
  stream = awslambda.HttpResponseStream.from(stream, {
    statusCode: 201,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'x-streamed': 'yes' },
    cookies: ['a=1; Path=/', 'b=2'],
  });
  for (let i = 0; i < 5; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 200));
    stream.write('part ' + i + '\\n');
    if (mode === 'late-error' && i === 1) throw new Error('after two parts');
  }
  stream.end();
});`;

const BUFFERED = `exports.handler = async (event) => {
  if (event.fail) throw new RangeError('buffered failure');
  return { buffered: true, got: event };
};`;

interface Received {
  status?: number;
  executedVersion?: string;
  contentType?: string;
  /** Each PayloadChunk's text and when it arrived (ms after the call). */
  chunks: { text: string; at: number }[];
  complete?: { ErrorCode?: string; ErrorDetails?: string; LogResult?: string };
  completeAt: number;
  /** Events after InvokeComplete (there must be none). */
  after: number;
}

/** Calls InvokeWithResponseStream and reads its event stream to the end, timing each event. */
async function readStream(
  client: LambdaClient,
  input: InvokeWithResponseStreamCommandInput,
): Promise<Received> {
  const started = performance.now();
  const out = await client.send(new InvokeWithResponseStreamCommand(input));
  const received: Received = {
    status: out.StatusCode,
    executedVersion: out.ExecutedVersion,
    contentType: out.ResponseStreamContentType,
    chunks: [],
    completeAt: -1,
    after: 0,
  };
  for await (const event of out.EventStream ?? []) {
    const at = performance.now() - started;
    if (received.complete) received.after++;
    else if (event.PayloadChunk) {
      received.chunks.push({ text: Buffer.from(event.PayloadChunk.Payload ?? []).toString(), at });
    } else if (event.InvokeComplete) {
      received.complete = event.InvokeComplete;
      received.completeAt = at;
    }
  }
  return received;
}

const text = (received: Received) => received.chunks.map((c) => c.text).join('');
const payload = (value: unknown) => Buffer.from(JSON.stringify(value));

interface ApiError {
  name: string;
  message: string;
  $metadata: { httpStatusCode?: number };
}

async function refusal(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (err) {
    return err as ApiError;
  }
  assert.fail('the request succeeded');
}

describe('InvokeWithResponseStream through @aws-sdk/client-lambda', () => {
  let server: TestServer;
  let client: LambdaClient;
  before(async () => {
    server = await startTestServer({ inMemory: true });
    client = lambdaClient(server.url);
    await deploy(client, 'five', { 'index.mjs': FIVE_CHUNKS }, { Timeout: 2 });
    await deploy(client, 'buffered', { 'index.js': BUFFERED });
  });
  after(() => server.close());

  it('forwards each chunk as the function writes it, in order, then InvokeComplete', async () => {
    const received = await readStream(client, { FunctionName: 'five', Payload: payload({}) });
    assert.equal(received.status, 200);
    assert.equal(received.executedVersion, '$LATEST');
    assert.equal(received.contentType, 'application/vnd.amazon.eventstream');
    assert.deepEqual(
      received.chunks.map((c) => c.text),
      ['chunk 0\n', 'chunk 1\n', 'chunk 2\n', 'chunk 3\n', 'chunk 4\n'],
    );
    assert.deepEqual(received.complete, {});
    assert.equal(received.after, 0);
    // The function takes 800 ms from its first write to its end: the first chunk must be here
    // long before InvokeComplete, and the chunks must arrive spread out as they were written.
    const [first, second] = received.chunks;
    assert.ok(first && second);
    assert.ok(
      received.completeAt - first.at >= 600,
      `first chunk at ${first.at.toFixed(0)} ms, InvokeComplete at ${received.completeAt.toFixed(0)} ms`,
    );
    assert.ok(second.at - first.at >= 100, 'chunks were not gathered');
  });

  it("reports a function that throws mid-stream in InvokeComplete, as AWS's error event", async () => {
    const received = await readStream(client, {
      FunctionName: 'five',
      Payload: payload({ fail: true }),
    });
    assert.equal(received.status, 200);
    assert.equal(text(received), 'chunk 0\nchunk 1\nchunk 2\n');
    assert.equal(received.complete?.ErrorCode, 'Error');
    assert.equal(received.complete?.ErrorDetails, 'boom after three chunks');
  });

  it('reports a timeout mid-stream as Sandbox.Timedout, after the chunks already sent', async () => {
    const received = await readStream(client, {
      FunctionName: 'five',
      Payload: payload({ hang: true }),
    });
    assert.equal(received.chunks.length, 5);
    assert.equal(received.complete?.ErrorCode, 'Sandbox.Timedout');
    assert.match(received.complete?.ErrorDetails ?? '', /Task timed out after 2\.00 seconds$/);
  });

  it('returns the last 4 KB of the log in InvokeComplete with LogType Tail', async () => {
    const received = await readStream(client, {
      FunctionName: 'five',
      Payload: payload({}),
      LogType: 'Tail',
    });
    const log = Buffer.from(received.complete?.LogResult ?? '', 'base64').toString();
    assert.match(log, /^START RequestId: [0-9a-f-]{36} Version: \$LATEST\n/);
    assert.match(log, /\tINFO\tstreaming for [0-9a-f-]{36}\n/);
    assert.match(log, /\nEND RequestId: [0-9a-f-]{36}\nREPORT RequestId: .*Duration: /);
    assert.equal(received.complete?.ErrorCode, undefined);
  });

  it('DryRun checks the request and answers 204 without running the function', async () => {
    const out = await client.send(
      new InvokeWithResponseStreamCommand({ FunctionName: 'five', InvocationType: 'DryRun' }),
    );
    assert.equal(out.StatusCode, 204);
    assert.equal(out.ExecutedVersion, '$LATEST');
  });

  it('answers a buffered function with one PayloadChunk, and its error in InvokeComplete', async () => {
    const ok = await readStream(client, { FunctionName: 'buffered', Payload: payload({ a: 1 }) });
    assert.equal(ok.chunks.length, 1);
    assert.deepEqual(JSON.parse(text(ok)), { buffered: true, got: { a: 1 } });
    assert.deepEqual(ok.complete, {});
    const failed = await readStream(client, {
      FunctionName: 'buffered',
      Payload: payload({ fail: true }),
    });
    assert.equal(failed.chunks.length, 0);
    assert.deepEqual(failed.complete, {
      ErrorCode: 'RangeError',
      ErrorDetails: 'buffered failure',
    });
  });

  it("runs the alias's version and hands the client context to the function", async () => {
    await deploy(client, 'context', {
      'index.mjs': `export const handler = awslambda.streamifyResponse(async (event, stream, context) => {
        stream.end(JSON.stringify({ version: context.functionVersion, custom: context.clientContext.custom }));
      });`,
    });
    await client.send(new PublishVersionCommand({ FunctionName: 'context' }));
    await client.send(
      new CreateAliasCommand({ FunctionName: 'context', Name: 'live', FunctionVersion: '1' }),
    );
    const received = await readStream(client, {
      FunctionName: 'context',
      Qualifier: 'live',
      ClientContext: Buffer.from(JSON.stringify({ custom: { k: 'v' } })).toString('base64'),
    });
    assert.equal(received.executedVersion, '1');
    assert.deepEqual(JSON.parse(text(received)), { version: '1', custom: { k: 'v' } });
  });

  it('answers API errors before anything streams: unknown function, bad options, throttles', async () => {
    const missing = await refusal(
      client.send(new InvokeWithResponseStreamCommand({ FunctionName: 'nope' })),
    );
    assert.equal(missing.name, 'ResourceNotFoundException');
    assert.equal(missing.$metadata.httpStatusCode, 404);
    assert.equal(
      missing.message,
      'Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope',
    );
    const event = await refusal(
      client.send(
        new InvokeWithResponseStreamCommand({
          FunctionName: 'five',
          InvocationType: 'Event' as 'DryRun',
        }),
      ),
    );
    assert.equal(event.name, 'ValidationException');
    assert.equal(
      event.message,
      "1 validation error detected: Value 'Event' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [RequestResponse, DryRun]",
    );
    const notJson = await refusal(
      client.send(
        new InvokeWithResponseStreamCommand({
          FunctionName: 'five',
          Payload: Buffer.from('not json'),
        }),
      ),
    );
    assert.equal(notJson.name, 'InvalidRequestContentException');
    await client.send(
      new PutFunctionConcurrencyCommand({ FunctionName: 'five', ReservedConcurrentExecutions: 0 }),
    );
    const throttled = await refusal(
      client.send(new InvokeWithResponseStreamCommand({ FunctionName: 'five' })),
    );
    assert.equal(throttled.name, 'TooManyRequestsException');
    assert.equal(throttled.$metadata.httpStatusCode, 429);
    await client.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'five' }));
  });

  it('Invoke (buffered) of a streaming function returns the whole stream, or its error', async () => {
    const ok = await invoke(client, 'five', {});
    assert.equal(ok.functionError, undefined);
    assert.equal(ok.text, 'chunk 0\nchunk 1\nchunk 2\nchunk 3\nchunk 4\n');
    const failed = await invoke(client, 'five', { fail: true });
    assert.equal(failed.functionError, 'Unhandled');
    const error = failed.json as { errorType: string; errorMessage: string; trace: string[] };
    assert.equal(error.errorType, 'Error');
    assert.equal(error.errorMessage, 'boom after three chunks');
    assert.ok(Array.isArray(error.trace));
  });

  it('refuses a buffered response over 6 MB from a streaming function, as Invoke does', async () => {
    // Streaming 200 MB (below) takes seconds on a loaded host: the size limit must end it, not
    // the default 3 s timeout.
    await deploy(
      client,
      'big',
      {
        'index.mjs': `export const handler = awslambda.streamifyResponse(async (event, stream) => {
        const mb = Buffer.alloc(1024 * 1024, 97);
        for (let i = 0; i < event.mb; i++) {
          if (!stream.write(mb)) await new Promise((r) => stream.once('drain', r));
        }
        stream.end();
      });`,
      },
      { Timeout: 30 },
    );
    const tooBig = await invoke(client, 'big', { mb: 7 });
    assert.equal(tooBig.functionError, 'Unhandled');
    assert.deepEqual(tooBig.json, {
      errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
      errorType: 'Function.ResponseSizeTooLarge',
    });
    // Streamed, 7 MB is well within the limit.
    const streamed = await readStream(client, { FunctionName: 'big', Payload: payload({ mb: 7 }) });
    assert.equal(
      streamed.chunks.reduce((n, c) => n + c.text.length, 0),
      7 * 1024 * 1024,
    );
    assert.deepEqual(streamed.complete, {});
  });

  it("stops a stream past AWS's 200 MB limit with Function.ResponseSizeTooLarge", async () => {
    const started = performance.now();
    const out = await client.send(
      new InvokeWithResponseStreamCommand({ FunctionName: 'big', Payload: payload({ mb: 201 }) }),
    );
    let bytes = 0;
    let complete: Received['complete'];
    for await (const event of out.EventStream ?? []) {
      if (event.PayloadChunk) bytes += event.PayloadChunk.Payload?.length ?? 0;
      if (event.InvokeComplete) complete = event.InvokeComplete;
    }
    assert.ok(bytes <= 200 * 1024 * 1024, `${bytes} bytes streamed`);
    assert.ok(bytes > 190 * 1024 * 1024, `${bytes} bytes streamed`);
    assert.deepEqual(complete, {
      ErrorCode: 'Function.ResponseSizeTooLarge',
      ErrorDetails:
        'Response payload size exceeded maximum allowed payload size (209715200 bytes).',
    });
    assert.ok(performance.now() - started < 60_000);
  });
});

describe('InvokeWithResponseStream through boto3', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ inMemory: true });
    const client = lambdaClient(server.url);
    await deploy(client, 'five', { 'index.mjs': FIVE_CHUNKS });
  });
  after(() => server.close());

  it("decodes the same events with botocore's event-stream parser", async () => {
    const out = await boto3(
      server.url,
      `
r = client.invoke_with_response_stream(FunctionName='five', Payload=json.dumps({'fail': True}), LogType='Tail')
events = []
for event in r['EventStream']:
    if 'PayloadChunk' in event:
        events.append(['chunk', event['PayloadChunk']['Payload'].decode()])
    else:
        c = event['InvokeComplete']
        events.append(['complete', c.get('ErrorCode'), c.get('ErrorDetails'), 'LogResult' in c])
print(json.dumps({'status': r['StatusCode'], 'version': r['ExecutedVersion'], 'events': events}))
`,
    );
    assert.deepEqual(JSON.parse(out), {
      status: 200,
      version: '$LATEST',
      events: [
        ['chunk', 'chunk 0\n'],
        ['chunk', 'chunk 1\n'],
        ['chunk', 'chunk 2\n'],
        ['complete', 'Error', 'boom after three chunks', true],
      ],
    });
  });
});

interface CurlStream {
  /** Exit code: 0, or 18 when the body was cut off. */
  code: number | null;
  head: string;
  status: number;
  headers: [string, string][];
  body: string;
  /** When each piece of the body arrived (ms after the start), and when curl ended. */
  bodyAt: number[];
  endAt: number;
}

/** Runs curl -N (no buffering) and times the pieces of the body as they reach its stdout. */
function curlStream(url: string, extra: string[] = []): Promise<CurlStream> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('curl', ['-sS', '-N', '-i', ...resolveToLoopback(url), ...extra, url]);
    let raw = Buffer.alloc(0);
    const bodyAt: number[] = [];
    child.stdout.on('data', (data: Buffer) => {
      const headEnded = raw.indexOf('\r\n\r\n') !== -1;
      raw = Buffer.concat([raw, data]);
      const end = raw.indexOf('\r\n\r\n');
      if (end !== -1 && (headEnded || raw.length > end + 4))
        bodyAt.push(performance.now() - started);
    });
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', (code) => {
      const end = raw.indexOf('\r\n\r\n');
      const head = raw.subarray(0, end).toString('latin1');
      const [statusLine = '', ...lines] = head.split('\r\n');
      resolve({
        code,
        head,
        status: Number(statusLine.split(' ')[1]),
        headers: lines.map((line) => {
          const colon = line.indexOf(':');
          return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
        }),
        body: raw.subarray(end + 4).toString('utf8'),
        bodyAt,
        endAt: performance.now() - started,
      });
    });
  });
}

const headerValues = (res: CurlStream, name: string) =>
  res.headers.filter(([n]) => n === name).map(([, v]) => v);

describe('function URLs with InvokeMode RESPONSE_STREAM (curl -N)', () => {
  let server: TestServer;
  let client: LambdaClient;
  let streamUrl: string;
  let bufferedUrl: string;
  before(async () => {
    server = await startTestServer({ inMemory: true });
    client = lambdaClient(server.url);
    await deploy(client, 'http-stream', { 'index.mjs': HTTP_STREAM });
    await deploy(client, 'buffered', { 'index.js': BUFFERED });
    streamUrl = await publicStreamingUrl('http-stream', {
      AllowOrigins: ['https://example.com'],
      ExposeHeaders: ['x-streamed'],
    });
    bufferedUrl = await publicStreamingUrl('buffered');
  });
  after(() => server.close());

  async function publicStreamingUrl(
    name: string,
    cors?: { AllowOrigins: string[]; ExposeHeaders: string[] },
  ): Promise<string> {
    const config = await client.send(
      new CreateFunctionUrlConfigCommand({
        FunctionName: name,
        AuthType: 'NONE',
        InvokeMode: 'RESPONSE_STREAM',
        ...(cors ? { Cors: cors } : {}),
      }),
    );
    await client.send(
      new AddPermissionCommand({
        FunctionName: name,
        StatementId: 'FunctionURLAllowPublicAccess',
        Action: 'lambda:InvokeFunctionUrl',
        Principal: '*',
        FunctionUrlAuthType: 'NONE',
      }),
    );
    return config.FunctionUrl as string;
  }

  it("streams the body as it is written, under the prelude's status, headers and cookies", async () => {
    const res = await curlStream(streamUrl, ['-H', 'Origin: https://example.com']);
    assert.equal(res.code, 0);
    assert.equal(res.status, 201);
    assert.deepEqual(headerValues(res, 'content-type'), ['text/plain; charset=utf-8']);
    assert.deepEqual(headerValues(res, 'x-streamed'), ['yes']);
    assert.deepEqual(headerValues(res, 'set-cookie'), ['a=1; Path=/', 'b=2']);
    assert.deepEqual(headerValues(res, 'transfer-encoding'), ['chunked']);
    assert.deepEqual(headerValues(res, 'access-control-allow-origin'), ['https://example.com']);
    assert.deepEqual(headerValues(res, 'access-control-expose-headers'), ['x-streamed']);
    assert.equal(res.body, 'part 0\npart 1\npart 2\npart 3\npart 4\n');
    // The function writes for 800 ms: curl must see its first part long before the end.
    const first = res.bodyAt[0] ?? Infinity;
    assert.ok(res.endAt - first >= 600, `first part at ${first} ms, end at ${res.endAt} ms`);
    assert.ok(res.bodyAt.length >= 4, `${res.bodyAt.length} reads`);
  });

  it("streams a response without a prelude as 200 with the stream's content type", async () => {
    const res = await curlStream(`${streamUrl}?mode=raw`);
    assert.equal(res.status, 200);
    assert.deepEqual(headerValues(res, 'content-type'), ['text/event-stream']);
    assert.equal(res.body, 'data: one\n\ndata: two\n\n');
  });

  it('answers 502 when the function fails before its first byte', async () => {
    const res = await curlStream(`${streamUrl}?mode=early-error`);
    assert.equal(res.status, 502);
    assert.equal(res.body, 'Internal Server Error');
  });

  it('cuts the response off when the function fails after streaming began', async () => {
    const res = await curlStream(`${streamUrl}?mode=late-error`);
    assert.equal(res.status, 201);
    assert.equal(res.body, 'part 0\npart 1\n');
    assert.equal(res.code, 18, 'curl: transfer closed with outstanding read data remaining');
  });

  it("passes a buffered function's response through as it returned it", async () => {
    const res = await curlStream(bufferedUrl);
    assert.equal(res.status, 200);
    const returned = JSON.parse(res.body) as { buffered: boolean; got: { version: string } };
    assert.equal(returned.buffered, true);
    assert.equal(returned.got.version, '2.0');
  });
});
