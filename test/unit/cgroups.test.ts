import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { bwrapArgs } from '../../src/executors/process/bwrap.js';
import {
  cpuShares,
  cpuWeight,
  detectCgroups,
  parseMountinfo,
  parseProcCgroup,
} from '../../src/executors/process/cgroups.js';
import { sandboxLayout, sandboxView } from '../../src/executors/process/sandbox.js';
import { unshareFstab } from '../../src/executors/process/unshare.js';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'asimov-cgroups-unit-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

const read = (...parts: string[]) => fs.readFileSync(path.join(...parts), 'utf8');

describe('cgroup limits', () => {
  it('gives one vCPU of weight per 1,769 MB, as AWS does', () => {
    assert.equal(cpuShares(1769), 1024);
    assert.equal(cpuWeight(1769), 100);
    assert.equal(cpuShares(128), 74);
    assert.equal(cpuWeight(128), 7);
    assert.equal(cpuShares(10240), 5928);
    assert.equal(cpuWeight(10240), 579);
  });

  it('reads mountinfo and /proc/self/cgroup', () => {
    const mounts = parseMountinfo(
      '34 30 0:31 / /sys/fs/cgroup/memory rw,relatime shared:9 - cgroup cgroup rw,memory\n' +
        '40 30 0:37 / /sys/fs/cgroup/with\\040space rw,relatime - cgroup2 cgroup2 rw\n',
    );
    assert.deepEqual(mounts, [
      { mountPoint: '/sys/fs/cgroup/memory', fstype: 'cgroup', superOptions: 'rw,memory' },
      { mountPoint: '/sys/fs/cgroup/with space', fstype: 'cgroup2', superOptions: 'rw' },
    ]);
    const own = parseProcCgroup('4:memory:/process_api/x\n1:cpu,cpuacct:/\n0::/user.slice\n');
    assert.equal(own.get('memory'), '/process_api/x');
    assert.equal(own.get('cpu,cpuacct'), '/');
    assert.equal(own.get(''), '/user.slice');
  });

  it('makes v1 cgroups under its own, with memory, swap, pids and cpu limits', async () => {
    const root = path.join(scratch, 'v1');
    for (const c of ['memory/srv', 'pids', 'cpu,cpuacct'])
      fs.mkdirSync(path.join(root, c), { recursive: true });
    const probe = detectCgroups({
      mountinfo: [
        `34 30 0:31 / ${root}/memory rw - cgroup cgroup rw,memory`,
        `38 30 0:35 / ${root}/pids rw - cgroup cgroup rw,pids`,
        `31 30 0:28 / ${root}/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct`,
      ].join('\n'),
      selfCgroup: '4:memory:/srv\n8:pids:/\n1:cpu,cpuacct:/\n0::/\n',
      pid: 1,
    });
    assert.deepEqual(probe.warnings, []);
    assert.equal(probe.driver?.version, 1);
    const group = await probe.driver!.create('7.env', { memoryMb: 256 });
    const memory = path.join(root, 'memory/srv/asimov/7.env');
    assert.equal(read(memory, 'memory.limit_in_bytes'), String(256 * 1048576));
    assert.equal(read(memory, 'memory.memsw.limit_in_bytes'), String(256 * 1048576));
    assert.equal(read(root, 'pids/asimov/7.env/pids.max'), '1024');
    assert.equal(read(root, 'cpu,cpuacct/asimov/7.env/cpu.shares'), '148');
    assert.deepEqual(group.procsFiles, [
      path.join(memory, 'cgroup.procs'),
      path.join(root, 'pids/asimov/7.env/cgroup.procs'),
      path.join(root, 'cpu,cpuacct/asimov/7.env/cgroup.procs'),
    ]);
    fs.writeFileSync(path.join(memory, 'memory.max_usage_in_bytes'), '12345\n');
    fs.writeFileSync(path.join(memory, 'memory.oom_control'), 'oom_kill_disable 0\noom_kill 2\n');
    assert.equal(group.peakMemoryBytes(), 12345);
    assert.equal(group.oomKills(), 2);
  });

  it('uses v2 where it has the memory controller, and says what it lacks', async () => {
    const root = path.join(scratch, 'v2');
    fs.mkdirSync(path.join(root, 'svc/asimov'), { recursive: true });
    fs.writeFileSync(path.join(root, 'svc/cgroup.controllers'), 'cpu io memory\n');
    fs.writeFileSync(path.join(root, 'svc/asimov/cgroup.controllers'), 'cpu memory\n');
    const probe = detectCgroups({
      mountinfo: `40 30 0:37 / ${root} rw - cgroup2 cgroup2 rw`,
      selfCgroup: '0::/svc\n',
      pid: 1,
    });
    assert.equal(probe.driver?.version, 2);
    assert.deepEqual(probe.warnings, ['cgroup v2 has no pids controller (no pids limit)']);
    assert.equal(read(root, 'svc/cgroup.subtree_control'), '+memory +cpu');
    await probe.driver!.create('7.env', { memoryMb: 512 });
    const dir = path.join(root, 'svc/asimov/7.env');
    assert.equal(read(dir, 'memory.max'), String(512 * 1048576));
    assert.equal(read(dir, 'memory.swap.max'), '0');
    assert.equal(read(dir, 'memory.oom.group'), '1');
    assert.equal(read(dir, 'cpu.weight'), '29');
  });

  it('warns, never throws, where there is no hierarchy', () => {
    const probe = detectCgroups({ mountinfo: '', selfCgroup: '', pid: 1 });
    assert.equal(probe.driver, undefined);
    assert.match(probe.warnings[0]!, /no cgroup hierarchy/);
  });
});

