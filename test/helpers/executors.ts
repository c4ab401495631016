import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { ConfigInput } from '../../src/config.js';

/** One executor the Invoke suites run under, with what its servers need and why it may skip. */
export interface ExecutorUnderTest {
  name: 'process' | 'docker';
  /** Added to a suite's name; empty for the process executor, whose suites keep their names. */
  suffix: string;
  config: ConfigInput;
  /** Why this executor's suites skip here (printed by node:test), or false. */
  skip: string | false;
}

const ROOT = path.resolve(import.meta.dirname, '../..');
const LOCAL_IMAGES = [
  'asimov/lambda-nodejs:local',
  'asimov/lambda-python:3.11-local',
  'asimov/lambda-provided:al2023-local',
];

/**
 * Whether the docker executor can run here: an engine that answers (started with
 * scripts/start-dockerd.sh when none does and this user may), and the local worker images (built
 * with scripts/images-local.sh when missing). Only an engine that cannot start skips the suites.
 * Decided once per test process.
 */
function dockerSkipReason(): string | false {
  if (process.env.ASIMOV_TEST_DOCKER === '0') return 'ASIMOV_TEST_DOCKER=0';
  const answers = () =>
    spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 20_000 }).status === 0;
  if (!answers()) {
    const started = spawnSync('bash', [path.join(ROOT, 'scripts/start-dockerd.sh')], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (started.status !== 0 || !answers())
      return `no Docker engine could be started: ${(started.stderr || started.stdout || String(started.error)).trim().split('\n').slice(-3).join(' | ')}`;
  }
  // Images built before they had AWS's /lambda-entrypoint.sh (Image functions build FROM them) are stale.
  const missing = LOCAL_IMAGES.filter(
    (image) =>
      !spawnSync('docker', ['image', 'inspect', '--format', '{{json .Config.Entrypoint}}', image], {
        encoding: 'utf8',
      }).stdout?.includes('/lambda-entrypoint.sh'),
  );
  if (missing.length > 0) {
    const built = spawnSync('bash', [path.join(ROOT, 'scripts/images-local.sh')], {
      encoding: 'utf8',
      timeout: 600_000,
    });
    if (built.status !== 0)
      throw new Error(`npm run images:local failed:\n${built.stdout}${built.stderr}`);
  }
  return false;
}

let dockerSkip: string | false | undefined;

/** The process executor always; the docker executor where an engine runs. */
export function executorsUnderTest(): ExecutorUnderTest[] {
  dockerSkip ??= dockerSkipReason();
  if (dockerSkip) process.stderr.write(`docker executor suites skip: ${dockerSkip}\n`);
  return [
    { name: 'process', suffix: '', config: {}, skip: false },
    {
      name: 'docker',
      suffix: ' (docker executor)',
      config: { executor: 'docker' },
      skip: dockerSkip,
    },
  ];
}
