import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  GetFunctionCommand,
  ListFunctionsCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { detectSandbox, type SandboxSetup } from '../../src/executors/process/detect.js';
import { deploy, invoke } from '../helpers/functions.js';
import { lambdaClient, startTestServer } from '../helpers/server.js';

/**
 * Hostile functions against the sandbox (issue #5): each tries to see or harm the server, the
 * host or another function, and must fail the way it would on AWS.
 */

/** A Node.js function that does what the event asks and reports what happened. */
const SPY = `
const fs = require('node:fs');
const tryIt = (fn) => { try { return { ok: true, value: fn() }; } catch (e) { return { ok: false, code: e.code }; } };
exports.handler = async (e) => {
  switch (e.op) {
    case 'read': return tryIt(() => fs.readdirSync(e.path));
    case 'write': return tryIt(() => fs.writeFileSync(e.path, 'x'));
    case 'exists': return fs.existsSync(e.path);
    case 'identity': {
      const status = fs.readFileSync('/proc/self/status', 'utf8');
      return { uid: process.getuid(), gid: process.getgid(), euid: process.geteuid(),
               capEff: /CapEff:\\s+(\\w+)/.exec(status)[1], capBnd: /CapBnd:\\s+(\\w+)/.exec(status)[1],
               taskRoot: process.env.LAMBDA_TASK_ROOT, cwd: process.cwd(), tricky: process.env.TRICKY };
    }
    case 'processes':
      return fs.readdirSync('/proc').filter((n) => /^\\d+$/.test(n))
        .map((pid) => tryIt(() => fs.readFileSync('/proc/' + pid + '/cmdline', 'utf8').split('\\0').join(' ').trim()))
        .map((r) => r.value ?? r.code);
    case 'allocate': {
      const kept = [];
      for (let i = 0; i < e.mb; i++) kept.push(Buffer.alloc(1048576, 1));
      return kept.length;
    }
    case 'fill-tmp': {
      const chunk = Buffer.alloc(1048576, 7);
      const fd = fs.openSync('/tmp/fill', 'w');
      let written = 0;
      try { for (;;) { fs.writeSync(fd, chunk); written++; } }
      catch (err) { return { written, code: err.code }; }
      finally { fs.closeSync(fd); fs.rmSync('/tmp/fill', { force: true }); }
    }
    case 'tmp-write': fs.writeFileSync('/tmp/' + e.name, 'kept'); return true;
    case 'tmp-read': return fs.existsSync('/tmp/' + e.name) ? fs.readFileSync('/tmp/' + e.name, 'utf8') : null;
    case 'sleep': await new Promise((r) => setTimeout(r, e.ms)); return 'woke';
    case 'network': {
      const reach = (url) => new Promise((resolve) => {
        require('node:http').get(url, (res) => { res.resume(); resolve(res.statusCode); })
          .on('error', (err) => resolve(err.code));
      });
      return { interfaces: Object.keys(require('node:os').networkInterfaces()),
               endpoint: await reach(process.env.AWS_ENDPOINT_URL + '/2015-03-31/functions/') };
    }
    case 'spawn': require('node:child_process').spawn('sleep', [e.arg], { stdio: 'ignore' }); return true;
    default: return 'ok';
  }
};`;

/** A Python function with a secret in its code and in its /tmp, and a fork bomb. */
const VICTIM = `
import os, subprocess, time

def handler(event, context):
    if event.get('bomb'):
        subprocess.Popen(['/bin/sh', '-c', 'b() { b | b & }; b'])
        time.sleep(60)
    with open('/tmp/victim-secret', 'w') as f:
        f.write('secret')
    return {'uid': os.getuid(), 'pids': sorted(int(p) for p in os.listdir('/proc') if p.isdigit())}
`;

async function sandboxOr(mode: 'auto' | 'unshare'): Promise<SandboxSetup | string> {
  try {
    const setup = await detectSandbox(mode, false);
    return setup.kind === 'none' ? setup.summary : setup;
  } catch (err) {
    return (err as Error).message;
  }
}

