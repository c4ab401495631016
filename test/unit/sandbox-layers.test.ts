import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  sandboxLayout,
  sandboxView,
  unsandboxedView,
} from '../../src/executors/process/sandbox.js';
import type { EnvironmentSpec } from '../../src/executors/executor.js';

/** Where a function's merged layers appear: /opt in a sandbox, their own place without one. */
describe('layers in the sandbox plan', () => {
  const optRoot = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'asimov-opt-')));
  fs.mkdirSync(path.join(optRoot, 'nodejs'));
  fs.mkdirSync(path.join(optRoot, 'python'));
  fs.symlinkSync('python', path.join(optRoot, 'lib'));
  fs.symlinkSync('missing', path.join(optRoot, 'dangling'));
  fs.symlinkSync('/etc', path.join(optRoot, 'escape'));
  after(() => fs.rmSync(optRoot, { recursive: true, force: true }));

  const layout = (exposed: string[], withLayers = true) =>
    sandboxLayout({
      host: { dirs: ['usr', 'etc'], symlinks: [] },
      taskRoot: '/code/tree',
      optRoot: withLayers ? optRoot : undefined,
      tmpDir: '/scratch/tmp',
      runtimesDir: '/pkg/src/runtimes',
      runtimeApiDir: '/pkg/src/runtime-api',
      hidden: [],
      exposed,
      overlays: [],
    }).filter((op) => op.dest === '/opt' || op.dest.startsWith('/opt/'));

  it('binds the merged tree read-only at /opt', () => {
    assert.deepEqual(layout([]), [{ op: 'ro-bind', src: optRoot, dest: '/opt' }]);
  });

  it('keeps an empty read-only /opt without layers', () => {
    assert.deepEqual(layout([], false), [
      { op: 'tmpfs', dest: '/opt' },
      { op: 'remount-ro', dest: '/opt' },
    ]);
  });

  it('binds each layer entry on a tmpfs when an interpreter lives under /opt', () => {
    assert.deepEqual(layout(['/opt/toolcache/python']), [
      { op: 'tmpfs', dest: '/opt' },
      { op: 'ro-bind', src: path.join(optRoot, 'python'), dest: '/opt/lib' },
      { op: 'ro-bind', src: path.join(optRoot, 'nodejs'), dest: '/opt/nodejs' },
      { op: 'ro-bind', src: path.join(optRoot, 'python'), dest: '/opt/python' },
      { op: 'ro-bind', src: '/opt/toolcache/python', dest: '/opt/toolcache/python' },
      { op: 'remount-ro', dest: '/opt' },
    ]);
  });

  const spec: EnvironmentSpec = {
    id: 'e',
    taskRoot: '/code/tree',
    optRoot,
    command: path.join(optRoot, 'bootstrap'),
    args: [],
    env: {
      NODE_PATH: '/opt/nodejs/node_modules:/code/tree',
      PATH: '/usr/bin:/opt/bin',
      X: '/optional',
    },
    memoryMb: 128,
    ephemeralStorageMb: 512,
  };

  it('shows the layers bootstrap as /opt/bootstrap inside a sandbox', () => {
    const view = sandboxView(spec, '/pkg/src/runtimes');
    assert.equal(view.command, '/opt/bootstrap');
    assert.equal(view.env.NODE_PATH, '/opt/nodejs/node_modules:/var/task');
  });

  it('points /opt paths at the merged tree without a sandbox', () => {
    const view = unsandboxedView(spec);
    assert.equal(view.command, path.join(optRoot, 'bootstrap'));
    assert.equal(view.env.NODE_PATH, `${optRoot}/nodejs/node_modules:/code/tree`);
    assert.equal(view.env.PATH, `/usr/bin:${optRoot}/bin`);
    assert.equal(view.env.X, '/optional');
    assert.equal(view.env._ASIMOV_OPT_ROOT, optRoot);
  });
});
