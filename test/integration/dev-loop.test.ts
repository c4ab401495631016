import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { deploy, invoke } from '../helpers/functions.js';
import {
  attachDebugpy,
  attachInspector,
  freePort,
  inspectorTargets,
  waitForListener,
} from '../helpers/debuggers.js';
import { awsEnv, lambdaClient, startTestServer, type TestServer } from '../helpers/server.js';
import { detectSandbox } from '../../src/executors/process/detect.js';

const CLI = path.resolve('src/cli.ts');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `asimov …` as a real subprocess, with `input` on its stdin. */
function asimov(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    env: { ...awsEnv(), ASIMOV_PORT: '1', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(options.input ?? '');
  const done = new Promise<Run>((resolve) =>
    child.once('exit', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done, stderr: () => stderr };
}

const run = (args: string[], options?: { input?: string; env?: NodeJS.ProcessEnv }) =>
  asimov(args, options).done;

const ECHO = `
exports.handler = async (event) => {
  console.log('got', JSON.stringify(event));
  if (event.fail) throw new Error('asked to fail');
  return { echoed: event };
};`;

describe('asimov invoke against a running server', () => {
  let server: TestServer;
  let eventFile: string;
  before(async () => {
    server = await startTestServer({ inMemory: true });
    await deploy(lambdaClient(server.url), 'echo', { 'index.js': ECHO });
    eventFile = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'asimov-event-')), 'e.json');
    await fs.writeFile(eventFile, JSON.stringify({ name: 'file' }));
  });
  after(() => server.close());

  it('prints the result on stdout and the function’s logs on stderr', async () => {
    const out = await run(['invoke', 'echo', '--endpoint-url', server.url, '--event', eventFile]);
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(JSON.parse(out.stdout), { echoed: { name: 'file' } });
    assert.match(out.stderr, /START RequestId: [0-9a-f-]+ Version: \$LATEST/);
    assert.match(out.stderr, /INFO\tgot {"name":"file"}/);
    assert.match(out.stderr, /REPORT RequestId: [0-9a-f-]+\tDuration: /);
    assert.doesNotMatch(out.stdout, /START|REPORT|got/);
  });

  it('reads the event from stdin with --event -', async () => {
    const out = await run(['invoke', 'echo', '--endpoint-url', server.url, '--event', '-'], {
      input: '{"from":"stdin"}',
    });
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(JSON.parse(out.stdout), { echoed: { from: 'stdin' } });
  });

  it('sends {} without --event, as sam local invoke does', async () => {
    const out = await run(['invoke', 'echo', '--endpoint-url', server.url]);
    assert.deepEqual(JSON.parse(out.stdout), { echoed: {} });
  });

  it('exits 1 on a function error, the error on stdout and the logs on stderr', async () => {
    const out = await run(['invoke', 'echo', '--endpoint-url', server.url, '--event', '-'], {
      input: '{"fail":true}',
    });
    assert.equal(out.code, 1);
    const error = JSON.parse(out.stdout) as { errorType: string; errorMessage: string };
    assert.equal(error.errorType, 'Error');
    assert.equal(error.errorMessage, 'asked to fail');
    assert.match(out.stderr, /ERROR\tInvoke Error/);
  });

  it('exits 2 with the API error when the function does not exist', async () => {
    const out = await run(['invoke', 'nothing-here', '--endpoint-url', server.url]);
    assert.equal(out.code, 2);
    assert.equal(out.stdout, '');
    assert.match(out.stderr, /ResourceNotFoundException: Function not found: arn:aws:lambda:/);
  });

  it('finds the server where asimov serve listens by default (ASIMOV_PORT) without --endpoint-url', async () => {
    const out = await run(['invoke', 'echo', '--event', eventFile], {
      env: { ASIMOV_PORT: String(server.port) },
    });
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(JSON.parse(out.stdout), { echoed: { name: 'file' } });
  });

  it('generate-event output pipes into invoke', async () => {
    const event = await run(['generate-event', 'sqs', 'receive-message', '--body', 'hi']);
    const out = await run(['invoke', 'echo', '--endpoint-url', server.url, '-e', '-'], {
      input: event.stdout,
    });
    const result = JSON.parse(out.stdout) as { echoed: { Records: { body: string }[] } };
    assert.equal(result.echoed.Records[0]?.body, 'hi');
  });
});