const auto = await sandboxOr('auto');
if (typeof auto === 'string') console.log(`# skipping the sandbox tests: ${auto}`);
const unshare = await sandboxOr('unshare');
if (typeof unshare === 'string') console.log(`# skipping the unshare sandbox tests: ${unshare}`);

const isolation = await detectSandbox('auto', true).then(
  () => undefined,
  (err: Error) => err.message,
);
if (isolation) console.log(`# skipping the isolated network test: ${isolation}`);

/** The function's variables reach it intact, whatever they hold (they travel as shell words). */
const TRICKY = `it's "quoted" \\ $HOME \`id\`\nsecond line`;

const hex = (base64: string) => Buffer.from(base64, 'base64').toString('hex');

describe(
  `hostile functions in the sandbox (${typeof auto === 'string' ? 'none' : auto.kind})`,
  { skip: typeof auto === 'string' },
  () => {
    const setup = auto as SandboxSetup;
    let server: Awaited<ReturnType<typeof startTestServer>>;
    let client: LambdaClient;
    let victimTree: string;
    before(async () => {
      server = await startTestServer({ sandbox: 'auto' });
      client = lambdaClient(server.url);
      await deploy(client, 'spy', { 'index.js': SPY }, { Environment: { Variables: { TRICKY } } });
      await deploy(client, 'big', { 'index.js': SPY }, { MemorySize: 1024, Timeout: 20 });
      await deploy(client, 'timer', { 'index.js': SPY }, { Timeout: 1 });
      await deploy(
        client,
        'victim',
        { 'app.py': VICTIM },
        { Runtime: 'python3.11', Handler: 'app.handler', Timeout: 2 },
      );
      const got = await client.send(new GetFunctionCommand({ FunctionName: 'victim' }));
      victimTree = path.join(server.dataDir, 'code', 'trees', hex(got.Configuration!.CodeSha256!));
      assert.ok(fs.existsSync(path.join(victimTree, 'app.py')), 'the victim tree is where we look');
    });
    after(() => server?.close());

    it('runs as uid 993 with no capabilities, code at /var/task', async () => {
      const id = (await invoke(client, 'spy', { op: 'identity' })).json;
      assert.deepEqual(id, {
        uid: 993,
        gid: 990,
        euid: 993,
        capEff: '0000000000000000',
        capBnd: '0000000000000000',
        taskRoot: '/var/task',
        cwd: '/var/task',
        tricky: TRICKY,
      });
      assert.equal(((await invoke(client, 'victim')).json as { uid: number }).uid, 993);
    });

    it("cannot read the server's data dir or another function's code", async () => {
      for (const where of [server.dataDir, victimTree, path.join(server.dataDir, 'code')])
        assert.deepEqual((await invoke(client, 'spy', { op: 'read', path: where })).json, {
          ok: false,
          code: 'ENOENT',
        });
      assert.equal((await invoke(client, 'spy', { op: 'exists', path: '/root' })).json, false);
      assert.equal((await invoke(client, 'spy', { op: 'exists', path: '/home' })).json, false);
      // Its own code is there, read-only.
      assert.deepEqual((await invoke(client, 'spy', { op: 'read', path: '/var/task' })).json, {
        ok: true,
        value: ['index.js'],
      });
      for (const where of ['/var/task/index.js', '/var/task/new.js', '/opt/x', '/usr/x'])
        assert.deepEqual((await invoke(client, 'spy', { op: 'write', path: where })).json, {
          ok: false,
          code: 'EROFS',
        });
    });

    it("does not see another function's /tmp", async () => {
      await invoke(client, 'victim');
      assert.equal(
        (await invoke(client, 'spy', { op: 'exists', path: '/tmp/victim-secret' })).json,
        false,
      );
    });

    it('sees only its own processes', async () => {
      const seen = (await invoke(client, 'spy', { op: 'processes' })).json as string[];
      assert.ok(seen.length <= 3, `few processes: ${JSON.stringify(seen)}`);
      assert.ok(seen.some((cmd) => cmd.includes('/var/runtime/nodejs/bootstrap.mjs')));
      assert.ok(!seen.some((cmd) => cmd.includes('--test')), 'not the test runner');
      const py = (await invoke(client, 'victim')).json as { pids: number[] };
      assert.ok(py.pids.length <= 3 && py.pids.every((p) => p <= 3), JSON.stringify(py.pids));
    });

    it(
      'is killed past its MemorySize with AWS error, and the next invoke works',
      { skip: !setup.cgroups && 'no cgroups here' },
      async () => {
        const killed = await invoke(client, 'spy', { op: 'allocate', mb: 400 });
        assert.equal(killed.functionError, 'Unhandled');
        const body = killed.json as { errorType: string; errorMessage: string };
        assert.equal(body.errorType, 'Runtime.ExitError');
        assert.match(
          body.errorMessage,
          /^RequestId: \S+ Error: Runtime exited with error: signal: killed$/,
        );
        assert.match(killed.log, /Memory Size: 128 MB\tMax Memory Used: 12[0-8] MB/);
        assert.equal((await invoke(client, 'spy', { op: 'allocate', mb: 20 })).json, 20);
        await client.send(new ListFunctionsCommand({})); // the server is unharmed
        // Max Memory Used comes from the cgroup.
        const used = await invoke(client, 'big', { op: 'allocate', mb: 200 });
        const mb = Number(/Max Memory Used: (\d+) MB/.exec(used.log)?.[1]);
        assert.ok(mb >= 200 && mb < 1024, `Max Memory Used ${mb} MB`);
      },
    );

    it(
      'contains a fork bomb, and the next invoke works',
      { skip: !setup.cgroups && 'no cgroups here' },
      async () => {
        const bombed = await invoke(client, 'victim', { bomb: true });
        assert.equal((bombed.json as { errorType: string }).errorType, 'Sandbox.Timedout');
        // Where the pids cgroups can be read (v1 here), their peaks show the bomb met the limit.
        const peaks = leftovers()
          .pids.map((dir) => path.join(dir, 'pids.peak'))
          .filter((file) => fs.existsSync(file))
          .map((file) => Number(fs.readFileSync(file, 'utf8')));
        if (peaks.length > 0) {
          const most = Math.max(...peaks);
          assert.ok(most > 100 && most <= 1024, `a bomb, contained: ${most} processes at most`);
        }
        const after = (await invoke(client, 'victim')).json as { uid: number; pids: number[] };
        assert.equal(after.uid, 993);
        assert.ok(after.pids.length <= 3, `the bomb is gone: ${after.pids.length} processes`);
      },
    );

    it(
      'gets ENOSPC past its EphemeralStorage',
      { skip: !setup.tmpfs && '/tmp cannot be a tmpfs here' },
      async () => {
        // tmpfs pages count as the function's memory, so MemorySize must exceed the 512 MB of /tmp.
        const filled = (await invoke(client, 'big', { op: 'fill-tmp' })).json as {
          written: number;
          code: string;
        };
        assert.equal(filled.code, 'ENOSPC');
        assert.ok(filled.written >= 500 && filled.written <= 512, `${filled.written} MB written`);
      },
    );

    it('keeps /tmp across a timeout reset', async () => {
      await invoke(client, 'timer', { op: 'tmp-write', name: 'marker' });
      const timedOut = await invoke(client, 'timer', { op: 'sleep', ms: 3000 });
      assert.equal((timedOut.json as { errorType: string }).errorType, 'Sandbox.Timedout');
      assert.equal(
        (await invoke(client, 'timer', { op: 'tmp-read', name: 'marker' })).json,
        'kept',
      );
    });

    it('leaves no process, cgroup or mount behind after shutdown', async () => {
      const before = leftovers();
      const own = await startTestServer({ inMemory: true, sandbox: 'auto' });
      const arg = `1000.${process.pid}`;
      try {
        const ownClient = lambdaClient(own.url);
        await deploy(ownClient, 'spawner', { 'index.js': SPY });
        await invoke(ownClient, 'spawner', { op: 'spawn', arg });
        assert.ok(sleepers(arg).length > 0, 'the child runs while the environment lives');
        if (setup.cgroups || setup.tmpfs) assert.notDeepEqual(leftovers(), before);
      } finally {
        await own.close();
      }
      assert.deepEqual(sleepers(arg), []);
      assert.deepEqual(leftovers(), before);
    });
  },
);

