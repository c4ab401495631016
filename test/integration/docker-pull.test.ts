import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { deploy, invoke } from '../helpers/functions.js';
import { executorsUnderTest } from '../helpers/executors.js';
import { freePort } from '../helpers/ports.js';
import { lambdaClient } from '../helpers/server.js';

/**
 * A runtime's image missing from the engine is pulled, with its progress on the server's log
 * (issue #6). No public registry is reachable here, so the registry is Debian's own
 * (docker-registry, which .ci/run installs), on loopback, holding the local provided image.
 */
const docker = executorsUnderTest().find((e) => e.name === 'docker')!;
const REGISTRY = '/usr/bin/docker-registry';
const skip =
  docker.skip || (fs.existsSync(REGISTRY) ? false : `no ${REGISTRY} (apt install docker-registry)`);
if (skip) process.stderr.write(`docker pull test skips: ${skip}\n`);

const BOOTSTRAP = `#!/bin/sh
api="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation"
while :; do
  id=$(curl -s -D - -o /tmp/event "$api/next" | tr -d '\\r' | sed -n 's/^[Ll]ambda-[Rr]untime-[Aa]ws-[Rr]equest-[Ii]d: //p')
  curl -s -o /dev/null -X POST "$api/$id/response" -d '"pulled and ran"'
done
`;

async function waitForRegistry(url: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/v2/`)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`no registry answers at ${url}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('docker executor pulls a missing runtime image', { skip }, () => {
  let registry: ChildProcess;
  let storage: string;
  let image: string;
  let server: RunningServer;
  const log: string[] = [];

  before(async () => {
    storage = fs.mkdtempSync(path.join(os.tmpdir(), 'asimov-registry-'));
    const port = await freePort();
    fs.writeFileSync(
      path.join(storage, 'config.yml'),
      `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${storage}/data\nhttp:\n  addr: 127.0.0.1:${port}\n`,
    );
    registry = spawn(REGISTRY, ['serve', path.join(storage, 'config.yml')], { stdio: 'ignore' });
    await waitForRegistry(`http://127.0.0.1:${port}`);
    // Loopback registries need no TLS: the engine trusts 127.0.0.0/8 as insecure by default.
    image = `127.0.0.1:${port}/lambda/provided:al2023`;
    const run = (...args: string[]) => {
      const done = spawnSync('docker', args, { encoding: 'utf8' });
      assert.equal(done.status, 0, `docker ${args.join(' ')}: ${done.stderr}`);
    };
    run('tag', 'asimov/lambda-provided:al2023-local', image);
    run('push', image);
    run('rmi', image);
    server = await startServer(
      loadConfig({
        port: 0,
        inMemory: true,
        quiet: true,
        printFunctionLogs: false,
        executor: 'docker',
        dockerImages: { 'provided.al2023': image },
      }),
      { log: (line) => log.push(line) },
    );
  });

  after(async () => {
    await server?.close();
    spawnSync('docker', ['rmi', image], { stdio: 'ignore' });
    registry?.kill();
    fs.rmSync(storage, { recursive: true, force: true });
  });

  it('pulls the image at the first cold start, saying so on the log, and runs the function', async () => {
    const client = lambdaClient(server.url);
    await deploy(client, 'pulled', [{ name: 'bootstrap', content: BOOTSTRAP, mode: 0o755 }], {
      Runtime: 'provided.al2023',
      Handler: 'x',
    });
    const out = await invoke(client, 'pulled');
    assert.equal(out.functionError, undefined, out.text);
    assert.equal(out.json, 'pulled and ran');
    const pulling = log.filter((line) => line.startsWith(`docker: pulling ${image}`));
    assert.ok(pulling.length >= 2, `progress lines on the log:\n${log.join('\n')}`);
    assert.ok(log.includes(`docker: pulled ${image}`), log.join('\n'));
    assert.equal(
      spawnSync('docker', ['image', 'inspect', image], { stdio: 'ignore' }).status,
      0,
      'the engine has the image now',
    );
  });
});
