import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  DeleteFunctionCommand,
  PublishLayerVersionCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { deploy, invoke } from '../helpers/functions.js';
import { detectSandbox } from '../../src/executors/process/detect.js';
import { executorsUnderTest, type ExecutorUnderTest } from '../helpers/executors.js';
import { lambdaClient, startTestServer, useTestServer } from '../helpers/server.js';
import { buildZip } from '../helpers/zip-builder.js';

/**
 * Lambda extensions (issue #9), under the process and the docker executor: an external extension from a layer registers, gets INVOKE and
 * SHUTDOWN, subscribes to the Telemetry API and receives the platform events and the function's
 * log lines; an extension that never asks for an event makes init time out as on AWS; a crashing
 * one fails the invoke with Extension.Crash; AWS_LAMBDA_EXEC_WRAPPER wraps the runtime.
 *
 * The test extension is a Node.js script (the nodejs20.x runtime's node is visible in the
 * sandbox). It reports everything it sees to a recorder this test runs on the host's loopback.
 */
const EXTENSION = `#!/usr/bin/env node
const http = require('node:http');
const api = 'http://' + process.env.AWS_LAMBDA_RUNTIME_API;
const mode = process.env.EXT_MODE || 'normal';
const report = (kind, data) =>
  process.env.RECORD_URL
    ? fetch(process.env.RECORD_URL, { method: 'POST', body: JSON.stringify({ kind, data }) }).catch(() => {})
    : Promise.resolve();

const reported = [];

async function main() {
  const listener = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const batch = JSON.parse(body);
      for (const e of batch) if (e.type === 'platform.report') reported.push(e.record.requestId);
      report('telemetry', batch);
      res.end();
    });
  });
  await new Promise((r) => listener.listen(Number(process.env.LISTEN_PORT), 'sandbox.localdomain', r));
  const reg = await fetch(api + '/2020-01-01/extension/register', {
    method: 'POST',
    headers: { 'Lambda-Extension-Name': 'test-ext', 'Lambda-Extension-Accept-Feature': 'accountId' },
    body: JSON.stringify({ events: ['INVOKE', 'SHUTDOWN'] }),
  });
  const id = reg.headers.get('lambda-extension-identifier');
  await report('register', { status: reg.status, body: await reg.json(), id });
  if (mode === 'crash') process.exit(3);
  const again = await fetch(api + '/2020-01-01/extension/register', {
    method: 'POST', headers: { 'Lambda-Extension-Name': 'test-ext' }, body: '{"events":["INVOKE"]}',
  });
  await report('register-again', { status: again.status, body: await again.json() });
  const sub = await fetch(api + '/2022-07-01/telemetry', {
    method: 'PUT',
    headers: { 'Lambda-Extension-Identifier': id, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      schemaVersion: '2022-12-13',
      destination: { protocol: 'HTTP', URI: 'http://sandbox.localdomain:' + process.env.LISTEN_PORT + '/t' },
      types: ['platform', 'function', 'extension'],
      buffering: { maxItems: 1000, maxBytes: 262144, timeoutMs: 25 },
    }),
  });
  await report('subscribe', { status: sub.status, body: await sub.json() });
  if (mode === 'hang') return new Promise(() => {});
  for (;;) {
    const res = await fetch(api + '/2020-01-01/extension/event/next', {
      headers: { 'Lambda-Extension-Identifier': id },
    });
    const event = await res.json();
    await report('event', event);
    if (event.eventType === 'SHUTDOWN') process.exit(0);
    console.log('extension saw ' + event.requestId + ' after reports of ' + JSON.stringify(reported));
    await new Promise((r) => setTimeout(r, 150)); // post-runtime work
  }
}
main();
`;

const HANDLER = `exports.handler = async (event) => {
  console.log('hello from invoke ' + event.n);
  return { n: event.n, wrapped: process.env.WRAPPED ?? null };
};
`;

interface Report {
  kind: string;
  data: unknown;
}

interface ExtEvent {
  eventType: string;
  deadlineMs: number;
  requestId?: string;
  invokedFunctionArn?: string;
  tracing?: { type: string; value: string };
  shutdownReason?: string;
}

interface Delivered {
  time: string;
  type: string;
  record: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Collects what extensions report, and waits for what a test expects. */
class Recorder {
  readonly records: Report[] = [];
  private server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      this.records.push(JSON.parse(body) as Report);
      res.end();
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  of(kind: string): unknown[] {
    return this.records.filter((r) => r.kind === kind).map((r) => r.data);
  }

  telemetry(): Delivered[] {
    return this.of('telemetry').flat() as Delivered[];
  }

