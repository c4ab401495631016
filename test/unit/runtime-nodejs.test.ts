/**
 * Unit tests for the Node.js bootstrap we ship (src/runtimes/nodejs/bootstrap.mjs): each test
 * writes handler code into a temp task root, starts the bootstrap against a Runtime API stub and
 * checks what it posts back and prints, against AWS's Node.js runtime.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import protocol from '../../src/runtime-api/protocol.json' with { type: 'json' };
import {
  lambdaVariables,
  RuntimeApiStub,
  type RuntimePost,
  type StubInvocation,
  writeTaskRoot,
} from '../helpers/runtime-api-stub.js';
import {
  ACCEPTED,
  invocationHeaders,
  rawResponse,
  startScriptedApi,
  waitForRequests,
  type Responder,
} from '../helpers/scripted-runtime-api.js';

const BOOTSTRAP = fileURLToPath(
  new URL('../../src/runtimes/nodejs/bootstrap.mjs', import.meta.url),
);
const ERROR_TYPE_HEADER = protocol.headers.functionErrorType;
const LOG_LINE =
  /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\t([^\t]*)\t(INFO|WARN|ERROR|DEBUG|TRACE)\t(.*)$/s;

interface Runtime {
  stub: RuntimeApiStub;
  child: ChildProcess;
  stdout: () => string;
  exited: Promise<number | null>;
  /** Stops the runtime and resolves once all of its output has been read. */
  stop: () => Promise<void>;
}

interface RuntimeOptions {
  files: Record<string, string>;
  handler: string;
  env?: Record<string, string>;
}

/** Starts the bootstrap on a fresh task root; everything is torn down after the test. */
async function startRuntime(t: TestContext, options: RuntimeOptions): Promise<Runtime> {
  const taskRoot = await writeTaskRoot('asimov-nodejs-', options.files);
  const stub = new RuntimeApiStub();
  const address = await stub.start();
  // A clean environment: the test runner's NODE_OPTIONS (tsx) must not slow down or alter the child.
  const env = {
    PATH: process.env.PATH ?? '',
    ...lambdaVariables(taskRoot, path.dirname(BOOTSTRAP), address, options.handler),
    NODE_PATH: path.join(taskRoot, 'node_modules'),
    ...options.env,
  };

  const child = spawn(process.execPath, [BOOTSTRAP], { cwd: taskRoot, env });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.resume();
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await closed;
  };

  t.after(async () => {
    await stop();
    await stub.stop();
    await rm(taskRoot, { recursive: true, force: true });
  });
  return { stub, child, stdout: () => stdout, exited, stop };
}

/** Queues the invocations and returns what the runtime posted for them, in order. */
async function invokeAll(runtime: Runtime, invocations: StubInvocation[]): Promise<RuntimePost[]> {
  const already = runtime.stub.posts.length;
  for (const invocation of invocations) runtime.stub.enqueue(invocation);
  const posts = await runtime.stub.waitForPosts(already + invocations.length);
  return posts.slice(already);
}

async function invokeOnce(runtime: Runtime, payload: unknown, requestId = 'req-1') {
  const [post] = await invokeAll(runtime, [{ requestId, payload: JSON.stringify(payload) }]);
  assert.ok(post);
  return post;
}

async function startAndInvoke(t: TestContext, options: RuntimeOptions, payload: unknown = {}) {
  return invokeOnce(await startRuntime(t, options), payload);
}

function assertErrorPost(post: RuntimePost, errorType: string, errorMessage: string) {
  assert.equal(post.kind, 'error');
  assert.equal(post.headers[ERROR_TYPE_HEADER], errorType);
  const body = JSON.parse(post.body);
  assert.deepEqual(Object.keys(body), ['errorType', 'errorMessage', 'trace']);
  assert.equal(body.errorType, errorType);
  assert.equal(body.errorMessage, errorMessage);
  assert.ok(Array.isArray(body.trace));
  return body as { errorType: string; errorMessage: string; trace: string[] };
}

