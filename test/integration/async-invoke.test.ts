import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  DeleteFunctionConcurrencyCommand,
  DeleteFunctionEventInvokeConfigCommand,
  GetFunctionEventInvokeConfigCommand,
  InvokeAsyncCommand,
  InvokeCommand,
  type LambdaClient,
  ListFunctionEventInvokeConfigsCommand,
  PutFunctionConcurrencyCommand,
  PutFunctionEventInvokeConfigCommand,
  UpdateFunctionEventInvokeConfigCommand,
} from '@aws-sdk/client-lambda';
import { deploy } from '../helpers/functions.js';
import { lambdaClient, startTestServer } from '../helpers/server.js';

const CLI = path.resolve('src/cli.ts');
const ARN = 'arn:aws:lambda:us-east-1:000000000000:function';

/** Writes the event it gets to `<dir>/<name>.json`; `dir` comes in the event or in SINK_DIR. */
const RECORDER = `
const fs = require('node:fs');
exports.handler = async (event, context) => {
  const dir = event.dir ?? process.env.SINK_DIR;
  const name = event.requestContext ? event.requestContext.requestId : context.awsRequestId;
  fs.writeFileSync(dir + '/' + name + '.json', JSON.stringify({ event, awsRequestId: context.awsRequestId }));
  return { recorded: name };
};`;

/** Counts its attempts in event.counter and fails until attempt event.succeedOn. */
const FLAKY = `
const fs = require('node:fs');
exports.handler = async (event) => {
  const count = (fs.existsSync(event.counter) ? Number(fs.readFileSync(event.counter, 'utf8')) : 0) + 1;
  fs.writeFileSync(event.counter, String(count));
  if (count < event.succeedOn) throw new Error('attempt ' + count + ' fails');
  return { ok: true, count };
};`;