  async until<T>(what: string, find: () => T | undefined, timeoutMs = 10_000): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found) return found;
      if (Date.now() > end)
        throw new Error(
          `${what} not seen; got ${JSON.stringify(this.records, null, 1).slice(0, 4000)}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function extensionLayer(client: LambdaClient, name: string): Promise<string> {
  const layer = await client.send(
    new PublishLayerVersionCommand({
      LayerName: name,
      Content: {
        ZipFile: buildZip([
          { name: 'extensions/', mode: 0o755 },
          { name: 'extensions/test-ext', content: EXTENSION, mode: 0o755 },
          {
            name: 'wrapper.sh',
            content: '#!/bin/sh\nexport WRAPPED=yes\nexec "$@"\n',
            mode: 0o755,
          },
        ]),
      },
    }),
  );
  return layer.LayerVersionArn!;
}

const requestIdOf = (log: string): string => /START RequestId: (\S+)/.exec(log)![1]!;

// The same suite under each executor: the launcher runs inside the container under docker.
for (const executor of executorsUnderTest()) {
  describe(
    `Lambda extensions and the Telemetry API${executor.suffix}`,
    { skip: executor.skip },
    () => extensionsSuite(executor),
  );
}

function extensionsSuite(executor: ExecutorUnderTest): void {
  let client: LambdaClient;
  let layer: string;
  const recorder = new Recorder();
  let recordUrl: string;
  useTestServer(executor.config, (_server, c) => (client = c));
  before(async () => {
    recordUrl = await recorder.start();
    layer = await extensionLayer(client, 'test-ext');
  });
  after(() => recorder.close());

  const deployWith = async (name: string, variables: Record<string, string>, timeout = 10) =>
    deploy(
      client,
      name,
      { 'index.js': HANDLER },
      {
        Layers: [layer],
        Timeout: timeout,
        Environment: {
          Variables: {
            RECORD_URL: recordUrl,
            LISTEN_PORT: String(await freePort()),
            ...variables,
          },
        },
      },
    );

  it('registers, gets INVOKE per invoke, receives telemetry and function logs, then SHUTDOWN', async () => {
    await deployWith('ext-normal', {});
    const first = await invoke(client, 'ext-normal', { n: 1 });
    assert.equal(first.functionError, undefined, first.text);
    assert.deepEqual(first.json, { n: 1, wrapped: null });
    assert.match(first.log, /EXTENSION\tName: test-ext\tState: Ready\tEvents: \[INVOKE,SHUTDOWN\]/);
    const second = await invoke(client, 'ext-normal', { n: 2 });
    assert.doesNotMatch(second.log, /EXTENSION/);

    const [registered] = recorder.of('register') as { status: number; body: unknown; id: string }[];
    assert.equal(registered!.status, 200);
    assert.match(registered!.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(registered!.body, {
      functionName: 'ext-normal',
      functionVersion: '$LATEST',
      handler: 'index.handler',
      accountId: '000000000000',
    });
    const [again] = recorder.of('register-again') as {
      status: number;
      body: { errorType: string };
    }[];
    assert.equal(again!.status, 403);
    assert.equal(again!.body.errorType, 'Extension.InvalidExtensionState');
    assert.deepEqual(recorder.of('subscribe'), [{ status: 200, body: 'OK' }]);

    // INVOKE for each invocation, with AWS's fields.
    const ids = [requestIdOf(first.log), requestIdOf(second.log)];
    const invokes = (recorder.of('event') as ExtEvent[]).filter((e) => e.eventType === 'INVOKE');
    assert.deepEqual(
      invokes.map((e) => e.requestId),
      ids,
    );
    assert.equal(
      invokes[0]!.invokedFunctionArn,
      'arn:aws:lambda:us-east-1:000000000000:function:ext-normal',
    );
    assert.equal(invokes[0]!.tracing?.type, 'X-Amzn-Trace-Id');
    assert.ok(invokes[0]!.deadlineMs > Date.now() - 60_000);

    // The extension's post-runtime work (150 ms) is part of the invocation's duration.
    const duration = Number(/\tDuration: ([\d.]+) ms/.exec(second.log)![1]);
    assert.ok(duration >= 140, `Duration ${duration} includes the extension's time`);
    assert.match(second.log, /extension saw /);

    // Telemetry: platform events and the function's lines, for each invocation.
    for (const [i, id] of ids.entries()) {
      await recorder.until(`platform.report of invoke ${i + 1}`, () =>
        recorder.telemetry().find((e) => e.type === 'platform.report' && e.record.requestId === id),
      );
      const events = recorder.telemetry();
      const start = events.find((e) => e.type === 'platform.start' && e.record.requestId === id);
      assert.ok(start, 'platform.start');
      assert.equal(start!.record.version, '$LATEST');
      assert.ok(
        events.find(
          (e) => e.type === 'function' && String(e.record).includes(`hello from invoke ${i + 1}`),
        ),
        'the function log line',
      );
      const report = events.find((e) => e.type === 'platform.report' && e.record.requestId === id)!;
      assert.equal(report.record.status, 'success');
      assert.equal(report.record.metrics.memorySizeMB, 128);
      for (const key of ['durationMs', 'billedDurationMs', 'maxMemoryUsedMB'])
        assert.equal(typeof report.record.metrics[key], 'number', key);
      if (i === 0) assert.equal(typeof report.record.metrics.initDurationMs, 'number');
      assert.match(
        events.find((e) => e.type === 'platform.runtimeDone' && e.record.requestId === id)!.record
          .status,
        /^success$/,
      );
    }
    const types = new Set(recorder.telemetry().map((e) => e.type));
    for (const type of [
      'platform.initStart',
      'platform.initReport',
      'platform.extension',
      'extension',
    ])
      assert.ok(types.has(type), `${type} delivered`);
    for (const e of recorder.telemetry()) assert.match(e.time, /^\d{4}-\d\d-\d\dT[\d:.]+Z$/);

    // Deleting the function ends its environment: SHUTDOWN with AWS's 2 s deadline.
    const before = Date.now();
    await client.send(new DeleteFunctionCommand({ FunctionName: 'ext-normal' }));
    const shutdown = (await recorder.until('SHUTDOWN', () =>
      (recorder.of('event') as ExtEvent[]).find((e) => e.eventType === 'SHUTDOWN'),
    )) as { shutdownReason: string; deadlineMs: number };
    assert.equal(shutdown.shutdownReason, 'spindown');
    assert.ok(shutdown.deadlineMs >= before + 1500 && shutdown.deadlineMs <= Date.now() + 2500);
  });

  it('an extension that never asks for an event times init out, and the server stays healthy', async () => {
    await deployWith('ext-hang', { EXT_MODE: 'hang' }, 1);
    const hung = await invoke(client, 'ext-hang', { n: 1 });
    assert.equal(hung.functionError, 'Unhandled');
    assert.equal((hung.json as { errorType: string }).errorType, 'Sandbox.Timedout');
    assert.match(
      (hung.json as { errorMessage: string }).errorMessage,
      /Task timed out after 1\.00 seconds/,
    );
    await deploy(client, 'ext-plain', { 'index.js': HANDLER });
    const plain = await invoke(client, 'ext-plain', { n: 7 });
    assert.deepEqual(plain.json, { n: 7, wrapped: null });
  });

  it('an extension that crashes fails the invoke with Extension.Crash', async () => {
    await deployWith('ext-crash', { EXT_MODE: 'crash' });
    const crashed = await invoke(client, 'ext-crash', { n: 1 });
    assert.equal(crashed.functionError, 'Unhandled');
    const error = crashed.json as { errorType: string; errorMessage: string };
    assert.equal(error.errorType, 'Extension.Crash');
    assert.match(error.errorMessage, /^RequestId: [0-9a-f-]{36} Error: exit status 3$/);
  });

  it('AWS_LAMBDA_EXEC_WRAPPER runs the runtime through the wrapper script', async () => {
    await deploy(
      client,
      'ext-wrapped',
      { 'index.js': HANDLER },
      {
        Environment: { Variables: { AWS_LAMBDA_EXEC_WRAPPER: '/opt/wrapper.sh' } },
        Layers: [await wrapperOnlyLayer(client)],
      },
    );
    const wrapped = await invoke(client, 'ext-wrapped', { n: 3 });
    assert.deepEqual(wrapped.json, { n: 3, wrapped: 'yes' });
  });
}

