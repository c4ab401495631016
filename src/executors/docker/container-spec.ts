import fs from 'node:fs';
import path from 'node:path';
import type { ContainerCreateOptions } from 'dockerode';
import type { EnvironmentSpec, ImageSpec } from '../executor.js';
import { LAMBDA_PATH } from '../../workers/lambda-environment.js';
import {
  ENVIRONMENT_LABEL,
  LABEL,
  PID_NAMESPACE,
  PID_NAMESPACE_LABEL,
  SERVER_LABEL,
} from './engine.js';
import type { ImageProcess } from './images.js';

/** Where Lambda puts things inside every environment. */
export const TASK_DIR = '/var/task';
export const OPT_DIR = '/opt';
/** AWS's managed runtimes start here; AWS's base images and ours both have it. */
export const RUNTIME_BOOTSTRAP = '/var/runtime/bootstrap';
/** The environment's log pipes (src/executors/docker/docker-executor.ts LogPipes). */
export const LOG_DIR = '/var/asimov';

export interface ContainerSettings {
  /** Docker network of the containers; `host` lets the runtime reach 127.0.0.1 as the server does. */
  network: string;
  /** How a container on another network reaches this server (replaces 127.0.0.1 in its variables). */
  callbackHost: string;
  /** Lambda's sandbox user, sbx_user1051. */
  user: string;
  serverId: string;
}

/** The program a container starts: the image's own entry point, or Lambda's bootstrap search. */
export type Entry =
  | { kind: 'bootstrap'; command: string[]; workingDir?: string; handler?: string }
  | { kind: 'refused'; spawnError: 'ENOENT' | 'EACCES' };

/**
 * What an image function's container runs, as Lambda runs it: ImageConfig's EntryPoint and
 * Command each replace the image's ENTRYPOINT and CMD, WorkingDirectory its WORKDIR. An image
 * with nothing to run is refused as a missing bootstrap is (Runtime.InvalidEntrypoint).
 */
export function imageEntry(image: ImageSpec, own: ImageProcess): Entry {
  const args = image.command ?? own.command;
  const command = [...(image.entryPoint ?? own.entryPoint), ...args];
  if (command.length === 0) return { kind: 'refused', spawnError: 'ENOENT' };
  const workingDir = image.workingDirectory ?? own.workingDirectory;
  return { kind: 'bootstrap', command, workingDir, handler: args[0] };
}

/**
 * What the runtime runs: a managed runtime's /var/runtime/bootstrap, or for provided.* the
 * function's bootstrap, which AWS looks for in /var/task, then /opt. Checked on the host, as the
 * sandbox user sees it (a file of this server's user is "other" to uid 993): AWS answers a missing
 * or non-executable bootstrap with Runtime.InvalidEntrypoint before anything runs.
 */
export function entryFor(spec: EnvironmentSpec): Entry {
  if (!spec.command.startsWith(`${spec.taskRoot}/`))
    return { kind: 'bootstrap', command: [RUNTIME_BOOTSTRAP] };
  const found = [
    { host: spec.command, inside: TASK_DIR + spec.command.slice(spec.taskRoot.length) },
    ...(spec.optRoot
      ? [{ host: path.join(spec.optRoot, 'bootstrap'), inside: `${OPT_DIR}/bootstrap` }]
      : []),
  ].find((c) => fs.existsSync(c.host));
  if (!found) return { kind: 'refused', spawnError: 'ENOENT' };
  const stat = fs.statSync(found.host);
  if (!stat.isFile() || (stat.mode & 0o001) === 0) return { kind: 'refused', spawnError: 'EACCES' };
  return { kind: 'bootstrap', command: [found.inside, ...spec.args] };
}

/**
 * The function's variables as the container sees them: host paths of the code and layers become
 * /var/task and /opt, PATH is Lambda's own (no host interpreter directory), and on a network
 * other than the host's, 127.0.0.1 becomes the address that reaches this server.
 */