async function waitFor<T>(
  what: string,
  probe: () => T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const readJson = (file: string): unknown =>
  fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : undefined;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function invokeEvent(client: LambdaClient, name: string, event: unknown): Promise<string> {
  const out = await client.send(
    new InvokeCommand({
      FunctionName: name,
      InvocationType: 'Event',
      Payload: Buffer.from(JSON.stringify(event)),
    }),
  );
  assert.equal(out.StatusCode, 202);
  assert.equal(Buffer.from(out.Payload ?? []).length, 0);
  return out.$metadata.requestId as string;
}

describe('asynchronous invocation (Event, InvokeAsync, the queue, destinations)', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let client: LambdaClient;
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'asimov-async-'));
    // These functions report attempts through files in a host directory, which a sandbox hides;
    // the sandbox itself is covered by sandbox.test.ts and the Invoke suites.
    server = await startTestServer({
      inMemory: true,
      sandbox: 'none',
      asyncRetryBaseMs: 50,
      asyncThrottleBaseMs: 50,
    });
    client = lambdaClient(server.url);
    await deploy(client, 'recorder', { 'index.js': RECORDER }, { Publish: true });
    await deploy(
      client,
      'sink',
      { 'index.js': RECORDER },
      { Environment: { Variables: { SINK_DIR: dir } } },
    );
    await deploy(client, 'flaky', { 'index.js': FLAKY });
    await deploy(client, 'doomed', { 'index.js': FLAKY });
  });
  after(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers 202 with the request id the function then runs under', async () => {
    const requestId = await invokeEvent(client, 'recorder', { dir, hello: 'event' });
    assert.match(requestId, /^[0-9a-f-]{36}$/);
    const got = await waitFor('the event', () => readJson(path.join(dir, `${requestId}.json`)));
    assert.deepEqual(got, { event: { dir, hello: 'event' }, awsRequestId: requestId });
  });

  it('refuses an Event payload over 1 MB, and serves the deprecated InvokeAsync', async () => {
    const big = JSON.stringify({ pad: 'x'.repeat(1_048_576) });
    await assert.rejects(
      client.send(
        new InvokeCommand({ FunctionName: 'recorder', InvocationType: 'Event', Payload: big }),
      ),
      {
        name: 'RequestEntityTooLargeException',
        message: 'Request must be smaller than 1048576 bytes for the InvokeFunction operation',
      },
    );
    const out = await client.send(
      new InvokeAsyncCommand({
        FunctionName: 'recorder',
        InvokeArgs: Buffer.from(JSON.stringify({ dir, via: 'InvokeAsync' })),
      }),
    );
    assert.equal(out.Status, 202);
    const requestId = out.$metadata.requestId as string;
    const got = await waitFor('the InvokeAsync event', () =>
      readJson(path.join(dir, `${requestId}.json`)),
    );
    assert.deepEqual(got, { event: { dir, via: 'InvokeAsync' }, awsRequestId: requestId });
  });

  it('puts, updates, gets, lists and deletes event invoke configs as AWS does', async () => {
    const notFound = (qualifier: string) => ({
      name: 'ResourceNotFoundException',
      message: `The function ${ARN}:recorder:${qualifier} doesn't have an EventInvokeConfig`,
    });
    await assert.rejects(
      client.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'recorder' })),
      notFound('$LATEST'),
    );

    const put = await client.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'recorder',
        MaximumRetryAttempts: 1,
      }),
    );
    assert.equal(put.FunctionArn, `${ARN}:recorder:$LATEST`);
    assert.ok(put.LastModified instanceof Date);
    assert.ok(Math.abs(put.LastModified.getTime() - Date.now()) < 10_000);
    assert.equal(put.MaximumRetryAttempts, 1);
    assert.equal(put.MaximumEventAgeInSeconds, undefined);
    assert.deepEqual(put.DestinationConfig, { OnSuccess: {}, OnFailure: {} });

    const updated = await client.send(
      new UpdateFunctionEventInvokeConfigCommand({
        FunctionName: 'recorder',
        MaximumEventAgeInSeconds: 120,
        DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:dlq' } },
      }),
    );
    assert.equal(updated.MaximumRetryAttempts, 1, 'update keeps what it is not given');
    assert.equal(updated.MaximumEventAgeInSeconds, 120);
    assert.deepEqual(updated.DestinationConfig, {
      OnSuccess: {},
      OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:dlq' },
    });
    const replaced = await client.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'recorder',
        Qualifier: '$LATEST',
        MaximumEventAgeInSeconds: 60,
      }),
    );
    assert.equal(replaced.MaximumRetryAttempts, undefined, 'put replaces the whole config');
    assert.deepEqual(replaced.DestinationConfig, { OnSuccess: {}, OnFailure: {} });
    const got = await client.send(
      new GetFunctionEventInvokeConfigCommand({ FunctionName: `${ARN}:recorder` }),
    );
    assert.equal(got.MaximumEventAgeInSeconds, 60);
    assert.equal(got.FunctionArn, `${ARN}:recorder:$LATEST`);

    const version = await client.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'recorder:1',
        DestinationConfig: { OnSuccess: { Destination: `${ARN}:sink` } },
      }),
    );
    assert.equal(version.FunctionArn, `${ARN}:recorder:1`);
    assert.deepEqual(version.DestinationConfig?.OnSuccess, { Destination: `${ARN}:sink` });

    const all = await client.send(
      new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'recorder' }),
    );
    assert.deepEqual(
      all.FunctionEventInvokeConfigs?.map((c) => c.FunctionArn),
      [`${ARN}:recorder:$LATEST`, `${ARN}:recorder:1`],
    );
    assert.equal(all.NextMarker, undefined);
    const first = await client.send(
      new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'recorder', MaxItems: 1 }),
    );
    assert.equal(first.FunctionEventInvokeConfigs?.length, 1);
    const rest = await client.send(
      new ListFunctionEventInvokeConfigsCommand({
        FunctionName: 'recorder',
        Marker: first.NextMarker,
      }),
    );
    assert.deepEqual(
      rest.FunctionEventInvokeConfigs?.map((c) => c.FunctionArn),
      [`${ARN}:recorder:1`],
    );

    const errors: [() => Promise<unknown>, Record<string, string>][] = [
      [
        () =>
          client.send(
            new PutFunctionEventInvokeConfigCommand({
              FunctionName: 'recorder',
              MaximumRetryAttempts: 3,
              MaximumEventAgeInSeconds: 59,
            }),
          ),
        {
          name: 'ValidationException',
          message:
            "2 validation errors detected: Value '3' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2; Value '59' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 60",
        },
      ],
      [
        () => client.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'recorder' })),
        {
          name: 'InvalidParameterValueException',
          message: 'You must specify at least one of error handling or destination setting.',
        },
      ],
      [
        () =>
          client.send(
            new PutFunctionEventInvokeConfigCommand({
              FunctionName: 'ghost',
              MaximumRetryAttempts: 0,
            }),
          ),
        { name: 'ResourceNotFoundException', message: "The function doesn't exist." },
      ],
      [
        () =>
          client.send(
            new PutFunctionEventInvokeConfigCommand({
              FunctionName: 'recorder',
              Qualifier: '7',
              MaximumRetryAttempts: 0,
            }),
          ),
        { name: 'ResourceNotFoundException', message: "The function doesn't exist." },
      ],
      [
        () =>
          client.send(
            new PutFunctionEventInvokeConfigCommand({
              FunctionName: 'recorder:1',
              Qualifier: '$LATEST',
              MaximumRetryAttempts: 0,
            }),
          ),
        {
          name: 'InvalidParameterValueException',
          message:
            'The derived qualifier from the function name does not match the specified qualifier.',
        },
      ],
      [
        () =>
          client.send(
            new PutFunctionEventInvokeConfigCommand({
              FunctionName: 'recorder',
              DestinationConfig: { OnSuccess: { Destination: `${ARN}:recorder` } },
            }),
          ),
        {
          name: 'InvalidParameterValueException',
          message: "You can't specify the function as a destination for itself.",
        },
      ],
      [
        () =>
          client.send(
            new PutFunctionEventInvokeConfigCommand({
              FunctionName: 'recorder',
              DestinationConfig: { OnFailure: { Destination: `${ARN}:ghost` } },
            }),
          ),
        {
          name: 'InvalidParameterValueException',
          message: `The destination ARN ${ARN}:ghost is invalid.`,
        },
      ],
      [
        () =>
          client.send(
            new PutFunctionEventInvokeConfigCommand({
              FunctionName: 'recorder',
              DestinationConfig: {
                OnSuccess: { Destination: 'arn:aws:iam:us-east-1:000000000000:role/r' },
              },
            }),
          ),
        {
          name: 'InvalidParameterValueException',
          message:
            'The provided destination config DestinationConfig(onSuccess=OnSuccess(destination=arn:aws:iam:us-east-1:000000000000:role/r), onFailure=null) is invalid.',
        },
      ],
      [
        () =>
          client.send(
            new PutFunctionEventInvokeConfigCommand({
              FunctionName: 'recorder',
              DestinationConfig: { OnFailure: { Destination: 'not-an-arn' } },
            }),
          ),
        {
          name: 'ValidationException',
          message:
            "1 validation error detected: Value 'not-an-arn' at 'destinationConfig.onFailure.destination' failed to satisfy constraint: Member must satisfy regular expression pattern: $|kafka://([^.]([a-zA-Z0-9\\-_.]{0,248}))|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)",
        },
      ],
      [
        () =>
          client.send(
            new UpdateFunctionEventInvokeConfigCommand({
              FunctionName: 'sink',
              MaximumRetryAttempts: 0,
            }),
          ),
        {
          name: 'ResourceNotFoundException',
          message: `The function ${ARN}:sink:$LATEST doesn't have an EventInvokeConfig`,
        },
      ],
      [
        () => client.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'ghost' })),
        { name: 'ResourceNotFoundException', message: "The function doesn't exist." },
      ],
    ];
    for (const [call, expected] of errors) await assert.rejects(call(), expected);

    await client.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: 'recorder' }));
    await client.send(
      new DeleteFunctionEventInvokeConfigCommand({ FunctionName: 'recorder', Qualifier: '1' }),
    );
    await assert.rejects(
      client.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: 'recorder' })),
      notFound('$LATEST'),
    );
    await assert.rejects(
      client.send(
        new GetFunctionEventInvokeConfigCommand({ FunctionName: 'recorder', Qualifier: '1' }),
      ),
      notFound('1'),
    );
    const none = await client.send(
      new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'recorder' }),
    );
    assert.deepEqual(none.FunctionEventInvokeConfigs, []);
  });

  it('retries a failing function and sends AWS’s record to the OnSuccess function', async () => {
    await client.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'flaky',
        DestinationConfig: { OnSuccess: { Destination: `${ARN}:sink` } },
      }),
    );
    const counter = path.join(dir, 'flaky.count');
    const event = { counter, succeedOn: 3 };
    const requestId = await invokeEvent(client, 'flaky', event);
    const got = (await waitFor('the OnSuccess record', () =>
      readJson(path.join(dir, `${requestId}.json`)),
    )) as { event: Record<string, unknown>; awsRequestId: string };
    assert.equal(fs.readFileSync(counter, 'utf8'), '3', 'two failures, then a success');
    const { timestamp, ...record } = got.event;
    assert.match(String(timestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(record, {
      version: '1.0',
      requestContext: {
        requestId,
        functionArn: `${ARN}:flaky:$LATEST`,
        condition: 'Success',
        approximateInvokeCount: 3,
      },
      requestPayload: event,
      responseContext: { statusCode: 200, executedVersion: '$LATEST' },
      responsePayload: { ok: true, count: 3 },
    });
    assert.notEqual(got.awsRequestId, requestId, 'the destination runs as its own invocation');
  });

  it('with MaximumRetryAttempts 0 sends a failure to OnFailure after exactly one attempt', async () => {
    await client.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'doomed',
        MaximumRetryAttempts: 0,
        DestinationConfig: { OnFailure: { Destination: `${ARN}:sink` } },
      }),
    );
    const counter = path.join(dir, 'doomed.count');
    const event = { counter, succeedOn: 99 };
    const requestId = await invokeEvent(client, 'doomed', event);
    const got = (await waitFor('the OnFailure record', () =>
      readJson(path.join(dir, `${requestId}.json`)),
    )) as { event: Record<string, unknown> };
    const { timestamp: _t, responsePayload, ...record } = got.event;
    assert.deepEqual(record, {
      version: '1.0',
      requestContext: {
        requestId,
        functionArn: `${ARN}:doomed:$LATEST`,
        condition: 'RetriesExhausted',
        approximateInvokeCount: 1,
      },
      requestPayload: event,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    });
    const error = responsePayload as { errorType: string; errorMessage: string };
    assert.equal(error.errorType, 'Error');
    assert.equal(error.errorMessage, 'attempt 1 fails');
    await sleep(300);
    assert.equal(fs.readFileSync(counter, 'utf8'), '1', 'no retry');
  });

  it('keeps a throttled event and runs it once concurrency is back', async () => {
    await deploy(client, 'paused', { 'index.js': RECORDER });
    await client.send(
      new PutFunctionConcurrencyCommand({
        FunctionName: 'paused',
        ReservedConcurrentExecutions: 0,
      }),
    );
    const requestId = await invokeEvent(client, 'paused', { dir });
    await sleep(600);
    assert.equal(fs.existsSync(path.join(dir, `${requestId}.json`)), false, 'throttled so far');
    await client.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'paused' }));
    const got = await waitFor('the throttled event', () =>
      readJson(path.join(dir, `${requestId}.json`)),
    );
    assert.deepEqual(got, { event: { dir }, awsRequestId: requestId });
  });
});