test('a CommonJS async handler echoes its event', async (t) => {
  const post = await startAndInvoke(
    t,
    {
      files: { 'index.js': 'exports.handler = async (event) => ({ echo: event });' },
      handler: 'index.handler',
    },
    { hello: 'world', n: 1 },
  );
  assert.equal(post.kind, 'response');
  assert.equal(post.requestId, 'req-1');
  assert.deepEqual(JSON.parse(post.body), { echo: { hello: 'world', n: 1 } });
});

// `typeof require` tells how the module was loaded: it only exists in CommonJS.
const moduleFormats: Array<{ name: string; files: Record<string, string>; expected: string }> = [
  {
    name: 'an ES module via .mjs',
    files: { 'app.mjs': 'export const handler = async () => typeof require;' },
    expected: 'undefined',
  },
  {
    name: 'an ES module via .js under "type": "module"',
    files: {
      'package.json': '{"type": "module"}',
      'app.js': 'export const handler = async () => typeof require;',
    },
    expected: 'undefined',
  },
  {
    name: 'CommonJS via .js under a package.json without "type"',
    files: {
      'package.json': '{"name": "app"}',
      'app.js': 'exports.handler = async () => typeof require;',
    },
    expected: 'function',
  },
  {
    name: 'CommonJS via .cjs',
    files: { 'app.cjs': 'exports.handler = async () => typeof require;' },
    expected: 'function',
  },
  {
    name: '.js before .mjs before .cjs',
    files: {
      'app.js': 'exports.handler = async () => "js";',
      'app.mjs': 'export const handler = async () => "mjs";',
      'app.cjs': 'exports.handler = async () => "cjs";',
    },
    expected: 'js',
  },
];

for (const { name, files, expected } of moduleFormats) {
  test(`loads ${name}`, async (t) => {
    const post = await startAndInvoke(t, { files, handler: 'app.handler' });
    assert.deepEqual([post.kind, JSON.parse(post.body)], ['response', expected]);
  });
}

test('a handler in a subdirectory with a nested export path', async (t) => {
  const post = await startAndInvoke(t, {
    files: { 'src/lib/api.js': 'exports.routes = { get: { one: async () => "nested" } };' },
    handler: 'src/lib/api.routes.get.one',
  });
  assert.deepEqual([post.kind, JSON.parse(post.body)], ['response', 'nested']);
});

// The timer flips `late` after the callback: the result shows whether the post waited for it.
const LATE_CALLBACK = `
exports.handler = (event, context, callback) => {
  context.callbackWaitsForEmptyEventLoop = event.wait;
  const result = { late: false };
  setTimeout(() => { result.late = true; }, event.delay);
  callback(null, result);
};`;

test('a callback result waits for the empty event loop by default', async (t) => {
  const runtime = await startRuntime(t, {
    files: { 'index.js': LATE_CALLBACK },
    handler: 'index.handler',
  });
  const post = await invokeOnce(runtime, { wait: true, delay: 100 });
  assert.deepEqual(JSON.parse(post.body), { late: true });
});

test('callbackWaitsForEmptyEventLoop = false posts at once and serves the next invoke', async (t) => {
  const runtime = await startRuntime(t, {
    files: { 'index.js': LATE_CALLBACK },
    handler: 'index.handler',
  });
  const started = Date.now();
  const posts = await invokeAll(runtime, [
    { requestId: 'a', payload: '{"wait": false, "delay": 5000}' },
    { requestId: 'b', payload: '{"wait": false, "delay": 5000}' },
  ]);
  assert.deepEqual(
    posts.map((p) => [p.requestId, JSON.parse(p.body)]),
    [
      ['a', { late: false }],
      ['b', { late: false }],
    ],
  );
  assert.ok(Date.now() - started < 3000, 'posts must not wait for the pending timers');
});

test('first settle wins: context.succeed does not wait, a later callback is ignored', async (t) => {
  const started = Date.now();
  const post = await startAndInvoke(t, {
    files: {
      'index.js': `exports.handler = (event, context, callback) => {
        setTimeout(() => {}, 5000);
        context.succeed('first');
        callback(null, 'second');
        return Promise.resolve('third');
      };`,
    },
    handler: 'index.handler',
  });
  assert.deepEqual([post.kind, JSON.parse(post.body)], ['response', 'first']);
  assert.ok(Date.now() - started < 3000, 'context.succeed must not wait for the pending timer');
});