describe('an isolated network', { skip: isolation }, () => {
  it('reaches the Runtime API and nothing else', async () => {
    const isolatedUnshare = await detectSandbox('unshare', true).then(
      () => true,
      () => false,
    );
    const modes: ('auto' | 'unshare')[] = isolatedUnshare ? ['auto', 'unshare'] : ['auto'];
    for (const sandbox of modes) {
      const isolated = await startTestServer({ inMemory: true, sandbox, isolateNetwork: true });
      const shared = await startTestServer({ inMemory: true, sandbox });
      try {
        for (const [server, expected] of [
          [isolated, { interfaces: ['lo'], endpoint: 'ECONNREFUSED' }],
          [shared, { endpoint: 200 }],
        ] as const) {
          const c = lambdaClient(server.url);
          await deploy(c, 'net', { 'index.js': SPY });
          const got = (await invoke(c, 'net', { op: 'network' })).json as Record<string, unknown>;
          if (!('interfaces' in expected)) delete got.interfaces;
          assert.deepEqual(got, expected, sandbox);
        }
        // A reset starts the runtime again in the same namespace, still reaching the API.
        const c = lambdaClient(isolated.url);
        await invoke(c, 'net', { op: 'allocate', mb: 400 });
        assert.equal((await invoke(c, 'net', {})).json, 'ok');
      } finally {
        await isolated.close();
        await shared.close();
      }
    }
  });
});