/** A server in a child process, so that it can be killed outright. */
class ChildServer {
  out = '';
  readonly url: Promise<string>;
  private readonly child: ChildProcess;

  constructor(dataDir: string) {
    this.child = spawn(
      process.execPath,
      ['--import', 'tsx', CLI, 'serve', '--port', '0', '--data-dir', dataDir, '--sandbox', 'none'],
      { env: { ...process.env, ASIMOV_HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child.stdout?.on('data', (chunk: Buffer) => (this.out += chunk.toString()));
    this.child.stderr?.on('data', (chunk: Buffer) => (this.out += chunk.toString()));
    this.url = waitFor(
      'the server to listen',
      () => /listening on (http:\/\/\S+)/.exec(this.out)?.[1],
      20_000,
    );
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  async stop(signal: NodeJS.Signals): Promise<void> {
    if (this.exited) return;
    const exit = once(this.child, 'exit');
    this.child.kill(signal);
    await exit;
  }
}

/** Runtimes a killed server left behind: their working directory is a task root under dataDir. */
function killOrphans(dataDir: string): void {
  for (const pid of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (!fs.readlinkSync(`/proc/${pid}/cwd`).startsWith(dataDir)) continue;
      process.kill(-Number(pid), 'SIGKILL');
    } catch {}
  }
}

describe('the asynchronous queue across a killed server', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'asimov-async-kill-'));
  const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'asimov-async-runs-'));
  const servers: ChildServer[] = [];
  after(async () => {
    for (const server of servers) await server.stop('SIGKILL');
    killOrphans(dataDir);
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(runsDir, { recursive: true, force: true });
  });

  const runs = (): number[] => {
    const file = path.join(runsDir, 'runs.log');
    if (!fs.existsSync(file)) return [];
    return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
  };
  /** The events the store still holds, by the n in their payload. */
  const pendingNs = (): number[] => {
    const data = readJson(path.join(dataDir, 'metadata.json')) as {
      events?: Record<string, { payload: string }>;
    };
    return Object.values(data.events ?? {}).map(
      (e) => (JSON.parse(Buffer.from(e.payload, 'base64').toString()) as { n: number }).n,
    );
  };

  it('loses no accepted event and never runs a finished one again', async () => {
    const first = new ChildServer(dataDir);
    servers.push(first);
    const client = lambdaClient(await first.url);
    await deploy(client, 'durable', {
      'index.js': `
const fs = require('node:fs');
exports.handler = async (event) => {
  await new Promise((resolve) => setTimeout(resolve, event.sleepMs));
  fs.appendFileSync(event.dir + '/runs.log', event.n + '\\n');
};`,
    });
    await client.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'durable',
        DestinationConfig: {
          OnSuccess: { Destination: 'arn:aws:sqs:us-east-1:000000000000:done' },
        },
      }),
    );

    // Three events finish before the kill: their success is recorded.
    for (let n = 0; n < 3; n++)
      await invokeEvent(client, 'durable', { dir: runsDir, n, sleepMs: 0 });
    await waitFor('the first events to finish', () =>
      runs().length === 3 && pendingNs().length === 0 ? true : undefined,
    );
    assert.match(
      first.out,
      /event \S+: OnSuccess destination arn:aws:sqs:us-east-1:000000000000:done not delivered: no such service here \(sqs\)/,
    );

    // Eight more are accepted, and the server is killed before they can all run.
    for (let n = 3; n < 11; n++)
      await invokeEvent(client, 'durable', { dir: runsDir, n, sleepMs: 300 });
    await first.stop('SIGKILL');
    killOrphans(dataDir);
    const unfinished = new Set(pendingNs());
    const before = runs();
    assert.ok(unfinished.size > 0, 'some events were still queued at the kill');

    const second = new ChildServer(dataDir);
    servers.push(second);
    await second.url;
    await waitFor(
      'every event to run after the restart',
      () => (new Set(runs()).size === 11 && pendingNs().length === 0 ? true : undefined),
      20_000,
    );
    await sleep(300);
    const counts = new Map<number, number>();
    for (const n of runs()) counts.set(n, (counts.get(n) ?? 0) + 1);
    for (let n = 0; n < 11; n++) {
      const count = counts.get(n) ?? 0;
      if (unfinished.has(n)) {
        // Run at most once more than it had run when the server died (an attempt cut short).
        assert.ok(count >= 1 && count <= 2, `event ${n} ran ${count} times`);
      } else {
        assert.equal(count, 1, `event ${n} finished before the kill and ran again`);
      }
    }
    assert.ok(before.every((n) => n >= 0 && n < 11));
    await second.stop('SIGTERM');
  });
});
