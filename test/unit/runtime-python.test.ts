/**
 * Unit tests for the Python bootstrap we ship (src/runtimes/python/bootstrap.py): each test writes
 * handler code into a temp task root, starts the bootstrap against a Runtime API stub and checks
 * what it posts back and prints, against AWS's Python runtime.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
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
  writeTaskRoot,
} from '../helpers/runtime-api-stub.js';
import {
  ACCEPTED,
  invocationHeaders,
  rawResponse,
  startScriptedApi as startScripted,
  waitForRequests,
  type RawRequest,
  type Responder,
} from '../helpers/scripted-runtime-api.js';

const BOOTSTRAP = fileURLToPath(new URL('../../src/runtimes/python/bootstrap.py', import.meta.url));
// Resolved once: a version manager's shim (pyenv) can cost more per start than the runtime itself.
// ASIMOV_TEST_PYTHON runs the suite on another interpreter (the bootstrap supports 3.8+).
const [PYTHON = '', PYTHON_VERSION = ''] = execFileSync(
  process.env.ASIMOV_TEST_PYTHON ?? 'python3.11',
  ['-c', 'import sys; print(sys.executable); print("%d.%d" % sys.version_info[:2])'],
  { encoding: 'utf8' },
).split('\n');
const ERROR_TYPE_HEADER = protocol.headers.functionErrorType;
const NBSP = '\u00a0';
const LOG_LINE = /^\[(\w+)\]\t(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\t([^\t]*)\t(.*)$/;

interface Runtime {
  stub: RuntimeApiStub;
  child: ChildProcess;
  taskRoot: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

interface RuntimeOptions {
  files: Record<string, string>;
  handler: string;
  env?: Record<string, string>;
}

/** Starts the bootstrap on a fresh task root; everything is torn down after the test. */
async function startRuntime(t: TestContext, options: RuntimeOptions): Promise<Runtime> {
  const stub = new RuntimeApiStub();
  const address = await stub.start();
  return { stub, ...(await spawnBootstrap(t, address, options, () => stub.stop())) };
}

/**
 * Runs the bootstrap against the Runtime API at `address` until the test ends, then kills it and
 * only then calls `stopApi` (a Runtime API that went away first would crash a live bootstrap).
 */
async function spawnBootstrap(
  t: TestContext,
  address: string,
  options: RuntimeOptions,
  stopApi: () => Promise<void>,
): Promise<Omit<Runtime, 'stub'>> {
  const taskRoot = await writeTaskRoot('asimov-python-', options.files);
  const env: NodeJS.ProcessEnv = { ...process.env };
  // The developer's own settings must not leak into the function's environment.
  for (const key of Object.keys(env)) {
    if (key.startsWith('AWS_') || key.startsWith('PYTHON') || key === '_X_AMZN_TRACE_ID') {
      delete env[key];
    }
  }
  Object.assign(env, {
    ...lambdaVariables(taskRoot, path.dirname(BOOTSTRAP), address, options.handler),
    ...options.env,
  });

  const child = spawn(PYTHON, ['-u', BOOTSTRAP], { cwd: taskRoot, env });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // 'close' rather than 'exit': it also waits for stdout to be fully read.
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));

  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    await stopApi();
    await rm(taskRoot, { recursive: true, force: true });
    // The bootstrap writes nothing to stderr unless something went wrong: worth showing.
    if (stderr) t.diagnostic(`bootstrap stderr:\n${stderr}`);
  });
  return { child, taskRoot, stdout: () => stdout, stderr: () => stderr, exited };
}

/** The post's body as JSON. */
function json(post: RuntimePost | undefined): unknown {
  assert.ok(post, 'expected a post');
  return JSON.parse(post.body);
}