test('an event loop that runs dry before the handler settles ends the invocation', async (t) => {
  const runtime = await startRuntime(t, {
    files: { 'index.js': 'exports.handler = () => void setTimeout(() => {}, 20);' },
    handler: 'index.handler',
  });
  // A handler that neither returns a promise nor calls back gets a null response, as on AWS.
  const post = await invokeOnce(runtime, {});
  assert.deepEqual([post.kind, post.body], ['response', 'null']);

  const stuck = await startAndInvoke(t, {
    files: { 'index.js': 'exports.handler = async () => new Promise(() => {});' },
    handler: 'index.handler',
  });
  const body = assertErrorPost(
    stuck,
    'Runtime.NodeJsExit',
    'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly ' +
      'caused by a Promise that was never settled. For more information, see ' +
      'https://nodejs.org/docs/latest/api/process.html#exit-codes',
  );
  assert.match(body.trace[0]!, /^Runtime\.NodeJsExit: /);
});

test('the context carries the invocation and function data', async (t) => {
  const runtime = await startRuntime(t, {
    files: {
      'index.js': `exports.handler = async (event, context) => {
        const before = context.getRemainingTimeInMillis();
        await new Promise((resolve) => setTimeout(resolve, 30));
        const { getRemainingTimeInMillis, done, succeed, fail, ...data } = context;
        return {
          ...data,
          hasClientContext: context.clientContext !== undefined,
          hasIdentity: context.identity !== undefined,
          callables: [getRemainingTimeInMillis, done, succeed, fail].map((f) => typeof f),
          before,
          after: context.getRemainingTimeInMillis(),
          traceId: process.env._X_AMZN_TRACE_ID,
        };
      };`,
    },
    handler: 'index.handler',
  });
  const clientContext = { client: { installation_id: 'i-1' }, custom: { a: 1 }, env: {} };
  const identity = { cognitoIdentityId: 'us-east-1:abc', cognitoIdentityPoolId: 'us-east-1:pool' };
  const arn = 'arn:aws:lambda:us-east-1:123456789012:function:my-function:live';
  const traceId = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
  const deadlineMs = Date.now() + 30_000;
  const [full, bare] = await invokeAll(runtime, [
    {
      requestId: 'req-ctx',
      payload: '{}',
      deadlineMs,
      functionArn: arn,
      traceId,
      clientContext: JSON.stringify(clientContext),
      cognitoIdentity: JSON.stringify(identity),
    },
    { requestId: 'req-bare', payload: '{}' },
  ]);
  const context = JSON.parse(full!.body);
  const { before, after } = context;
  delete context.before;
  delete context.after;
  assert.deepEqual(context, {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'my-function',
    functionVersion: '$LATEST',
    memoryLimitInMB: '256',
    logGroupName: '/aws/lambda/my-function',
    logStreamName: '2024/01/01/[$LATEST]0123456789abcdef',
    clientContext,
    identity,
    invokedFunctionArn: arn,
    awsRequestId: 'req-ctx',
    hasClientContext: true,
    hasIdentity: true,
    callables: ['function', 'function', 'function', 'function'],
    traceId,
  });
  assert.ok(before <= 30_000 && before > 20_000, `remaining time ${before}`);
  assert.ok(after <= before - 25, `remaining time went from ${before} to ${after}`);

  const second = JSON.parse(bare!.body);
  assert.equal(second.awsRequestId, 'req-bare');
  assert.equal(second.hasClientContext, false);
  assert.equal(second.hasIdentity, false);
});

test('module state persists across invocations', async (t) => {
  const runtime = await startRuntime(t, {
    files: {
      'index.js': `let count = 0; const loadedAt = Date.now();
        exports.handler = async () => ({ count: ++count, loadedAt });`,
    },
    handler: 'index.handler',
  });
  const posts = await invokeAll(runtime, [
    { requestId: 'a', payload: '{}' },
    { requestId: 'b', payload: '{}' },
  ]);
  const [first, second] = posts.map((p) => JSON.parse(p.body));
  assert.deepEqual([first.count, second.count], [1, 2]);
  assert.equal(first.loadedAt, second.loadedAt);
});