describe('asimov invoke with an embedded server', () => {
  let dataDir: string;
  before(async () => {
    // Deployed by a server that is then stopped: the embedded one finds it in the data dir.
    const server = await startTestServer({});
    dataDir = server.dataDir;
    const client = lambdaClient(server.url);
    await deploy(client, 'echo', { 'index.js': ECHO });
    await deploy(
      client,
      'slow',
      {
        'index.js': `exports.handler = async () => {
          await new Promise((r) => setTimeout(r, 2000));
          return 'slept 2 s';
        };`,
      },
      { Timeout: 1 },
    );
    await server.close();
  });

  it('starts a server for the call when none answers, on the data dir', async () => {
    const out = await run(['invoke', 'echo', '--data-dir', dataDir, '-e', '-'], {
      input: '{"embedded":true}',
    });
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(JSON.parse(out.stdout), { echoed: { embedded: true } });
    assert.match(out.stderr, /INFO\tgot {"embedded":true}/);
    assert.match(out.stderr, /END RequestId: /);
  });

  it('exits 1 on a function error there too', async () => {
    const out = await run(['invoke', 'echo', '--data-dir', dataDir, '-e', '-'], {
      input: '{"fail":true}',
    });
    assert.equal(out.code, 1);
    assert.equal(
      (JSON.parse(out.stdout) as { errorMessage: string }).errorMessage,
      'asked to fail',
    );
  });

  it('times out as AWS does when not debugging', async () => {
    const out = await run(['invoke', 'slow', '--data-dir', dataDir]);
    assert.equal(out.code, 1);
    assert.equal((JSON.parse(out.stdout) as { errorType: string }).errorType, 'Sandbox.Timedout');
  });

  it('--debug-port: the Node.js inspector listens, waits for the debugger, and the timeout is suspended', async () => {
    const port = await freePort();
    const call = asimov(['invoke', 'slow', '--data-dir', dataDir, '--debug-port', String(port)]);
    const targets = await inspectorTargets(port);
    assert.equal(targets[0]?.type, 'node');
    assert.match(
      targets[0]?.webSocketDebuggerUrl ?? '',
      new RegExp(`^ws://127\\.0\\.0\\.1:${port}/`),
    );
    // Held before the handler loads until a debugger attaches.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(call.child.exitCode, null, 'still waiting for the debugger');
    const debuggerClient = await attachInspector(port);
    try {
      const out = await call.done;
      assert.equal(out.code, 0, out.stderr);
      assert.equal(JSON.parse(out.stdout), 'slept 2 s');
      assert.match(out.stderr, /chrome:\/\/inspect/);
      assert.match(out.stderr, /"type": "node", "request": "attach"/);
      assert.match(out.stderr, /Debugger listening on ws:\/\/127\.0\.0\.1:\d+/);
      assert.match(
        out.stderr,
        /waiting for a debugger on 127\.0\.0\.1:\d+ \(the timeout is suspended\)/,
      );
    } finally {
      await debuggerClient.close();
    }
  });

  it('refuses --debug-port with --endpoint-url (a running server is debugged with serve flags)', async () => {
    const out = await run(['invoke', 'slow', '--endpoint-url', 'http://127.0.0.1:1', '-d', '9229']);
    assert.equal(out.code, 2);
    assert.match(out.stderr, /asimov serve --debug-function NAME=PORT/);
  });

  it('--template deploys the SAM template and invokes a function by its logical ID', async () => {
    const out = await run([
      'invoke',
      'HelloWorldFunction',
      '--template',
      'test/fixtures/sam-app/template.yaml',
      '--parameter-overrides',
      'Stage=test',
      '--data-dir',
      dataDir,
    ]);
    assert.equal(out.code, 0, out.stderr);
    const result = JSON.parse(out.stdout) as { statusCode: number; body: string };
    assert.equal(result.statusCode, 200);
    assert.equal((JSON.parse(result.body) as { stage: string }).stage, 'test');
    assert.match(out.stderr, /REPORT RequestId/);
  });
});

