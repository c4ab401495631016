import fs from 'node:fs';
import path from 'node:path';
import type { ContainerCreateOptions } from 'dockerode';
import type { EnvironmentSpec, ImageSpec } from '../executor.js';
import { launchCommand, needsLauncher } from '../extension-launcher.js';
import { LOG_DIR } from './container-output.js';
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

export interface ContainerSettings {
  /** Docker network of the containers; `host` lets the runtime reach 127.0.0.1 as the server does. */
  network: string;
  /** How a container on another network reaches this server (replaces 127.0.0.1 in its variables). */
  callbackHost: string;
  /** Lambda's sandbox user, sbx_user1051. */
  user: string;
  serverId: string;
  /**
   * How code, layers and output cross between this server and its containers: bind mounts and
   * FIFOs where the engine shares this filesystem, putArchive and the attach stream where it is
   * remote (src/executors/docker/code-copy.ts, container-output.ts).
   */
  transfer: 'mount' | 'copy';
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
  logDir: string | undefined,
  settings: ContainerSettings,
): ContainerCreateOptions {
  const memory = spec.memoryMb * 1048576;
  const functionName = spec.env.AWS_LAMBDA_FUNCTION_NAME ?? 'function';
  const attached = settings.transfer === 'copy';
  return {
    name: `asimov-${functionName}-${spec.id}`,
    Image: image,
    Entrypoint: entrypoint(spec, entry.command, settings.transfer),
    Cmd: [],
    Env: containerEnv(spec, settings),
    User: settings.user,
    WorkingDir: spec.image ? entry.workingDir : TASK_DIR,
    // A remote engine's flush markers and the launcher's gate (container-output.ts AttachedOutput).
    OpenStdin: attached,
    StdinOnce: false,
    Labels: {
      [LABEL]: '1',
      [SERVER_LABEL]: settings.serverId,
      [PID_NAMESPACE_LABEL]: PID_NAMESPACE,
      [ENVIRONMENT_LABEL]: spec.id,
    },
    ...debugPortOptions(spec, settings),
    ...networkNames(settings),
    HostConfig: {
      ...debugPortOptions(spec, settings).HostConfig,
      ...networkNames(settings).HostConfig,
      Binds: attached ? [] : binds(spec, logDir),
      // Where ATTACHED_ENTRY makes the launcher's gate: no trace of it in the function's /tmp.
      ...(attached ? { Tmpfs: { [LOG_DIR]: gateTmpfs(settings.user) } } : {}),
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

/**
 * The sandbox user's own small tmpfs. Owner, not mode: the engine forgets a tmpfs's mode when a
 * container starts again (after a reset), but not its uid and gid.
 */
function gateTmpfs(user: string): string {
  const [uid, gid = uid] = user.split(':');
  return `rw,uid=${uid},gid=${gid},mode=700,size=64k`;
}

function hasExtensions(spec: EnvironmentSpec): boolean {
  return (spec.extensions?.length ?? 0) > 0;
}

/** Code and layers read-only at Lambda's paths (an image function's /var/task is its own), and the log pipes. */
function binds(spec: EnvironmentSpec, logDir: string | undefined): string[] {
  const list = spec.image ? [] : [`${spec.taskRoot}:${TASK_DIR}:ro`];
  if (logDir) list.push(`${logDir}:${LOG_DIR}`);
  if (spec.optRoot) list.push(`${spec.optRoot}:${OPT_DIR}:ro`);
  return list;
}

/**
 * The runtime, through AWS's init steps when it has extensions or a wrapper
 * (src/executors/extension-launcher.ts), with its output sent where the server reads it: the
 * shell opens the log pipes (local engine) or arranges the attach stream's two channels
 * (remote), then becomes the launcher or the runtime.
 */
function entrypoint(
  spec: EnvironmentSpec,
  command: string[],
  transfer: 'mount' | 'copy',
): string[] {
  const [program, ...args] = command as [string, ...string[]];
  const launched = needsLauncher(spec)
    ? launchCommand(
        program,
        args,
        (spec.extensions ?? []).map((name) => `${OPT_DIR}/extensions/${name}`),
        spec.execWrapper === true,
      )
    : { command: program, args };
  return ['/bin/sh', '-c', redirections(spec, transfer), 'sh', launched.command, ...launched.args];
}

function redirections(spec: EnvironmentSpec, transfer: 'mount' | 'copy'): string {
  const extensions = hasExtensions(spec);
  if (transfer === 'mount') {
    const pipes = `>>${LOG_DIR}/stdout 2>>${LOG_DIR}/stderr`;
    return extensions
      ? `exec "$@" ${pipes} 4>>${LOG_DIR}/extensions <${LOG_DIR}/gate`
      : `exec "$@" ${pipes}`;
  }
  // The launcher's channel (fd 4) becomes stderr, the function's stderr joins its stdout.
  const runtime = extensions
    ? `exec "$@" 4>&2 2>&1 3<&- 7>&- <${LOG_DIR}/gate`
    : 'exec "$@" 3<&- 7>&- </dev/null';
  return `${ATTACHED_ENTRY}\n${runtime}`;
}

/**
 * On a remote engine, before the runtime: a reader of the attached stdin that answers `flush N`
 * with a marker on stdout and stderr (behind whatever the runtime printed before) and `release`
 * with a line on the launcher's gate, a FIFO it holds open (src/executors/docker/container-output.ts).
 */
const ATTACHED_ENTRY = [
  `[ -p ${LOG_DIR}/gate ] || mkfifo ${LOG_DIR}/gate`,
  `exec 3<&0 7<>${LOG_DIR}/gate`,
  '{ while read -r cmd arg <&3; do',
  '  case $cmd in',
  '    release) echo >&7 ;;',
  `    flush) printf '\\036flushed %s\\n' "$arg"; printf '\\036flushed %s\\n' "$arg" >&2 ;;`,
  '  esac',
  'done; } </dev/null &',
].join('\n');

/**
 * Extensions listen on sandbox.localdomain, the environment's own address: loopback on the
 * host's network, the container's address on a network of its own. There, the default callback
 * host, host.docker.internal, names the host on Linux too (Docker Desktop resolves it itself).
 */
function networkNames(
  settings: ContainerSettings,
): Pick<ContainerCreateOptions, 'Hostname' | 'Domainname' | 'HostConfig'> {
  if (settings.network === 'host')
    return { HostConfig: { ExtraHosts: ['sandbox.localdomain:127.0.0.1', 'sandbox:127.0.0.1'] } };
  return {
    Hostname: 'sandbox',
    Domainname: 'localdomain',
    HostConfig: { ExtraHosts: ['host.docker.internal:host-gateway'] },
  };
}