test('a thrown Error is posted with its type, message and stack', async (t) => {
  const runtime = await startRuntime(t, {
    files: {
      'index.js': `class ValidationError extends Error { name = 'ValidationError'; }
        exports.handler = async (event, context, callback) => {
          if (event.kind === 'type') throw new TypeError('bad input');
          if (event.kind === 'custom') throw new ValidationError('no name');
          callback(new RangeError('too far'));
          return new Promise(() => {});
        };`,
    },
    handler: 'index.handler',
  });
  const [typeError, custom, callback] = await invokeAll(runtime, [
    { requestId: 'a', payload: '{"kind": "type"}' },
    { requestId: 'b', payload: '{"kind": "custom"}' },
    { requestId: 'c', payload: '{"kind": "callback"}' },
  ]);
  const body = assertErrorPost(typeError!, 'TypeError', 'bad input');
  assert.equal(body.trace[0], 'TypeError: bad input');
  assert.match(body.trace[1]!, /^ {4}at .*index\.js/);
  assertErrorPost(custom!, 'ValidationError', 'no name');
  assertErrorPost(callback!, 'RangeError', 'too far');

  await runtime.stop();
  const invokeError = runtime
    .stdout()
    .split('\n')
    .find((line) => line.includes('Invoke Error'));
  assert.match(
    invokeError ?? '',
    /\ta\tERROR\tInvoke Error \t\{"errorType":"TypeError","errorMessage":"bad input",.*"stack":\["TypeError: bad input",/,
  );
});

test('thrown non-Errors and unserialisable results are posted like AWS does', async (t) => {
  const runtime = await startRuntime(t, {
    files: {
      'index.js': `exports.handler = async (event) => {
        if (event === 'string') throw 'boom';
        if (event === 'number') throw 42;
        if (event === 'object') throw { code: 'E_FAIL' };
        if (event === 'circular') { const o = {}; o.self = o; throw o; }
        if (event === 'getter') {
          const e = new Error('x');
          Object.defineProperty(e, 'message', { get() { throw new Error('nope'); } });
          throw e;
        }
        if (event === 'undefined') throw undefined;
        if (event === 'bigint') return { n: 1n };
        return undefined;
      };`,
    },
    handler: 'index.handler',
  });
  const kinds = ['string', 'number', 'object', 'circular', 'getter', 'undefined', 'bigint', 'none'];
  const posts = await invokeAll(
    runtime,
    kinds.map((kind) => ({ requestId: kind, payload: JSON.stringify(kind) })),
  );
  const [string, number, object, circular, getter, undef, bigint, none] = posts;
  assert.deepEqual(assertErrorPost(string!, 'string', 'boom').trace, []);
  assert.deepEqual(assertErrorPost(number!, 'number', '42').trace, []);
  assertErrorPost(object!, 'object', '{"code":"E_FAIL"}');
  assertErrorPost(circular!, 'object', '[object Object]');
  assert.equal(JSON.parse(getter!.body).errorType, 'handled');
  assertErrorPost(undef!, 'string', 'handled');
  assert.match(
    assertErrorPost(bigint!, 'TypeError', 'Do not know how to serialize a BigInt').trace[0]!,
    /^TypeError/,
  );
  assert.deepEqual([none!.kind, none!.body], ['response', 'null']);
});

const initErrors: Array<{
  name: string;
  files: Record<string, string>;
  handler: string;
  errorType: string;
  errorMessage: string | RegExp;
}> = [
  {
    name: 'a missing module',
    files: {},
    handler: 'index.handler',
    errorType: 'Runtime.ImportModuleError',
    errorMessage: `Error: Cannot find module 'index'\nRequire stack:\n- ${BOOTSTRAP}`,
  },
  {
    name: 'a syntax error',
    files: { 'index.js': 'exports.handler = async () => {' },
    handler: 'index.handler',
    errorType: 'Runtime.UserCodeSyntaxError',
    errorMessage: /^SyntaxError: Unexpected end of input$/,
  },
  {
    name: 'a syntax error in an ES module',
    files: { 'index.mjs': 'export const handler = async () => { return 1 +; };' },
    handler: 'index.handler',
    errorType: 'Runtime.UserCodeSyntaxError',
    errorMessage: /^SyntaxError: /,
  },
  {
    name: 'a missing export',
    files: { 'index.js': 'exports.other = async () => {};' },
    handler: 'index.handler',
    errorType: 'Runtime.HandlerNotFound',
    errorMessage: 'index.handler is undefined or not exported',
  },
  {
    name: 'a malformed handler',
    files: { 'index.js': 'exports.handler = async () => {};' },
    handler: 'index',
    errorType: 'Runtime.MalformedHandlerName',
    errorMessage: 'Bad handler index',
  },
  {
    name: 'an exception at module top level',
    files: { 'index.js': 'throw new RangeError("config missing");' },
    handler: 'index.handler',
    errorType: 'RangeError',
    errorMessage: 'config missing',
  },
];

for (const expected of initErrors) {
  test(`init error: ${expected.name}`, async (t) => {
    const runtime = await startRuntime(t, { files: expected.files, handler: expected.handler });
    const [post] = await runtime.stub.waitForPosts(1);
    assert.equal(post!.kind, 'init-error');
    assert.equal(post!.headers[ERROR_TYPE_HEADER], expected.errorType);
    const body = JSON.parse(post!.body);
    assert.deepEqual(Object.keys(body), ['errorType', 'errorMessage', 'trace']);
    assert.equal(body.errorType, expected.errorType);
    if (typeof expected.errorMessage === 'string')
      assert.equal(body.errorMessage, expected.errorMessage);
    else assert.match(body.errorMessage, expected.errorMessage);
    assert.equal(await runtime.exited, 129);
  });
}

test('an unhandled rejection fails the invocation and ends the runtime with 128', async (t) => {
  const runtime = await startRuntime(t, {
    files: {
      'index.js': `exports.handler = async () => {
        Promise.reject(new Error('forgotten'));
        await new Promise((resolve) => setTimeout(resolve, 1000));
        return 'too late';
      };`,
    },
    handler: 'index.handler',
  });
  const post = await invokeOnce(runtime, {});
  const body = assertErrorPost(post, 'Runtime.UnhandledPromiseRejection', 'Error: forgotten');
  assert.equal(body.trace[0], 'Runtime.UnhandledPromiseRejection: Error: forgotten');
  assert.equal(await runtime.exited, 128);
  assert.equal(runtime.stub.posts.length, 1);
});

test('an uncaught exception fails the invocation and ends the runtime with 129', async (t) => {
  const runtime = await startRuntime(t, {
    files: {
      'index.js': `exports.handler = (event, context, callback) => {
        setTimeout(() => { throw new SyntaxError('late throw'); }, 10);
      };`,
    },
    handler: 'index.handler',
  });
  const post = await invokeOnce(runtime, {});
  assertErrorPost(post, 'SyntaxError', 'late throw');
  assert.equal(await runtime.exited, 129);
});

test('console output follows the AWS text format, one line per call', async (t) => {
  const runtime = await startRuntime(t, {
    files: {
      'index.js': `console.log('loading %s', 'module');
        exports.handler = async () => {
          console.log('log', { a: 1 });
          console.info('info');
          console.warn('warn');
          console.error('error', 7);
          console.debug('debug');
          console.trace('trace');
          console.log('two\\nlines');
          return 'ok';
        };`,
    },
    handler: 'index.handler',
  });
  await invokeOnce(runtime, {}, 'req-logs');
  await runtime.stop();
  const lines = runtime.stdout().split('\n').filter(Boolean);
  const parsed = lines.map((line) => {
    const match = LOG_LINE.exec(line);
    assert.ok(match, `not in the AWS format: ${JSON.stringify(line)}`);
    assert.ok(!Number.isNaN(Date.parse(match[1]!)));
    return [match[2], match[3], match[4]];
  });
  assert.deepEqual(parsed, [
    ['undefined', 'INFO', 'loading module'],
    ['req-logs', 'INFO', 'log { a: 1 }'],
    ['req-logs', 'INFO', 'info'],
    ['req-logs', 'WARN', 'warn'],
    ['req-logs', 'ERROR', 'error 7'],
    ['req-logs', 'DEBUG', 'debug'],
    ['req-logs', 'TRACE', 'trace'],
    ['req-logs', 'INFO', 'two\rlines'],
  ]);
});

test('AWS_LAMBDA_LOG_FORMAT=JSON writes one JSON object per call', async (t) => {
  const runtime = await startRuntime(t, {
    files: { 'index.js': `exports.handler = async () => { console.warn('careful', 1); };` },
    handler: 'index.handler',
    env: { AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: 'WARN' },
  });
  await invokeOnce(runtime, {}, 'req-json');
  await runtime.stop();
  const [line, ...rest] = runtime.stdout().split('\n').filter(Boolean);
  assert.deepEqual(rest, []);
  const entry = JSON.parse(line!);
  assert.deepEqual(
    { ...entry, timestamp: typeof entry.timestamp },
    { timestamp: 'string', level: 'WARN', requestId: 'req-json', message: 'careful 1' },
  );
});

// ---- response streaming (awslambda.streamifyResponse / HttpResponseStream) ----

const RESPONSE_MODE_HEADER = protocol.headers.responseMode;

/** A streaming handler module: `body` is the handler's body, with `event` and `stream` in scope. */
const streamingModule = (body: string) => ({
  'index.mjs': `export const handler = awslambda.streamifyResponse(async (event, stream, context) => {\n${body}\n});`,
});

function streamedError(post: RuntimePost) {
  const encoded = post.trailers[protocol.headers.errorBody] ?? '';
  return JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as {
    errorType: string;
    errorMessage: string;
    trace: string[];
  };
}

test('a streamifyResponse handler streams its response: chunked, in streaming mode', async (t) => {
  const runtime = await startRuntime(t, {
    files: streamingModule(`
      stream.write('a,');
      stream.write(Buffer.from('b,'));
      stream.write({ c: 1 });
      stream.end(String(context.awsRequestId));`),
    handler: 'index.handler',
  });
  const [first, second] = await invokeAll(runtime, [
    { requestId: 'req-s1', payload: '{}' },
    { requestId: 'req-s2', payload: '{}' },
  ]);
  assert.equal(first?.kind, 'response');
  assert.equal(first?.headers[RESPONSE_MODE_HEADER], 'streaming');
  assert.equal(first?.headers['transfer-encoding'], 'chunked');
  assert.equal(first?.headers['content-type'], 'application/octet-stream');
  assert.equal(first?.body, 'a,b,{"c":1}req-s1');
  assert.equal(first?.trailers[ERROR_TYPE_HEADER], undefined);
  // The runtime goes on to the next invocation once the stream is taken.
  assert.equal(second?.body, 'a,b,{"c":1}req-s2');
});

test('HttpResponseStream.from writes the prelude and 8 NUL bytes ahead of the body', async (t) => {
  const prelude = { statusCode: 201, headers: { 'x-a': 'b' }, cookies: ['c=1'] };
  const runtime = await startRuntime(t, {
    files: streamingModule(`
      const http = awslambda.HttpResponseStream.from(stream, ${JSON.stringify(prelude)});
      http.write('hello ');
      http.end('world');`),
    handler: 'index.handler',
  });
  const post = await invokeOnce(runtime, {});
  assert.equal(post.headers['content-type'], 'application/vnd.awslambda.http-integration-response');
  assert.equal(post.body, `${JSON.stringify(prelude)}${'\0'.repeat(8)}hello world`);
});

test('HttpResponseStream.from sends the prelude even when the body is empty', async (t) => {
  const post = await startAndInvoke(t, {
    files: streamingModule(`awslambda.HttpResponseStream.from(stream, { statusCode: 204 }).end();`),
    handler: 'index.handler',
  });
  assert.equal(post.body, `{"statusCode":204}${'\0'.repeat(8)}`);
});

test('a throw mid-stream ends the stream with the error in the trailers', async (t) => {
  const runtime = await startRuntime(t, {
    files: streamingModule(`
      stream.write('partial');
      await new Promise((r) => setTimeout(r, 20));
      throw new TypeError('broke mid-stream');`),
    handler: 'index.handler',
  });
  const post = await invokeOnce(runtime, {});
  assert.equal(post.kind, 'response');
  assert.equal(post.body, 'partial');
  assert.equal(post.trailers[ERROR_TYPE_HEADER], 'TypeError');
  const error = streamedError(post);
  assert.equal(error.errorType, 'TypeError');
  assert.equal(error.errorMessage, 'broke mid-stream');
  assert.ok(error.trace[0]?.startsWith('TypeError: broke mid-stream'));
  await runtime.stop();
  assert.match(runtime.stdout(), /\tERROR\tInvoke Error \t\{"errorType":"TypeError"/);
});

test('a streaming handler must be async, as on AWS', async (t) => {
  const post = await startAndInvoke(t, {
    files: {
      'index.js':
        'exports.handler = awslambda.streamifyResponse((event, stream) => { stream.write("x"); });',
    },
    handler: 'index.handler',
  });
  assert.equal(post.trailers[ERROR_TYPE_HEADER], 'Error');
  assert.equal(streamedError(post).errorMessage, 'Streaming does not support non-async handlers.');
});

test('stream.pipeline into the response stream works', async (t) => {
  const post = await startAndInvoke(t, {
    files: {
      'index.mjs': `import { pipeline } from 'node:stream/promises';
        import { Readable } from 'node:stream';
        export const handler = awslambda.streamifyResponse(async (event, stream) => {
          await pipeline(Readable.from(['x', 'y', 'z']), stream);
        });`,
    },
    handler: 'index.handler',
  });
  assert.equal(post.body, 'xyz');
  assert.equal(post.trailers[ERROR_TYPE_HEADER], undefined);
});

test('AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA=1 leaves no awslambda global', async (t) => {
  const post = await startAndInvoke(t, {
    files: { 'index.js': 'exports.handler = async () => typeof awslambda;' },
    handler: 'index.handler',
    env: { AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA: '1' },
  });
  assert.equal(post.body, '"undefined"');
  const withGlobal = await startAndInvoke(t, {
    files: {
      'index.js':
        'exports.handler = async () => [typeof awslambda.streamifyResponse, typeof awslambda.HttpResponseStream.from];',
    },
    handler: 'index.handler',
  });
  assert.equal(withGlobal.body, '["function","function"]');
});

// --- The bootstrap's own HTTP client (src/runtimes/nodejs/http-connection.mjs) ---------------------
// The stub above speaks through node:http, which always sends a Content-Length (as the real
// Runtime API does). These tests script the raw bytes of each response instead, to cover what the
// client must also get right: chunked bodies, bodies that end at the close, dropped connections.

const NEXT = protocol.paths.next;
const ECHO_HANDLER: RuntimeOptions = {
  files: {
    'index.js': `exports.handler = async (event, context) => {
      await new Promise((resolve) => setTimeout(resolve, (event.sleep ?? 0) * 1000));
      return { event, id: context.awsRequestId, hasDeadline: context.getRemainingTimeInMillis() > 0 };
    };`,
  },
  handler: 'index.handler',
};

/** The bootstrap against a scripted Runtime API; resolves its exit code once it has exited. */
async function startScripted(t: TestContext, respond: Responder) {
  const api = await startScriptedApi(respond);
  const taskRoot = await writeTaskRoot('asimov-nodejs-', ECHO_HANDLER.files);
  const env = {
    PATH: process.env.PATH ?? '',
    ...lambdaVariables(taskRoot, path.dirname(BOOTSTRAP), api.address, ECHO_HANDLER.handler),
  };
  const child = spawn(process.execPath, [BOOTSTRAP], { cwd: taskRoot, env, stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    await api.close();
    await rm(taskRoot, { recursive: true, force: true });
  });
  return { requests: api.requests, address: api.address, child, exited };
}

test('HTTP: chunked bodies, split anywhere, with extensions, trailers and any header case', async (t) => {
  const event = Buffer.from(JSON.stringify({ text: 'chunked ✓ across a boundary', n: [1, 2, 3] }));
  const split = event.indexOf('✓') + 1; // in the middle of the character's UTF-8 bytes
  let polls = 0;
  const { requests, address } = await startScripted(t, async (request, socket) => {
    if (request.path !== NEXT) {
      // The 202 is chunked too: it must be read to its end for the connection to be reused.
      socket.write('HTTP/1.1 202 Accepted\r\ntransfer-encoding: Chunked\r\n\r\n');
      socket.write('f\r\n{"status":"OK"}\r\n0\r\n\r\n');
      return;
    }
    if (++polls > 1) return; // the next poll just waits
    const head = rawResponse('200 OK', [
      ...invocationHeaders('req-chunked'),
      'Transfer-Encoding: chunked',
    ]);
    const chunk = (data: Buffer, extension = '') =>
      Buffer.concat([
        Buffer.from(`${data.length.toString(16)}${extension}\r\n`),
        data,
        Buffer.from('\r\n'),
      ]);
    const bytes = Buffer.concat([
      Buffer.from(head, 'latin1'),
      chunk(event.subarray(0, split), ';name="value"'),
      chunk(event.subarray(split)),
      Buffer.from('0\r\nX-Trailer: ignored\r\n\r\n'),
    ]);
    // A few bytes at a time, so lines, chunk sizes and chunks arrive in pieces.
    for (let i = 0; i < bytes.length; i += 7) {
      socket.write(bytes.subarray(i, i + 7));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  });

  const [poll, post, nextPoll] = await waitForRequests(requests, 3);
  assert.equal(poll?.headers.host, address);
  assert.equal(post?.path, protocol.paths.response.replace('{requestId}', 'req-chunked'));
  assert.deepEqual(JSON.parse(post?.body ?? ''), {
    event: JSON.parse(event.toString()),
    id: 'req-chunked',
    hasDeadline: true,
  });
  assert.equal(nextPoll?.path, NEXT);
  // Everything went over the one kept-alive connection.
  assert.deepEqual(
    requests.map((r) => r.connection),
    [1, 1, 1],
  );
});

test('HTTP: a body that ends at the close is read whole, then a new connection is opened', async (t) => {
  let polls = 0;
  const { requests } = await startScripted(t, (request, socket) => {
    if (request.path !== NEXT) return void socket.write(ACCEPTED);
    if (++polls > 1) return;
    socket.end(
      rawResponse('200 OK', [...invocationHeaders('req-close'), 'Connection: close'], '{"x": 1}'),
    );
  });
  const [, post, nextPoll] = await waitForRequests(requests, 3);
  assert.deepEqual(JSON.parse(post?.body ?? ''), {
    event: { x: 1 },
    id: 'req-close',
    hasDeadline: true,
  });
  assert.equal(post?.connection, 2);
  assert.equal(nextPoll?.connection, 2);
});

test('HTTP: a kept-alive connection dropped while idle is not used again', async (t) => {
  let polls = 0;
  const { requests, child } = await startScripted(t, (request, socket) => {
    if (request.path !== NEXT) return void socket.write(ACCEPTED);
    if (++polls > 1) return;
    const body = '{"sleep": 0.3}';
    socket.write(
      rawResponse(
        '200 OK',
        [...invocationHeaders('req-idle'), `Content-Length: ${body.length}`],
        body,
      ),
    );
    // An idle timeout on the server's side, while the handler is still running.
    setTimeout(() => socket.destroy(), 50);
  });
  const [poll, post, nextPoll] = await waitForRequests(requests, 3);
  assert.equal(poll?.connection, 1);
  assert.equal(post?.path, protocol.paths.response.replace('{requestId}', 'req-idle'));
  assert.equal(post?.connection, 2);
  assert.equal(JSON.parse(post?.body ?? '').id, 'req-idle');
  assert.equal(nextPoll?.connection, 2);
  assert.equal(child.exitCode, null);
});

test('HTTP: a request is sent again only once', async (t) => {
  const { requests, exited } = await startScripted(t, (request, socket) => {
    if (request.path !== NEXT) return void socket.destroy(); // every post is dropped unanswered
    const body = '{}';
    socket.write(
      rawResponse(
        '200 OK',
        [...invocationHeaders('req-drop'), `Content-Length: ${body.length}`],
        body,
      ),
    );
  });
  assert.equal(await exited, 1);
  assert.deepEqual(
    requests.map((r) => [r.method, r.connection]),
    [
      ['GET', 1],
      ['POST', 1],
      ['POST', 2],
    ],
  );
});
