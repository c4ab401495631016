import fs from 'node:fs';
import os from 'node:os';
import Docker from 'dockerode';
import { errorText } from './images.js';

/** Every container of ours carries this label; the others name the server that made it. */
export const LABEL = 'asimov.lambda';
export const SERVER_LABEL = 'asimov.lambda.server';
export const ENVIRONMENT_LABEL = 'asimov.lambda.environment';
/**
 * The server's PID namespace: a server in a container (sharing the host's engine and, with host
 * networking, its hostname) sees other pids, and must not take the host's live servers for dead
 * ones, nor they it.
 */
export const PID_NAMESPACE_LABEL = 'asimov.lambda.pid-namespace';

/**
 * The engine at `host` (unix:///path or tcp://host:port), else the one DOCKER_HOST names
 * (dockerode reads it), else /var/run/docker.sock; refuses if none answers.
 */
export async function connectEngine(host?: string): Promise<{ docker: Docker; version: string }> {
  const docker = new Docker(host ? engineAddress(host) : undefined);
  try {
    const info = (await docker.version()) as { Version?: string; ApiVersion?: string };
    return { docker, version: info.Version ?? 'unknown' };
  } catch (err) {
    const where = host ?? process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
    throw new NoEngineError(`no Docker engine answers at ${where} (${errorText(err)})`);
  }
}

/** No engine answered; the message says where it looked and why it failed, the caller adds the fix. */
export class NoEngineError extends Error {
  static readonly FIX =
    'Start one (sudo scripts/start-dockerd.sh, or systemctl start docker) or point DOCKER_HOST at one.';

  get withFix(): string {
    return `--executor docker: ${this.message}. ${NoEngineError.FIX}`;
  }
}

/** An engine reached over the network (DOCKER_HOST or --docker-host tcp://, ssh://, http(s)://). */
export function engineIsRemote(host?: string): boolean {
  const address = host ?? process.env.DOCKER_HOST ?? '';
  return /^(tcp|ssh|https?):\/\//.test(address);
}

function engineAddress(host: string): Docker.DockerOptions {
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  const url = new URL(host.replace(/^tcp:/, 'http:'));
  return { host: url.hostname, port: Number(url.port || 2375), protocol: 'http' };
}

/**
 * Who made a container: host, pid and the process's start time, so that a pid reused by another
 * process does not keep a dead server's containers alive.
 */
export function serverIdentity(pid = process.pid): string {
  return `${os.hostname()}/${pid}/${processStart(pid) ?? '?'}`;
}

/** The inode of this process's PID namespace (`pid:[4026531836]`), for PID_NAMESPACE_LABEL. */
export const PID_NAMESPACE = ((): string => {
  try {
    return /\[(\d+)\]/.exec(fs.readlinkSync('/proc/self/ns/pid'))?.[1] ?? '?';
  } catch {
    return '?';
  }
})();

/** Field 22 of /proc/<pid>/stat, the start time in clock ticks since boot. */
function processStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/**
 * A server of this host and PID namespace that no longer runs; servers of other hosts or
 * namespaces sharing the engine are left alone.
 */
function deadServer(identity: string, namespace: string | undefined): boolean {
  const [host, pid] = identity.split('/');
  if (host !== os.hostname() || pid === undefined || !/^\d+$/.test(pid)) return false;
  if (namespace !== undefined && namespace !== PID_NAMESPACE) return false;
  if (Number(pid) === process.pid) return false;
  return serverIdentity(Number(pid)) !== identity;
}

/** Removes the containers that servers which died (SIGKILL, a crash) left behind. */
export async function sweepLeftovers(docker: Docker): Promise<number> {
  const containers = await docker.listContainers({
    all: true,
    filters: { label: [`${LABEL}=1`] },
  });
  const stale = containers.filter((c) =>
    deadServer(c.Labels[SERVER_LABEL] ?? '', c.Labels[PID_NAMESPACE_LABEL]),
  );
  await Promise.all(
    stale.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch(() => undefined),
    ),
  );
  return stale.length;
}