/** Stdout is a separate pipe from the posts, so it may trail them slightly. */
async function waitForStdout(runtime: Runtime, text: string): Promise<string> {
  const deadline = Date.now() + 5_000;
  while (!runtime.stdout().includes(text)) {
    if (Date.now() > deadline) assert.fail(`stdout never showed ${text}:\n${runtime.stdout()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return runtime.stdout();
}

test('echo handler: the event goes in, the result is posted as JSON', async (t) => {
  const runtime = await startRuntime(t, {
    files: { 'lambda_function.py': 'def handler(event, context):\n    return event\n' },
    handler: 'lambda_function.handler',
  });
  const event = { hello: 'wörld', list: [1, 2.5, true, null], nested: { a: {} } };
  runtime.stub.enqueue({ requestId: 'req-echo', payload: JSON.stringify(event) });
  runtime.stub.enqueue({ requestId: 'req-null', payload: 'null' });

  const [echo, nothing] = await runtime.stub.waitForPosts(2);
  assert.equal(echo?.kind, 'response');
  assert.equal(echo?.requestId, 'req-echo');
  assert.deepEqual(json(echo), event);
  // AWS's encoder escapes non-ASCII and uses json's default separators.
  assert.match(echo?.body ?? '', /^\{"hello": "w\\u00f6rld", "list": \[1, 2\.5, true, null\]/);
  assert.equal(nothing?.body, 'null');
});

test('a handler in a package, named with slashes, is imported as a dotted module', async (t) => {
  const runtime = await startRuntime(t, {
    files: {
      'pkg/__init__.py': '',
      'pkg/mod.py': 'def handler(event, context):\n    return {"module": __name__}\n',
    },
    handler: 'pkg/mod.handler',
  });
  runtime.stub.enqueue({ requestId: 'req-1', payload: '{}' });
  const [post] = await runtime.stub.waitForPosts(1);
  assert.deepEqual(json(post), { module: 'pkg.mod' });
});

test('the context carries every field AWS gives, from the headers and environment', async (t) => {
  const runtime = await startRuntime(t, {
    files: {
      'lambda_function.py': [
        'import os',
        '',
        'def handler(event, context):',
        '    cc = context.client_context',
        '    return {',
        '        "aws_request_id": context.aws_request_id,',
        '        "function_name": context.function_name,',
        '        "function_version": context.function_version,',
        '        "invoked_function_arn": context.invoked_function_arn,',
        '        "memory_limit_in_mb": context.memory_limit_in_mb,',
        '        "log_group_name": context.log_group_name,',
        '        "log_stream_name": context.log_stream_name,',
        '        "remaining": context.get_remaining_time_in_millis(),',
        '        "client": None if cc is None else {',
        '            "installation_id": cc.client.installation_id,',
        '            "app_title": cc.client.app_title,',
        '            "app_package_name": cc.client.app_package_name,',
        '            "custom": cc.custom,',
        '            "env": cc.env,',
        '        },',
        '        "identity_id": context.identity.cognito_identity_id,',
        '        "identity_pool_id": context.identity.cognito_identity_pool_id,',
        '        "trace_id": os.environ.get("_X_AMZN_TRACE_ID"),',
        '    }',
        '',
      ].join('\n'),
    },
    handler: 'lambda_function.handler',
  });
  const arn = 'arn:aws:lambda:us-east-1:123456789012:function:my-function:live';
  const traceId = 'Root=1-65a1b2c3-0123456789abcdef01234567;Parent=1a2b3c4d5e6f7a8b;Sampled=1';
  runtime.stub.enqueue({
    requestId: 'req-ctx',
    payload: '{}',
    deadlineMs: Date.now() + 5_000,
    functionArn: arn,
    traceId,
    clientContext: JSON.stringify({
      client: { installation_id: 'install-1', app_title: 'My App' },
      custom: { tenant: 'acme' },
      env: { platform: 'Android' },
    }),
    cognitoIdentity: JSON.stringify({
      cognitoIdentityId: 'us-east-1:identity',
      cognitoIdentityPoolId: 'us-east-1:pool',
    }),
  });
  runtime.stub.enqueue({ requestId: 'req-bare', payload: '{}', deadlineMs: Date.now() - 1_000 });

  const [full, bare] = await runtime.stub.waitForPosts(2);
  const { remaining, ...rest } = json(full) as { remaining: number };
  assert.ok(remaining > 3_000 && remaining <= 5_000, `remaining time ${remaining}`);
  assert.deepEqual(rest, {
    aws_request_id: 'req-ctx',
    function_name: 'my-function',
    function_version: '$LATEST',
    invoked_function_arn: arn,
    memory_limit_in_mb: '256',
    log_group_name: '/aws/lambda/my-function',
    log_stream_name: '2024/01/01/[$LATEST]0123456789abcdef',
    client: {
      installation_id: 'install-1',
      app_title: 'My App',
      app_package_name: null,
      custom: { tenant: 'acme' },
      env: { platform: 'Android' },
    },
    identity_id: 'us-east-1:identity',
    identity_pool_id: 'us-east-1:pool',
    trace_id: traceId,
  });
  // Without the optional headers: no client context, but still an identity (with None fields).
  assert.deepEqual(json(bare), {
    ...rest,
    aws_request_id: 'req-bare',
    invoked_function_arn: 'arn:aws:lambda:us-east-1:000000000000:function:stubbed',
    remaining: 0,
    client: null,
    identity_id: null,
    identity_pool_id: null,
    trace_id: 'Root=1-00000000-000000000000000000000000;Parent=0;Sampled=0',
  });
});

test('module state persists across invocations, with AWS sys.path order', async (t) => {
  const runtime = await startRuntime(t, {
    files: {
      'counter.py': [
        'import os, sys',
        'count = 0',
        '',
        'def handler(event, context):',
        '    global count',
        '    count += 1',
        '    return {"count": count, "pid": os.getpid(), "path": sys.path[:3]}',
        '',
      ].join('\n'),
    },
    handler: 'counter.handler',
  });
  runtime.stub.enqueue({ requestId: 'req-1', payload: '{}' });
  runtime.stub.enqueue({ requestId: 'req-2', payload: '{}' });
  const [first, second] = (await runtime.stub.waitForPosts(2)).map(json) as Array<{
    count: number;
    pid: number;
    path: string[];
  }>;
  assert.equal(first?.count, 1);
  assert.equal(second?.count, 2);
  assert.equal(first?.pid, second?.pid);
  assert.deepEqual(first?.path, [
    runtime.taskRoot,
    `/opt/python/lib/python${PYTHON_VERSION}/site-packages`,
    '/opt/python',
  ]);
});

test('a raised exception is posted and logged as AWS does, and the runtime carries on', async (t) => {
  const runtime = await startRuntime(t, {
    files: {
      'lambda_function.py': [
        'def fail(reason):',
        '    raise ValueError(reason)',
        '',
        'def handler(event, context):',
        '    if event.get("fail"):',
        '        fail("boom")',
        '    return "fine"',
        '',
      ].join('\n'),
    },
    handler: 'lambda_function.handler',
  });
  runtime.stub.enqueue({ requestId: 'req-fail', payload: '{"fail": true}' });
  runtime.stub.enqueue({ requestId: 'req-ok', payload: '{}' });

  const [failed, ok] = await runtime.stub.waitForPosts(2);
  const file = path.join(runtime.taskRoot, 'lambda_function.py');
  assert.equal(failed?.kind, 'error');
  assert.equal(failed?.requestId, 'req-fail');
  assert.equal(failed?.headers[ERROR_TYPE_HEADER], 'ValueError');
  assert.deepEqual(json(failed), {
    errorMessage: 'boom',
    errorType: 'ValueError',
    requestId: 'req-fail',
    stackTrace: [
      `  File "${file}", line 6, in handler\n    fail("boom")\n`,
      `  File "${file}", line 2, in fail\n    raise ValueError(reason)\n`,
    ],
  });
  assert.equal(ok?.kind, 'response');
  assert.equal(ok?.body, '"fine"');

  const stdout = await waitForStdout(runtime, 'raise ValueError');
  const indent = (n: number) => NBSP.repeat(n);
  assert.ok(
    stdout.includes(
      [
        '[ERROR] ValueError: boom',
        'Traceback (most recent call last):',
        `${indent(2)}File "${file}", line 6, in handler`,
        `${indent(4)}fail("boom")`,
        `${indent(2)}File "${file}", line 2, in fail`,
        `${indent(4)}raise ValueError(reason)`,
        '',
      ].join('\n'),
    ),
    stdout,
  );
});

interface InitErrorCase {
  name: string;
  files: Record<string, string>;
  handler: string;
  errorType: string;
  message: string | RegExp;
}

const INIT_ERRORS: InitErrorCase[] = [
  {
    name: 'a handler name without a dot',
    files: {},
    handler: 'x',
    errorType: 'Runtime.MalformedHandlerName',
    message: "Bad handler 'x': not enough values to unpack (expected 2, got 1)",
  },
  {
    name: 'a missing module',
    files: {},
    handler: 'nope.handler',
    errorType: 'Runtime.ImportModuleError',
    message: "Unable to import module 'nope': No module named 'nope'",
  },
  {
    name: 'a failing import inside the module',
    files: { 'lambda_function.py': 'import not_a_real_dependency\n' },
    handler: 'lambda_function.handler',
    errorType: 'Runtime.ImportModuleError',
    message: "Unable to import module 'lambda_function': No module named 'not_a_real_dependency'",
  },
  {
    name: 'a syntax error',
    files: { 'lambda_function.py': 'def handler(event, context)\n    return 1\n' },
    handler: 'lambda_function.handler',
    errorType: 'Runtime.UserCodeSyntaxError',
    message: /^Syntax error in module 'lambda_function': .+ \(lambda_function\.py, line 1\)$/,
  },
  {
    name: 'a missing handler function',
    files: { 'lambda_function.py': 'def other(event, context):\n    pass\n' },
    handler: 'lambda_function.handler',
    errorType: 'Runtime.HandlerNotFound',
    message: "Handler 'handler' missing on module 'lambda_function'",
  },
];

for (const c of INIT_ERRORS) {
  test(`init error: ${c.name} → ${c.errorType}`, async (t) => {
    const runtime = await startRuntime(t, { files: c.files, handler: c.handler });
    const [post] = await runtime.stub.waitForPosts(1);
    assert.equal(post?.kind, 'init-error');
    assert.equal(post?.headers[ERROR_TYPE_HEADER], c.errorType);
    const body = json(post) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body), ['errorMessage', 'errorType', 'requestId', 'stackTrace']);
    assert.equal(body.errorType, c.errorType);
    assert.equal(body.requestId, '');
    if (typeof c.message === 'string') assert.equal(body.errorMessage, c.message);
    else assert.match(String(body.errorMessage), c.message);
    if (c.errorType === 'Runtime.UserCodeSyntaxError') {
      const file = path.join(runtime.taskRoot, 'lambda_function.py');
      assert.deepEqual(body.stackTrace, [
        `  File "${file}" Line 1\n    def handler(event, context)\n`,
      ]);
    } else {
      assert.deepEqual(body.stackTrace, []);
    }
    assert.equal(await runtime.exited, 1);
    const stdout = runtime.stdout();
    assert.match(stdout, /^\[WARNING\]\t\S+\t\tLAMBDA_WARNING: Unhandled exception\. /m);
    assert.ok(stdout.includes(`[ERROR] ${c.errorType}: ${String(body.errorMessage)}\n`), stdout);
  });
}

test('init error: any other exception at import is reported as itself, as AWS does', async (t) => {
  const runtime = await startRuntime(t, {
    files: { 'lambda_function.py': 'raise RuntimeError("bad config")\n' },
    handler: 'lambda_function.handler',
  });
  const [post] = await runtime.stub.waitForPosts(1);
  assert.equal(post?.kind, 'init-error');
  assert.equal(post?.headers[ERROR_TYPE_HEADER], 'RuntimeError');
  const body = json(post) as { errorMessage: string; errorType: string; stackTrace: string[] };
  assert.equal(body.errorMessage, 'bad config');
  assert.equal(body.errorType, 'RuntimeError');
  // The trace runs from importlib down to the module, without the runtime's own frames.
  assert.ok(body.stackTrace.every((entry) => !entry.includes('bootstrap.py')));
  assert.equal(
    body.stackTrace.at(-1),
    `  File "${path.join(runtime.taskRoot, 'lambda_function.py')}", line 1, in <module>\n` +
      '    raise RuntimeError("bad config")\n',
  );
  assert.equal(await runtime.exited, 1);
});

test('results that are not JSON: MarshalError, Decimal numbers, UnmarshalError', async (t) => {
  const runtime = await startRuntime(t, {
    files: {
      'lambda_function.py': [
        'from decimal import Decimal',
        '',
        'def handler(event, context):',
        '    if event == "set":',
        '        return {1, 2}',
        '    return {"price": Decimal("10.50"), "nan": Decimal("NaN")}',
        '',
      ].join('\n'),
    },
    handler: 'lambda_function.handler',
  });
  runtime.stub.enqueue({ requestId: 'req-set', payload: '"set"' });
  runtime.stub.enqueue({ requestId: 'req-decimal', payload: '{}' });
  runtime.stub.enqueue({ requestId: 'req-garbage', payload: 'not json' });

  const [marshal, decimal, unmarshal] = await runtime.stub.waitForPosts(3);
  assert.equal(marshal?.kind, 'error');
  assert.equal(marshal?.headers[ERROR_TYPE_HEADER], 'Runtime.MarshalError');
  assert.deepEqual(json(marshal), {
    errorMessage: 'Unable to marshal response: Object of type set is not JSON serializable',
    errorType: 'Runtime.MarshalError',
    requestId: 'req-set',
    stackTrace: [],
  });
  assert.equal(decimal?.body, '{"price": 10.50, "nan": NaN}');
  assert.equal(unmarshal?.headers[ERROR_TYPE_HEADER], 'Runtime.UnmarshalError');
  assert.deepEqual(json(unmarshal), {
    errorMessage: 'Unable to unmarshal input: Expecting value: line 1 column 1 (char 0)',
    errorType: 'Runtime.UnmarshalError',
    requestId: 'req-garbage',
    stackTrace: [],
  });
});

const LOGGING_FUNCTION = [
  'import logging',
  '',
  'logging.warning("at import")',
  '',
  'def handler(event, context):',
  '    print("printed", 42)',
  '    logging.getLogger("app").warning("warned %s", event["n"])',
  '    logging.info("informed")',
  '    logging.error("line one\\nline two")',
  '    return None',
  '',
].join('\n');

test('print goes straight to stdout; logging uses the AWS format at WARNING', async (t) => {
  const runtime = await startRuntime(t, {
    files: { 'lambda_function.py': LOGGING_FUNCTION },
    handler: 'lambda_function.handler',
  });
  runtime.stub.enqueue({ requestId: 'req-log', payload: '{"n": 7}' });
  const [post] = await runtime.stub.waitForPosts(1);
  assert.equal(post?.body, 'null');

  const stdout = await waitForStdout(runtime, 'line two');
  const lines = stdout.split('\n');
  assert.ok(lines.includes('printed 42'), stdout);
  const records = lines.map((line) => LOG_LINE.exec(line)).filter((m) => m !== null);
  assert.deepEqual(
    records.map(([, level, , requestId, message]) => [level, requestId, message]),
    [
      ['WARNING', '', 'at import'],
      ['WARNING', 'req-log', 'warned 7'],
      ['ERROR', 'req-log', 'line one'],
    ],
  );
  assert.ok(stdout.includes('\tline one\nline two\n'), stdout);
  assert.ok(!stdout.includes('informed'), 'INFO is below the default level');
  // Timestamps are UTC.
  const stamp = Date.parse(records[0]?.[2] ?? '');
  assert.ok(Math.abs(Date.now() - stamp) < 60_000, `timestamp ${records[0]?.[2]}`);
});

test('AWS_LAMBDA_LOG_LEVEL lowers the root logger level', async (t) => {
  const runtime = await startRuntime(t, {
    files: { 'lambda_function.py': LOGGING_FUNCTION },
    handler: 'lambda_function.handler',
    env: { AWS_LAMBDA_LOG_LEVEL: 'INFO' },
  });
  runtime.stub.enqueue({ requestId: 'req-info', payload: '{"n": 1}' });
  await runtime.stub.waitForPosts(1);
  const stdout = await waitForStdout(runtime, 'line two');
  assert.match(stdout, /^\[INFO\]\t\S+\treq-info\tinformed$/m);
});

test('sys.exit in the handler ends the process without a post', async (t) => {
  const runtime = await startRuntime(t, {
    files: {
      'lambda_function.py': 'import sys\n\ndef handler(event, context):\n    sys.exit(3)\n',
    },
    handler: 'lambda_function.handler',
  });
  runtime.stub.enqueue({ requestId: 'req-exit', payload: '{}' });
  assert.equal(await runtime.exited, 3);
  assert.equal(runtime.stub.posts.length, 0);
});

// --- The bootstrap's own HTTP client -----------------------------------------------------------
// The stub above speaks through node:http, which always sends a Content-Length (as the real
// Runtime API does). These tests script the raw bytes of each response instead, to cover what the
// client must also get right: chunked bodies, bodies that end at the close, dropped connections.

/** A scripted Runtime API (test/helpers/scripted-runtime-api.ts) with the bootstrap started against it. */
async function startScriptedApi(
  t: TestContext,
  options: RuntimeOptions,
  respond: Responder,
): Promise<{ requests: RawRequest[]; address: string; runtime: Omit<Runtime, 'stub'> }> {
  const api = await startScripted(respond);
  const runtime = await spawnBootstrap(t, api.address, options, api.close);
  return { requests: api.requests, address: api.address, runtime };
}

const NEXT = protocol.paths.next;
const ECHO_HANDLER: RuntimeOptions = {
  files: {
    'lambda_function.py': [
      'import time',
      '',
      'def handler(event, context):',
      '    time.sleep(event.get("sleep", 0))',
      '    return {"event": event, "id": context.aws_request_id,',
      '            "has_deadline": context.get_remaining_time_in_millis() > 0}',
      '',
    ].join('\n'),
  },
  handler: 'lambda_function.handler',
};

test('HTTP: chunked bodies, split anywhere, with extensions, trailers and any header case', async (t) => {
  const event = Buffer.from(JSON.stringify({ text: 'chunked ✓ across a boundary', n: [1, 2, 3] }));
  const split = event.indexOf('✓') + 1; // in the middle of the character's UTF-8 bytes
  let polls = 0;
  const { requests, address } = await startScriptedApi(t, ECHO_HANDLER, async (request, socket) => {
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
    has_deadline: true,
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
  const { requests } = await startScriptedApi(t, ECHO_HANDLER, (request, socket) => {
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
    has_deadline: true,
  });
  assert.equal(post?.connection, 2);
  assert.equal(nextPoll?.connection, 2);
});

test('HTTP: a kept-alive connection dropped while idle is reopened and the request sent again', async (t) => {
  let polls = 0;
  const { requests, runtime } = await startScriptedApi(t, ECHO_HANDLER, (request, socket) => {
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
  assert.equal(runtime.child.exitCode, null);
});

test('HTTP: a request is sent again only once', async (t) => {
  const { requests, runtime } = await startScriptedApi(t, ECHO_HANDLER, (request, socket) => {
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
  assert.equal(await runtime.exited, 1);
  assert.match(runtime.stderr(), /ConnectionResetError/);
  assert.deepEqual(
    requests.map((r) => [r.method, r.connection]),
    [
      ['GET', 1],
      ['POST', 1],
      ['POST', 2],
    ],
  );
});