describe('the unshare sandbox', { skip: typeof unshare === 'string' }, () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let client: LambdaClient;
  before(async () => {
    server = await startTestServer({ sandbox: 'unshare' });
    client = lambdaClient(server.url);
    await deploy(client, 'spy', { 'index.js': SPY });
  });
  after(() => server?.close());

  it('isolates as bubblewrap does', async () => {
    const id = (await invoke(client, 'spy', { op: 'identity' })).json as Record<string, unknown>;
    assert.equal(id.uid, 993);
    assert.equal(id.capEff, '0000000000000000');
    assert.equal(id.taskRoot, '/var/task');
    assert.equal(id.cwd, '/var/task');
    assert.deepEqual((await invoke(client, 'spy', { op: 'read', path: server.dataDir })).json, {
      ok: false,
      code: 'ENOENT',
    });
    assert.deepEqual((await invoke(client, 'spy', { op: 'write', path: '/var/task/x' })).json, {
      ok: false,
      code: 'EROFS',
    });
    const seen = (await invoke(client, 'spy', { op: 'processes' })).json as string[];
    assert.ok(seen.length <= 3, JSON.stringify(seen));
    const killed = await invoke(client, 'spy', { op: 'allocate', mb: 400 });
    assert.match(
      (killed.json as { errorMessage: string }).errorMessage,
      /Runtime exited with error: signal: killed$/,
    );
    assert.equal((await invoke(client, 'spy', { op: 'allocate', mb: 10 })).json, 10);
  });
});

/** Host processes running `sleep <arg>`. */
function sleepers(arg: string): string[] {
  return fs
    .readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8') === `sleep\0${arg}\0`;
      } catch {
        return false;
      }
    });
}

/** This process's environments: their /tmp mounts and cgroups (the other server's stay). */
function leftovers(): { mounts: number; cgroups: string[]; pids: string[] } {
  const mine = `${process.pid}.`;
  const mounts = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((line) => line.includes(`/asimov-envs/${mine}`)).length;
  const list = (top: string) =>
    fs.existsSync(top) ? fs.readdirSync(top).filter((n) => n.startsWith(mine)) : [];
  const pidsTop = '/sys/fs/cgroup/pids/asimov';
  const cgroups = [...list(pidsTop), ...list('/sys/fs/cgroup/cpu/asimov')];
  return { mounts, cgroups, pids: list(pidsTop).map((n) => path.join(pidsTop, n)) };
}