export function containerEnv(spec: EnvironmentSpec, settings: ContainerSettings): string[] {
  const roots: [string, string][] = [[spec.taskRoot, TASK_DIR]];
  if (spec.optRoot) roots.push([spec.optRoot, OPT_DIR]);
  const inside = (value: string): string => {
    for (const [host, dir] of roots) {
      if (value === host) return dir;
      if (value.startsWith(`${host}/`)) return dir + value.slice(host.length);
    }
    return value;
  };
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(spec.env))
    env[key] = value.includes('/') ? value.split(':').map(inside).join(':') : value;
  env.LAMBDA_TASK_ROOT = TASK_DIR;
  env.PATH = LAMBDA_PATH;
  if (spec.image) {
    // An image's own ENV PATH and LD_LIBRARY_PATH stand, as on Lambda.
    delete env.PATH;
    delete env.LD_LIBRARY_PATH;
  }
  if (settings.network !== 'host') {
    for (const key of ['AWS_LAMBDA_RUNTIME_API', 'AWS_ENDPOINT_URL'])
      if (env[key])
        env[key] = env[key].replace(/127\.0\.0\.1|0\.0\.0\.0|localhost/, settings.callbackHost);
  }
  return Object.entries(env).map(([key, value]) => `${key}=${value}`);
}

/** A debugged container on a network of its own publishes its debug port on the host's loopback. */
function debugPortOptions(
  spec: EnvironmentSpec,
  settings: ContainerSettings,
): Pick<ContainerCreateOptions, 'ExposedPorts' | 'HostConfig'> {
  if (spec.debugPort === undefined || settings.network === 'host') return {};
  const port = `${spec.debugPort}/tcp`;
  return {
    ExposedPorts: { [port]: {} },
    HostConfig: {
      PortBindings: { [port]: [{ HostIp: '127.0.0.1', HostPort: String(spec.debugPort) }] },
    },
  };
}

/** AWS gives a function CPU in proportion to its memory: one vCPU at 1,769 MB (a weight here, not a cap). */
const MB_PER_VCPU = 1769;

export function containerOptions(
  spec: EnvironmentSpec,
  image: string,
  entry: { command: string[]; workingDir?: string },
  logDir: string,
  settings: ContainerSettings,
): ContainerCreateOptions {
  // An image function's /var/task is the image's own.
  const binds = spec.image
    ? [`${logDir}:${LOG_DIR}`]
    : [`${spec.taskRoot}:${TASK_DIR}:ro`, `${logDir}:${LOG_DIR}`];
  if (spec.optRoot) binds.push(`${spec.optRoot}:${OPT_DIR}:ro`);
  const memory = spec.memoryMb * 1048576;
  const functionName = spec.env.AWS_LAMBDA_FUNCTION_NAME ?? 'function';
  return {
    name: `asimov-${functionName}-${spec.id}`,
    Image: image,
    // The shell sends the runtime's output to the log pipes, then becomes the runtime.
    Entrypoint: [
      '/bin/sh',
      '-c',
      `exec "$@" >>${LOG_DIR}/stdout 2>>${LOG_DIR}/stderr`,
      'sh',
      ...entry.command,
    ],
    Cmd: [],
    Env: containerEnv(spec, settings),
    User: settings.user,
    WorkingDir: spec.image ? entry.workingDir : TASK_DIR,
    Labels: {
      [LABEL]: '1',
      [SERVER_LABEL]: settings.serverId,
      [PID_NAMESPACE_LABEL]: PID_NAMESPACE,
      [ENVIRONMENT_LABEL]: spec.id,
    },
    ...debugPortOptions(spec, settings),
    HostConfig: {
      ...debugPortOptions(spec, settings).HostConfig,
      Binds: binds,
      NetworkMode: settings.network,
      Memory: memory,
      MemorySwap: memory,
      CpuShares: Math.max(2, Math.round((1024 * spec.memoryMb) / MB_PER_VCPU)),
      PidsLimit: 1024,
      // An init as PID 1, as in Lambda: the runtime can signal itself, and orphans are reaped.
      Init: true,
    },
  };
}
