import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  InvokeCommand,
  type LambdaClient,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { deploy, invoke, WAIT } from '../helpers/functions.js';
import { newMarker, processesWithMarker, waitUntilGone } from '../helpers/processes.js';
import { executorsUnderTest, type ExecutorUnderTest } from '../helpers/executors.js';
import { lambdaClient, startTestServer } from '../helpers/server.js';

/** A module-level id: the same for every invoke served by one runtime, new after a cold start. */
const ENV_ID = 'const ENV_ID = require("crypto").randomUUID();\n';

const ECHO_CJS = 'exports.handler = async (event) => ({ echo: event });';

// The same suite under each executor (the docker executor's skips, saying why, with no engine).
for (const executor of executorsUnderTest()) {
  describe(
    `Invoke of Node.js functions through @aws-sdk/client-lambda${executor.suffix}`,
    { skip: executor.skip },
    () => nodejsSuite(executor),
  );
}

function nodejsSuite(executor: ExecutorUnderTest): void {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let client: LambdaClient;
  before(async () => {
    server = await startTestServer({ inMemory: true, ...executor.config });
    client = lambdaClient(server.url, { account: '123456789012', region: 'eu-central-1' });
  });
  after(() => server.close());

  it('echoes the payload from a CommonJS async handler', async () => {
    await deploy(client, 'cjs', { 'index.js': ECHO_CJS });
    const out = await invoke(client, 'cjs', { hello: 'world', n: [1, 2] });
    assert.equal(out.status, 200);
    assert.equal(out.functionError, undefined);
    assert.equal(out.executedVersion, '$LATEST');
    assert.deepEqual(out.json, { echo: { hello: 'world', n: [1, 2] } });
  });

  it('runs ES modules (.mjs, and .js with "type": "module") and nested handlers', async () => {
    await deploy(
      client,
      'esm-mjs',
      { 'app.mjs': 'export const handler = async (e) => ({ esm: e.x });' },
      { Handler: 'app.handler' },
    );
    assert.deepEqual((await invoke(client, 'esm-mjs', { x: 1 })).json, { esm: 1 });
    await deploy(
      client,
      'esm-js',
      {
        'package.json': '{"type": "module"}',
        'src/handlers/main.js': 'export async function run(e) { return { nested: e.x }; }',
      },
      { Handler: 'src/handlers/main.run' },
    );
    assert.deepEqual((await invoke(client, 'esm-js', { x: 2 })).json, { nested: 2 });
  });

  it('runs callback handlers', async () => {
    await deploy(client, 'callback', {
      'index.js':
        'exports.handler = (event, context, callback) => { setTimeout(() => callback(null, { cb: event.v }), 5); };',
    });
    assert.deepEqual((await invoke(client, 'callback', { v: 'ok' })).json, { cb: 'ok' });
  });

  it('gives the handler the environment and context of real Lambda', async () => {
    await deploy(
      client,
      'context',
      {
        'index.js': `exports.handler = async (event, context) => ({
          env: process.env,
          cwd: process.cwd(),
          ctx: {
            awsRequestId: context.awsRequestId,
            functionName: context.functionName,
            functionVersion: context.functionVersion,
            invokedFunctionArn: context.invokedFunctionArn,
            memoryLimitInMB: context.memoryLimitInMB,
            logGroupName: context.logGroupName,
            logStreamName: context.logStreamName,
            remaining: context.getRemainingTimeInMillis(),
            callbackWaitsForEmptyEventLoop: context.callbackWaitsForEmptyEventLoop,
            clientContext: context.clientContext,
          },
        });`,
      },
      { MemorySize: 256, Timeout: 7, Environment: { Variables: { MY_SETTING: 'on' } } },
    );
    const clientContext = Buffer.from(
      JSON.stringify({ custom: { who: 'test' }, env: { locale: 'en' } }),
    ).toString('base64');
    const out = await invoke(client, 'context', {}, { ClientContext: clientContext });
    const { env, ctx, cwd } = out.json as {
      env: Record<string, string>;
      ctx: Record<string, unknown>;
      cwd: string;
    };
    assert.equal(env.MY_SETTING, 'on');
    assert.equal(env.AWS_LAMBDA_FUNCTION_NAME, 'context');
    assert.equal(env.AWS_LAMBDA_FUNCTION_VERSION, '$LATEST');
    assert.equal(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, '256');
    assert.equal(env.AWS_LAMBDA_LOG_GROUP_NAME, '/aws/lambda/context');
    assert.match(
      env.AWS_LAMBDA_LOG_STREAM_NAME as string,
      /^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/,
    );
    assert.equal(env.AWS_REGION, 'eu-central-1');
    assert.equal(env.AWS_DEFAULT_REGION, 'eu-central-1');
    assert.equal(env.AWS_EXECUTION_ENV, 'AWS_Lambda_nodejs20.x');
    assert.equal(env._HANDLER, 'index.handler');
    assert.equal(env.LAMBDA_TASK_ROOT, cwd);
    assert.equal(env.LAMBDA_RUNTIME_DIR, '/var/runtime');
    assert.match(env.AWS_LAMBDA_RUNTIME_API as string, /^127\.0\.0\.1:\d+$/);
    assert.equal(env.TZ, ':UTC');
    assert.equal(env.LANG, 'en_US.UTF-8');
    assert.match(
      env.PATH as string,
      /^\/var\/lang\/bin:\/usr\/local\/bin:\/usr\/bin\/:\/bin:\/opt\/bin/,
    );
    assert.match(env.LD_LIBRARY_PATH as string, /^\/var\/lang\/lib:/);
    assert.equal(env.AWS_ACCESS_KEY_ID, '123456789012');
    assert.ok(env.AWS_SECRET_ACCESS_KEY && env.AWS_SESSION_TOKEN);
    assert.equal(env.AWS_ENDPOINT_URL, server.url);
    assert.match(
      env._X_AMZN_TRACE_ID as string,
      /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/,
    );
    assert.match(ctx.awsRequestId as string, /^[0-9a-f-]{36}$/);
    assert.equal(ctx.functionName, 'context');
    assert.equal(ctx.functionVersion, '$LATEST');
    assert.equal(
      ctx.invokedFunctionArn,
      'arn:aws:lambda:eu-central-1:123456789012:function:context',
    );
    assert.equal(ctx.memoryLimitInMB, '256');
    assert.equal(ctx.logGroupName, '/aws/lambda/context');
    assert.equal(ctx.logStreamName, env.AWS_LAMBDA_LOG_STREAM_NAME);
    assert.ok((ctx.remaining as number) > 5000 && (ctx.remaining as number) <= 7000);
    assert.equal(ctx.callbackWaitsForEmptyEventLoop, true);
    assert.deepEqual(ctx.clientContext, { custom: { who: 'test' }, env: { locale: 'en' } });
  });

  it('returns Tail logs with START, the function output, END and REPORT', async () => {
    await deploy(client, 'logger', {
      'index.js':
        'exports.handler = async () => { console.log("hello from", "logger"); console.error("oops"); return 1; };',
    });
    const cold = await invoke(client, 'logger');
    const lines = cold.log.trimEnd().split('\n');
    assert.match(lines[0] as string, /^START RequestId: [0-9a-f-]{36} Version: \$LATEST$/);
    assert.match(
      cold.log,
      /\n\d{4}-\d{2}-\d{2}T[\d:.]+Z\t[0-9a-f-]{36}\tINFO\thello from logger\n/,
    );
    assert.match(cold.log, /\tERROR\toops\n/);
    assert.match(cold.log, /END RequestId: [0-9a-f-]{36}\n/);
    assert.match(
      lines[lines.length - 1] as string,
      /^REPORT RequestId: [0-9a-f-]{36}\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: [\d.]+ ms$/,
    );
    const warm = await invoke(client, 'logger');
    assert.doesNotMatch(warm.log, /Init Duration/, 'a warm invoke has no init');
  });

  it('returns unhandled errors as AWS serializes them', async () => {
    await deploy(client, 'thrower', {
      'index.js':
        'class BadThing extends Error { constructor(m) { super(m); this.name = "BadThing"; } }\nexports.handler = async () => { throw new BadThing("it broke"); };',
    });
    const out = await invoke(client, 'thrower');
    assert.equal(out.status, 200);
    assert.equal(out.functionError, 'Unhandled');
    const body = out.json as { errorType: string; errorMessage: string; trace: string[] };
    assert.equal(body.errorType, 'BadThing');
    assert.equal(body.errorMessage, 'it broke');
    assert.ok(Array.isArray(body.trace) && body.trace[0]?.startsWith('BadThing: it broke'));
    assert.match(out.log, /\tERROR\tInvoke Error \t/);
    await deploy(client, 'rejecter', {
      'index.js': 'exports.handler = async () => Promise.reject("plain string");',
    });
    const rejected = await invoke(client, 'rejecter');
    assert.equal(rejected.functionError, 'Unhandled');
    assert.equal((rejected.json as { errorType: string }).errorType, 'string');
  });

  it('reports init errors: module missing, handler missing, syntax error', async () => {
    await deploy(client, 'no-module', { 'index.js': ECHO_CJS }, { Handler: 'missing.handler' });
    const noModule = await invoke(client, 'no-module');
    assert.equal(noModule.functionError, 'Unhandled');
    assert.equal((noModule.json as { errorType: string }).errorType, 'Runtime.ImportModuleError');
    assert.match(
      (noModule.json as { errorMessage: string }).errorMessage,
      /Cannot find module 'missing'/,
    );
    await deploy(client, 'no-handler', { 'index.js': ECHO_CJS }, { Handler: 'index.nothere' });
    const noHandler = await invoke(client, 'no-handler');
    assert.deepEqual(
      [
        (noHandler.json as { errorType: string }).errorType,
        (noHandler.json as { errorMessage: string }).errorMessage,
      ],
      ['Runtime.HandlerNotFound', 'index.nothere is undefined or not exported'],
    );
    await deploy(client, 'syntax', { 'index.js': 'exports.handler = async () => {{;' });
    const syntax = await invoke(client, 'syntax');
    assert.equal((syntax.json as { errorType: string }).errorType, 'Runtime.UserCodeSyntaxError');
    const again = await invoke(client, 'syntax');
    assert.equal(
      (again.json as { errorType: string }).errorType,
      'Runtime.UserCodeSyntaxError',
      'init is retried on the next invoke',
    );
  });

  it('times out as AWS does, resets the runtime, keeps /tmp', async () => {
    await deploy(
      client,
      'sleeper',
      {
        'index.js': `const fs = require('fs'); const os = require('os');
          let calls = 0;
          exports.handler = async (event) => {
            calls += 1;
            if (event.write) fs.writeFileSync(os.tmpdir() + '/marker', 'kept');
            if (event.sleep) await new Promise((r) => setTimeout(r, event.sleep));
            return { calls, marker: fs.existsSync(os.tmpdir() + '/marker') ? fs.readFileSync(os.tmpdir() + '/marker', 'utf8') : null };
          };`,
      },
      { Timeout: 1 },
    );
    assert.deepEqual((await invoke(client, 'sleeper', { write: true })).json, {
      calls: 1,
      marker: 'kept',
    });
    assert.deepEqual((await invoke(client, 'sleeper')).json, { calls: 2, marker: 'kept' });
    const started = Date.now();
    const timedOut = await invoke(client, 'sleeper', { sleep: 5000 });
    assert.ok(
      Date.now() - started < 4000,
      'answered at the timeout, not when the handler finished',
    );
    assert.equal(timedOut.functionError, 'Unhandled');
    const error = timedOut.json as { errorType: string; errorMessage: string };
    assert.equal(error.errorType, 'Sandbox.Timedout');
    assert.match(
      error.errorMessage,
      /^RequestId: [0-9a-f-]{36} Error: Task timed out after 1\.00 seconds$/,
    );
    assert.match(timedOut.log, /Task timed out after 1\.00 seconds/);
    assert.match(timedOut.log, /Status: timeout/);
    assert.deepEqual(
      (await invoke(client, 'sleeper')).json,
      { calls: 1, marker: 'kept' },
      'module state reset, /tmp kept',
    );
  });

  it('reports a runtime that exits or crashes as Runtime.ExitError, then recovers', async () => {
    await deploy(client, 'crasher', {
      'index.js':
        'let n = 0; exports.handler = async (e) => { n++; if (e.exit !== undefined) process.exit(e.exit); if (e.kill) process.kill(process.pid, "SIGKILL"); return n; };',
    });
    assert.equal((await invoke(client, 'crasher')).json, 1);
    const exited = await invoke(client, 'crasher', { exit: 3 });
    assert.equal(exited.functionError, 'Unhandled');
    assert.equal((exited.json as { errorType: string }).errorType, 'Runtime.ExitError');
    assert.match(
      (exited.json as { errorMessage: string }).errorMessage,
      /^RequestId: [0-9a-f-]{36} Error: Runtime exited with error: exit status 3$/,
    );
    const killed = await invoke(client, 'crasher', { kill: true });
    assert.match(
      (killed.json as { errorMessage: string }).errorMessage,
      /Runtime exited with error: signal: killed$/,
    );
    assert.equal(
      (await invoke(client, 'crasher')).json,
      1,
      'a fresh runtime serves the next invoke',
    );
  });

  it('refuses oversized and non-JSON payloads, and oversized responses', async () => {
    await deploy(client, 'sizes', {
      'index.js': 'exports.handler = async (e) => e.big ? "x".repeat(7 * 1024 * 1024) : "small";',
    });
    const big = await fetch(`${server.url}/2015-03-31/functions/sizes/invocations`, {
      method: 'POST',
      body: `"${'y'.repeat(6_300_000)}"`,
    });
    assert.equal(big.status, 413);
    assert.equal(big.headers.get('x-amzn-errortype'), 'RequestEntityTooLargeException');
    assert.equal(
      ((await big.json()) as { message: string }).message,
      'Request must be smaller than 6291456 bytes for the InvokeFunction operation',
    );
    const signed = {
      authorization:
        'AWS4-HMAC-SHA256 Credential=123456789012/20261129/eu-central-1/lambda/aws4_request, SignedHeaders=host, Signature=0',
    };
    const notJson = await fetch(`${server.url}/2015-03-31/functions/sizes/invocations`, {
      method: 'POST',
      body: 'not json',
      headers: signed,
    });
    assert.equal(notJson.status, 400);
    assert.equal(notJson.headers.get('x-amzn-errortype'), 'InvalidRequestContentException');
    const response = await invoke(client, 'sizes', { big: true });
    assert.equal(response.functionError, 'Unhandled');
    assert.deepEqual(response.json, {
      errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
      errorType: 'Function.ResponseSizeTooLarge',
    });
    assert.equal((await invoke(client, 'sizes')).json, 'small');
  });

  it('answers DryRun with 204 and unknown functions with ResourceNotFoundException', async () => {
    await deploy(client, 'dry', { 'index.js': ECHO_CJS });
    const dry = await client.send(
      new InvokeCommand({ FunctionName: 'dry', InvocationType: 'DryRun' }),
    );
    assert.equal(dry.StatusCode, 204);
    await assert.rejects(client.send(new InvokeCommand({ FunctionName: 'ghost' })), {
      name: 'ResourceNotFoundException',
      message: 'Function not found: arn:aws:lambda:eu-central-1:123456789012:function:ghost',
    });
  });

  it('reuses a warm environment, and starts a fresh one after an update', async () => {
    const marker = newMarker();
    await deploy(
      client,
      'warm',
      {
        'index.js': ENV_ID + 'let n = 0; exports.handler = async () => ({ n: ++n, env: ENV_ID });',
      },
      { Environment: { Variables: marker } },
    );
    const first = (await invoke(client, 'warm')).json as { n: number; env: string };
    const second = (await invoke(client, 'warm')).json as { n: number; env: string };
    assert.equal(second.env, first.env);
    assert.equal(second.n, 2);
    const before = processesWithMarker(marker);
    assert.equal(before.length, 1, 'one runtime process on the host');
    await client.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'warm',
        Description: 'changed',
        Environment: { Variables: marker },
      }),
    );
    await waitUntilFunctionUpdatedV2({ client, ...WAIT }, { FunctionName: 'warm' });
    const third = (await invoke(client, 'warm')).json as { n: number; env: string };
    assert.notEqual(third.env, first.env);
    assert.equal(third.n, 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const after = processesWithMarker(marker);
    assert.equal(after.length, 1);
    assert.ok(!after.includes(before[0] as number), 'the retired environment is gone');
  });

  it('runs concurrent invokes in separate environments, one invocation each', async () => {
    await deploy(client, 'parallel', {
      'index.js':
        ENV_ID +
        'exports.handler = async (e) => { await new Promise((r) => setTimeout(r, 300)); return ENV_ID; };',
    });
    const envs = await Promise.all(
      Array.from({ length: 4 }, () => invoke(client, 'parallel').then((o) => o.json)),
    );
    assert.equal(new Set(envs).size, 4);
  });

  it('leaves no runtime process behind after shutdown', async () => {
    const own = await startTestServer({ inMemory: true, ...executor.config });
    const ownClient = lambdaClient(own.url);
    const marker = newMarker();
    await deploy(
      ownClient,
      'forker',
      {
        'index.js':
          'const { spawn } = require("child_process"); let child; exports.handler = async () => { child ??= spawn("sleep", ["60"]); return "spawned"; };',
      },
      { Environment: { Variables: marker } },
    );
    assert.equal((await invoke(ownClient, 'forker')).json, 'spawned');
    assert.ok(processesWithMarker(marker).length >= 2, 'the runtime and its child are running');
    await own.close();
    assert.deepEqual(await waitUntilGone(marker), [], 'no process of the function is left');
  });
}