describe('debugging several functions at once', () => {
  const ports = { first: 0, second: 0 };
  let server: TestServer;
  let client: LambdaClient;
  before(async () => {
    ports.first = await freePort();
    ports.second = await freePort();
    server = await startTestServer({
      inMemory: true,
      debugFunctions: { first: ports.first, second: ports.second },
    });
    client = lambdaClient(server.url);
    const code = {
      'index.js': `exports.handler = async () => {
        await new Promise((r) => setTimeout(r, 1500));
        return process.env.AWS_LAMBDA_FUNCTION_NAME;
      };`,
    };
    await deploy(client, 'first', code, { Timeout: 1 });
    await deploy(client, 'second', code, { Timeout: 1 });
    await deploy(client, 'plain', code, { Timeout: 1 });
  });
  after(() => server.close());

  it('each on its own port, both waiting, both past their timeout once attached', async () => {
    const first = invoke(client, 'first');
    const second = invoke(client, 'second');
    const [a, b] = await Promise.all([
      inspectorTargets(ports.first),
      inspectorTargets(ports.second),
    ]);
    assert.equal(a.length, 1);
    assert.equal(b.length, 1);
    const clients = await Promise.all([
      attachInspector(ports.first),
      attachInspector(ports.second),
    ]);
    try {
      const results = await Promise.all([first, second]);
      assert.deepEqual(
        results.map((r) => [r.functionError, r.json]),
        [
          [undefined, 'first'],
          [undefined, 'second'],
        ],
      );
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });

  it('a function not named is not debugged: its timeout applies', async () => {
    const result = await invoke(client, 'plain');
    assert.equal(result.functionError, 'Unhandled');
    assert.equal((result.json as { errorType: string }).errorType, 'Sandbox.Timedout');
  });

  it('a debugged function’s invocations take turns on its one environment', async () => {
    // The first environment is attached already (above); both calls run in it, one after the other.
    const clientAgain = await attachInspector(ports.first);
    try {
      const results = await Promise.all([invoke(client, 'first'), invoke(client, 'first')]);
      assert.deepEqual(
        results.map((r) => r.json),
        ['first', 'first'],
      );
      assert.equal(server.workers.environmentCount(), 3);
    } finally {
      await clientAgain.close();
    }
  });
});

const DEBUGPY = spawnSync('python3.11', ['-c', 'import debugpy'], { encoding: 'utf8' });
const debugpyMissing =
  DEBUGPY.status === 0
    ? false
    : `debugpy is not importable by python3.11 here (pip install debugpy): ${(DEBUGPY.stderr || String(DEBUGPY.error)).trim().split('\n').pop()}`;
if (debugpyMissing) process.stderr.write(`Python debugging test skips: ${debugpyMissing}\n`);

describe('debugging a Python function', () => {
  let server: TestServer;
  let client: LambdaClient;
  let port: number;
  before(async () => {
    port = await freePort();
    server = await startTestServer({ inMemory: true, debugFunctions: { py: port } });
    client = lambdaClient(server.url);
    await deploy(
      client,
      'py',
      {
        'app.py':
          'import time\ndef handler(event, context):\n    time.sleep(1.5)\n    return {"debugged": True}\n',
      },
      { Runtime: 'python3.11', Handler: 'app.handler', Timeout: 1 },
    );
  });
  after(() => server?.close());

  it(
    'waits for a debugpy client, then runs past its timeout',
    { skip: debugpyMissing },
    async () => {
      let settled = false;
      const call = invoke(client, 'py').finally(() => (settled = true));
      await waitForListener(port);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal(settled, false, 'held until a debugger attaches');
      const attached = await attachDebugpy(port);
      try {
        const result = await call;
        assert.equal(result.functionError, undefined, result.text);
        assert.deepEqual(result.json, { debugged: true });
      } finally {
        await attached.close();
      }
    },
  );

  it(
    'says plainly that it runs without a debugger when debugpy is missing',
    {
      skip: debugpyMissing ? false : 'debugpy is importable here',
    },
    async () => {
      const result = await invoke(client, 'py');
      assert.match(result.log, /debugpy is not importable by .*python.*runs without a debugger/);
    },
  );
});

const isolation = await detectSandbox('auto', true).then(
  () => false as const,
  (err: Error) => err.message,
);

describe('debugging under --isolate-network', { skip: isolation }, () => {
  it('a debugged environment keeps the host network, so the debugger reaches its port', async () => {
    const port = await freePort();
    const server = await startTestServer({
      inMemory: true,
      isolateNetwork: true,
      debugFunctions: { open: port },
    });
    try {
      const client = lambdaClient(server.url);
      await deploy(client, 'open', { 'index.js': 'exports.handler = async () => "reached";' });
      const call = invoke(client, 'open');
      const attached = await attachInspector(port);
      try {
        assert.equal((await call).json, 'reached');
      } finally {
        await attached.close();
      }
    } finally {
      await server.close();
    }
  });
});

describe('asimov serve with debugging', () => {
  it('prints the functions it debugs and how to attach', async () => {
    const port = await freePort();
    const serve = asimov([
      'serve',
      '--port',
      '0',
      '--in-memory',
      '--debug-function',
      `hello=${port}`,
      '--debug-port',
      String(port + 1),
    ]);
    let out = '';
    serve.child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const deadline = Date.now() + 20_000;
    while (!out.includes('remoteRoot') && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    serve.child.kill('SIGTERM');
    await serve.done;
    assert.match(out, new RegExp(`hello: port ${port}`));
    assert.match(out, new RegExp(`every other function: port ${port + 1}`));
    assert.match(out, /"type": "debugpy", "request": "attach"/);
  });
});