describe('sandbox layout', () => {
  const host = { dirs: ['etc', 'usr'], symlinks: [{ name: 'bin', target: 'usr/bin' }] };
  const ops = sandboxLayout({
    host,
    taskRoot: '/data/code/trees/abc',
    tmpDir: '/scratch/1.e/tmp',
    runtimesDir: '/pkg/src/runtimes',
    runtimeApiDir: '/pkg/src/runtime-api',
    hidden: ['/usr/local/secret-that-does-not-exist', '/data'],
    exposed: ['/root/.pyenv/versions/3.11.7', '/usr/lib/python3'],
    overlays: [],
  });

  it('binds system directories, the code, the runtimes and /tmp, and nothing else', () => {
    assert.deepEqual(ops, [
      { op: 'ro-bind', src: '/etc', dest: '/etc' },
      { op: 'ro-bind', src: '/usr', dest: '/usr' },
      { op: 'symlink', target: 'usr/bin', dest: '/bin' },
      { op: 'proc', dest: '/proc' },
      { op: 'dev', dest: '/dev' },
      { op: 'tmpfs', dest: '/opt' },
      { op: 'ro-bind', src: '/root/.pyenv/versions/3.11.7', dest: '/root/.pyenv/versions/3.11.7' },
      { op: 'ro-bind', src: '/data/code/trees/abc', dest: '/var/task' },
      { op: 'ro-bind', src: '/pkg/src/runtimes', dest: '/var/runtime' },
      { op: 'ro-bind', src: '/pkg/src/runtime-api', dest: '/var/runtime-api' },
      { op: 'bind', src: '/scratch/1.e/tmp', dest: '/tmp' },
      { op: 'remount-ro', dest: '/opt' },
    ]);
  });

  it('renders bubblewrap arguments with 0755 parents and setpriv as root', () => {
    const args = bwrapArgs(ops, '/usr/bin/node', ['/var/runtime/nodejs/bootstrap.mjs'], {
      bwrap: 'bwrap',
      setpriv: '/usr/bin/setpriv',
    });
    const text = args.join(' ');
    assert.match(
      text,
      /^--unshare-pid --unshare-ipc --unshare-uts --unshare-cgroup-try --die-with-parent /,
    );
    assert.ok(!text.includes('--unshare-net') && !text.includes('--unshare-user'));
    assert.match(
      text,
      /--dir \/root --dir \/root\/\.pyenv --dir \/root\/\.pyenv\/versions --ro-bind/,
    );
    assert.match(text, /--dir \/var --ro-bind \/data\/code\/trees\/abc \/var\/task/);
    assert.match(
      text,
      /--chdir \/var\/task -- \/usr\/bin\/setpriv --reuid=993 --regid=990 --groups=990 --inh-caps=-all --bounding-set=-all --no-new-privs -- \/bin\/sh -c \. \/dev\/fd\/3 && exec 3<&- && exec "\$@" sh \/usr\/bin\/node \/var\/runtime\/nodejs\/bootstrap\.mjs$/,
    );
  });

  it('renders the same plan as an fstab for unshare', () => {
    const fstab = unshareFstab(
      [...ops, { op: 'ro-bind', src: '/with space', dest: '/var/task/x' }],
      '/r',
    );
    assert.match(fstab, /^\/etc \/r\/etc none rbind,ro,nosuid,nodev,X-mount\.mkdir 0 0$/m);
    assert.match(fstab, /^\/with\\040space \/r\/var\/task\/x none/m);
    assert.match(fstab, /^proc \/r\/proc proc /m);
    assert.ok(
      fstab.endsWith('none /r/opt none remount,bind,ro 0 0\nnone /r none remount,bind,ro 0 0\n'),
    );
  });

  it('shows the runtime /var/task and /var/runtime instead of host paths', () => {
    const view = sandboxView(
      {
        id: 'e',
        taskRoot: '/data/code/trees/abc',
        command: '/data/code/trees/abc/bootstrap',
        args: ['/pkg/src/runtimes/python/bootstrap.py'],
        env: {
          LAMBDA_TASK_ROOT: '/data/code/trees/abc',
          NODE_PATH: '/opt/nodejs/node_modules:/var/runtime:/data/code/trees/abc',
          URL: 'http://127.0.0.1:9001',
        },
        memoryMb: 128,
        ephemeralStorageMb: 512,
      },
      '/pkg/src/runtimes',
    );
    assert.deepEqual(view, {
      command: '/var/task/bootstrap',
      args: ['/var/runtime/python/bootstrap.py'],
      env: {
        LAMBDA_TASK_ROOT: '/var/task',
        NODE_PATH: '/opt/nodejs/node_modules:/var/runtime:/var/task',
        URL: 'http://127.0.0.1:9001',
      },
    });
  });
});