const isolation = await detectSandbox('auto', true).then(
  () => undefined,
  (err: Error) => err.message,
);

describe('telemetry reaches a listener inside an isolated network', { skip: isolation }, () => {
  it('delivers through the relay of the namespace', async () => {
    const server = await startTestServer({ inMemory: true, isolateNetwork: true });
    try {
      const client = lambdaClient(server.url);
      await deploy(
        client,
        'ext-isolated',
        { 'index.js': HANDLER },
        {
          Layers: [await extensionLayer(client, 'test-ext')],
          Environment: { Variables: { LISTEN_PORT: '4243' } },
        },
      );
      const first = await invoke(client, 'ext-isolated', { n: 1 });
      assert.deepEqual(first.json, { n: 1, wrapped: null });
      const id = requestIdOf(first.log);
      const end = Date.now() + 10_000;
      let log = '';
      while (!log.includes(id) && Date.now() < end) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        log = (await invoke(client, 'ext-isolated', { n: 2 })).log;
      }
      assert.match(log, new RegExp(`after reports of \\[[^\\]]*"${id}"`));
    } finally {
      await server.close();
    }
  });
});

async function wrapperOnlyLayer(client: LambdaClient): Promise<string> {
  const layer = await client.send(
    new PublishLayerVersionCommand({
      LayerName: 'wrapper-only',
      Content: {
        ZipFile: buildZip([
          {
            name: 'wrapper.sh',
            content: '#!/bin/sh\nexport WRAPPED=yes\nexec "$@"\n',
            mode: 0o755,
          },
        ]),
      },
    }),
  );
  return layer.LayerVersionArn!;
}
