import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { PACKAGE_ROOT, RUNTIMES_DIR } from '../../paths.js';
import type {
  EnvironmentHandle,
  EnvironmentSpec,
  Executor,
  RuntimeExit,
  RuntimeProcess,
} from '../executor.js';
import { launchCommand, needsLauncher } from '../extension-launcher.js';
import { bwrapArgs } from './bwrap.js';
import type { EnvironmentCgroup } from './cgroups.js';
import type { SandboxSetup } from './detect.js';
import {
  LAUNCH_ENV,
  SANDBOX_GID,
  SANDBOX_UID,
  envScript,
  identityOverlays,
  interpreterPrefixes,
  readHostRoot,
  sandboxLayout,
  sandboxView,
  unsandboxedView,
  type HostRoot,
  type MountOp,
} from './sandbox.js';
import { NetworkBridge } from './network.js';
import { unshareArgs, unshareFstab } from './unshare.js';

export interface ProcessExecutorOptions {
  /** The sandbox found at start; none (or absent) runs plain processes. */
  sandbox?: SandboxSetup;
  /** Host paths no function may see: the server's data dir, the code store. */
  hiddenPaths?: readonly string[];
  /** Where environments' private directories live on the host. */
  scratchRoot?: string;
  /** Problems met while the server runs (a cgroup or tmpfs that could not be made). */
  warn?: (line: string) => void;
}

const RUNTIME_API_SRC = path.join(PACKAGE_ROOT, 'src', 'runtime-api');

/**
 * Runs each environment's runtime as a local child process, in its own process group so that
 * whatever it forks dies with it, inside the sandbox found at start (src/executors/process/
 * sandbox.ts describes what a function sees) with its cgroup's limits.
 */
export class ProcessExecutor implements Executor {
  readonly name = 'process';
  private readonly scratchRoot: string;
  private readonly sandbox: SandboxSetup | undefined;
  private hostRoot: HostRoot | undefined;
  private overlays: { src: string; dest: string }[] | undefined;
  private readonly hidden: string[];

  constructor(private readonly options: ProcessExecutorOptions = {}) {
    // One per user: another user's server may have made the shared name first.
    const uid = process.getuid?.() ?? 0;
    this.scratchRoot =
      options.scratchRoot ??
      path.join(os.tmpdir(), uid === 0 ? 'asimov-envs' : `asimov-envs-${uid}`);
    this.sandbox = options.sandbox?.kind === 'none' ? undefined : options.sandbox;
    // The cgroup tree would show every other environment's usage.
    this.hidden = [
      ...(options.hiddenPaths ?? []),
      this.scratchRoot,
      PACKAGE_ROOT,
      '/sys/fs/cgroup',
    ].map(real);
  }

  /**
   * Removes what servers that died left behind: environments are named `<server pid>.<id>`, and
   * those of a pid that no longer runs have their /tmp unmounted and their cgroups removed.
   */
  async sweep(): Promise<void> {
    const stale = (name: string) => {
      const pid = /^(\d+)\.[0-9a-f]+$/.exec(name)?.[1];
      return pid !== undefined && Number(pid) !== process.pid && !isRunning(Number(pid));
    };
    await this.sandbox?.cgroups?.sweep(stale);
    let names: string[] = [];
    try {
      names = await fs.readdir(this.scratchRoot);
    } catch {
      return;
    }
    for (const name of names.filter(stale)) {
      const tmp = path.join(this.scratchRoot, name, 'tmp');
      if (this.sandbox?.tmpfs) await unmount(this.sandbox, tmp);
      await fs.rm(path.join(this.scratchRoot, name), { recursive: true, force: true });
    }
  }

  async createEnvironment(spec: EnvironmentSpec): Promise<EnvironmentHandle> {
    const root = path.join(this.scratchRoot, `${process.pid}.${spec.id}`);
    const tmpDir = path.join(root, 'tmp');
    await fs.mkdir(tmpDir, { recursive: true, mode: 0o700 });
    if (!this.sandbox) return new ProcessEnvironment(spec, tmpDir, root);
    const sandbox = this.sandbox;
    let cgroup: EnvironmentCgroup | undefined;
    try {
      // /tmp is owned by the sandbox user (a tmpfs is mounted over it at the first start).
      if (sandbox.root) await fs.chown(tmpDir, SANDBOX_UID, SANDBOX_GID);
      cgroup = await this.createCgroup(spec);
      const ops = sandboxLayout({
        host: (this.hostRoot ??= readHostRoot()),
        taskRoot: spec.taskRoot,
        optRoot: spec.optRoot,
        tmpDir,
        runtimesDir: RUNTIMES_DIR,
        runtimeApiDir: RUNTIME_API_SRC,
        hidden: this.hidden,
        exposed: [...interpreterPrefixes(spec.command, spec.taskRoot), ...resolverDirs()],
        overlays: (this.overlays ??= identityOverlays(path.join(this.scratchRoot, '.etc'))),
      });
      if (sandbox.kind === 'unshare') {
        await fs.mkdir(path.join(root, 'root'), { mode: 0o700 });
        await fs.writeFile(path.join(root, 'fstab'), unshareFstab(ops, path.join(root, 'root')));
      }
      // A debugger must reach the runtime's port: a debugged environment keeps the host's network.
      const bridge =
        sandbox.isolateNetwork && spec.debugPort === undefined
          ? await NetworkBridge.start(
              {
                kind: sandbox.kind === 'unshare' ? 'unshare' : 'bwrap',
                bwrap: sandbox.bwrap,
                unshare: sandbox.unshare?.unshare,
                ip: sandbox.ip,
                sh: sandbox.sh,
              },
              root,
              spec.env.AWS_LAMBDA_RUNTIME_API ?? '',
            )
          : undefined;
      return new SandboxedEnvironment(
        spec,
        sandbox,
        ops,
        root,
        tmpDir,
        cgroup,
        bridge,
        this.options.warn ?? (() => undefined),
      );
    } catch (err) {
      await cgroup?.destroy().catch(() => undefined);
      await fs.rm(root, { recursive: true, force: true }).catch(() => undefined);
      throw err;
    }
  }

  private async createCgroup(spec: EnvironmentSpec): Promise<EnvironmentCgroup | undefined> {
    const driver = this.sandbox?.cgroups;
    if (!driver) return undefined;
    try {
      return await driver.create(`${process.pid}.${spec.id}`, { memoryMb: spec.memoryMb });
    } catch (err) {
      this.options.warn?.(
        `WARNING: environment ${spec.id} runs without cgroup limits: ${(err as Error).message}`,
      );
      return undefined;
    }
  }
}

/** An unsandboxed environment: the runtime runs as this server's user, with its own TMPDIR. */
class ProcessEnvironment implements EnvironmentHandle {
  private running: ProcessRuntime | undefined;

  constructor(
    private readonly spec: EnvironmentSpec,
    readonly tmpDir: string,
    private readonly root: string,
  ) {}

  startRuntime(): RuntimeProcess {
    const view = unsandboxedView(this.spec);
    const optDir = this.spec.optRoot ?? '/opt';
    const start = launched(this.spec, view.command, this.spec.args, `${optDir}/extensions`);
    const child = spawn(start.command, start.args, {
      cwd: this.spec.taskRoot,
      env: { ...view.env, TMPDIR: this.tmpDir },
      stdio: stdioFor(this.spec, 'ignore'),
      detached: true,
    });
    this.running = new ProcessRuntime(child);
    return this.running;
  }

  async destroy(): Promise<void> {
    await this.running?.kill();
    await fs.rm(this.root, { recursive: true, force: true });
  }
}

/**
 * A sandboxed environment: the sandbox is built again at every runtime start (after a reset), on
 * the same /tmp and cgroup, which live as long as the environment. When there is a cgroup, a
 * shell joins it before exec'ing the sandbox, so that nothing of the sandbox runs outside it.
 */
class SandboxedEnvironment implements EnvironmentHandle {
  readonly tmpDir = '/tmp';
  private running: ProcessRuntime | undefined;
  /** Whether the tmpfs of /tmp was mounted (by the first start's launcher). */
  private tmpMounted = false;

  constructor(
    private readonly spec: EnvironmentSpec,
    private readonly sandbox: SandboxSetup,
    private readonly ops: MountOp[],
    private readonly root: string,
    private readonly hostTmp: string,
    private readonly cgroup: EnvironmentCgroup | undefined,
    private readonly bridge: NetworkBridge | undefined,
    private readonly warn: (line: string) => void,
  ) {}

  startRuntime(): RuntimeProcess {
    const refused = this.refusal();
    if (refused) return refused;
    const view = sandboxView(this.spec, RUNTIMES_DIR);
    const start = launched(this.spec, view.command, view.args, '/opt/extensions');
    const argv =
      this.sandbox.kind === 'bwrap'
        ? [
            this.sandbox.bwrap!,
            ...bwrapArgs(this.ops, start.command, start.args, {
              bwrap: this.sandbox.bwrap!,
              setpriv: this.sandbox.setpriv,
            }),
          ]
        : [
            this.sandbox.unshare!.unshare,
            ...unshareArgs(
              this.sandbox.unshare!,
              this.ops,
              path.join(this.root, 'root'),
              path.join(this.root, 'fstab'),
              start.command,
              start.args,
            ),
          ];
    const networked = this.bridge
      ? [this.sandbox.nsenter!, `--net=${this.bridge.netns}`, '--', ...argv]
      : argv;
    // A shell prepares the start, so that the server forks once per start: it joins the
    // cgroups (before anything of the sandbox runs) and, the first time, mounts /tmp.
    const steps = (this.cgroup?.procsFiles ?? []).map(
      (file) => `echo $$ > ${quote(file)} || exit 125`,
    );
    if (this.sandbox.tmpfs && this.sandbox.mount && !this.tmpMounted) {
      const options = `size=${this.spec.ephemeralStorageMb}m,mode=0700,uid=${SANDBOX_UID},gid=${SANDBOX_GID},nosuid,nodev`;
      steps.push(
        `${quote(this.sandbox.mount)} -t tmpfs -o ${options} asimov-tmp ${quote(this.hostTmp)} ||` +
          ` echo 'asimov: warning: /tmp is not limited to EphemeralStorage' >&2`,
      );
      this.tmpMounted = true;
    }
    const joined =
      steps.length > 0
        ? [this.sandbox.sh, '-c', `${steps.join('\n')}\nexec "$@"`, 'sh', ...networked]
        : networked;
    const envFd = this.envFile(view.env);
    let child: ChildProcess;
    try {
      child = spawn(joined[0]!, joined.slice(1), {
        cwd: '/',
        env: LAUNCH_ENV,
        stdio: stdioFor(this.spec, envFd),
        detached: true,
      });
    } finally {
      fsSync.closeSync(envFd);
    }
    this.running = new ProcessRuntime(child, this.cgroup, true);
    return this.running;
  }

  /**
   * The function's variables as a file the runtime's loader reads as fd 3 (an unlinked file:
   * /dev/fd/3 of a socket, which is what Node's pipes are, cannot be opened).
   */
  private envFile(env: Record<string, string>): number {
    const file = path.join(this.root, `env-${process.hrtime.bigint()}`);
    fsSync.writeFileSync(file, envScript(env), { mode: 0o600 });
    try {
      if (this.sandbox.root) fsSync.chownSync(file, SANDBOX_UID, SANDBOX_GID);
      return fsSync.openSync(file, 'r');
    } finally {
      fsSync.unlinkSync(file);
    }
  }

  connect(port: number): net.Socket {
    return this.bridge ? this.bridge.connectInside(port) : net.connect(port, '127.0.0.1');
  }

  /** Every part is removed even when another cannot be; what is left is said, and swept at the next start. */
  async destroy(): Promise<void> {
    const steps = [
      () => this.running?.kill(),
      () => this.cgroup?.destroy(),
      () => this.bridge?.close(),
      () => (this.tmpMounted ? unmount(this.sandbox, this.hostTmp) : undefined),
      () => fs.rm(this.root, { recursive: true, force: true }),
    ];
    for (const step of steps) {
      try {
        await step();
      } catch (err) {
        this.warn(`WARNING: environment ${this.spec.id}: ${(err as Error).message}`);
      }
    }
  }

  /**
   * AWS's answers for a bootstrap that is missing or not executable come from the spawn error;
   * inside a sandbox the exec happens out of sight, so the same checks are made beforehand
   * (for the sandbox user: a root server's files are "other" to uid 993).
   */
  private refusal(): RuntimeProcess | undefined {
    const command = this.spec.command;
    if (!path.isAbsolute(command)) return undefined;
    let stat: fsSync.Stats;
    try {
      stat = fsSync.statSync(command);
    } catch (err) {
      return refusedRuntime((err as NodeJS.ErrnoException).code ?? 'ENOENT');
    }
    const execBits = this.sandbox.root ? 0o001 : 0o111;
    if (!stat.isFile() || (stat.mode & execBits) === 0) return refusedRuntime('EACCES');
    return undefined;
  }
}

/** A word for sh -c, whatever it contains. */
function quote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

class ProcessRuntime implements RuntimeProcess {
  readonly exited: Promise<RuntimeExit>;

  /**
   * @param sandboxed the child is a sandbox whose init reports a runtime killed by signal N as
   *   exit status 128+N, as shells do; it is turned back into the signal.
   */
  constructor(
    private readonly child: ChildProcess,
    private readonly cgroup?: EnvironmentCgroup,
    private readonly sandboxed = false,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) =>
        resolve(sandboxed ? fromSandboxExit(code, signal) : { code, signal }),
      );
      child.once('error', (err: NodeJS.ErrnoException) =>
        resolve({ code: null, signal: null, spawnError: err.code ?? 'ENOENT' }),
      );
    });
  }

  get stdout() {
    return this.child.stdout!;
  }

  /** fd 4 of the launcher, when it starts extensions (extension-launcher.ts). */
  get extensionOutput(): Readable | undefined {
    return (this.child.stdio[4] as Readable | null) ?? undefined;
  }

  /** The launcher reads a line on its stdin before it starts the runtime. */
  releaseRuntime(): void {
    const gate = this.child.stdin;
    if (!gate || gate.destroyed) return;
    gate.on('error', () => undefined); // the launcher may be gone already
    gate.end('\n');
  }

  get stderr() {
    return this.child.stderr!;
  }

  /**
   * The cgroup's peak where there is one; else VmHWM, the peak resident set of the process.
   * Read synchronously: /proc answers in microseconds, while the thread pool's four round trips
   * (open, stat, read, close) cost most of a millisecond on every invocation.
   */
  async maxMemoryBytes(): Promise<number | undefined> {
    if (this.cgroup) return this.cgroup.peakMemoryBytes();
    if (this.child.pid === undefined) return undefined;
    // A sandbox without cgroup: the runtime is a descendant of the sandbox's own processes.
    const pids = this.sandboxed ? descendants(this.child.pid) : [this.child.pid];
    const peaks = pids.map(peakResident).filter((kb): kb is number => kb !== undefined);
    return peaks.length === 0 ? undefined : Math.max(...peaks) * 1024;
  }

  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const gone = this.exited;
      try {
        // The negative pid names the whole process group: the runtime and anything it forked.
        process.kill(-(this.child.pid as number), 'SIGKILL');
      } catch {
        this.child.kill('SIGKILL');
      }
      await gone;
    }
    // Whatever left the process group is still in the cgroup; the next runtime starts in an empty one.
    await this.cgroup?.killAll();
  }
}

/** VmHWM, the peak resident set of a process, in kB. */
function peakResident(pid: number): number | undefined {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb);
  } catch {
    return undefined;
  }
}

/** A process and all its descendants, from /proc/<pid>/task/<pid>/children. */
function descendants(pid: number): number[] {
  const found = [pid];
  for (let i = 0; i < found.length && found.length < 64; i++) {
    try {
      const text = readFileSync(`/proc/${found[i]}/task/${found[i]}/children`, 'utf8');
      found.push(...text.split(' ').filter(Boolean).map(Number));
    } catch {}
  }
  return found;
}

function fromSandboxExit(code: number | null, signal: NodeJS.Signals | null): RuntimeExit {
  if (code !== null && code > 128 && code < 128 + 65) {
    const name = Object.entries(os.constants.signals).find(([, n]) => n === code - 128)?.[0];
    if (name) return { code: null, signal: name as NodeJS.Signals };
  }
  return { code, signal };
}

/** A runtime that could not start: it has exited already, with the spawn error. */
function refusedRuntime(spawnError: string): RuntimeProcess {
  const empty = (): Readable => {
    const stream = new PassThrough();
    stream.end();
    return stream;
  };
  return {
    stdout: empty(),
    stderr: empty(),
    exited: Promise.resolve({ code: null, signal: null, spawnError }),
    maxMemoryBytes: async () => undefined,
    kill: async () => undefined,
  };
}

async function unmount(sandbox: SandboxSetup, dir: string): Promise<void> {
  if (!sandbox.umount) return;
  // Lazily where still busy: a process of the environment that is not gone yet keeps its files.
  if (await run(sandbox.umount, [dir])) await run(sandbox.umount, ['-l', dir]);
}

/** Runs a helper; undefined when it succeeded, else what it said. */
function run(command: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 10_000 }, (err, _stdout, stderr) =>
      resolve(err ? stderr.trim() || err.message : undefined),
    );
  });
}

/** Where /etc/resolv.conf really is when it points outside /etc (systemd-resolved's /run/…). */
let resolvers: string[] | undefined;
function resolverDirs(): string[] {
  if (resolvers) return resolvers;
  resolvers = [];
  try {
    const target = fsSync.realpathSync('/etc/resolv.conf');
    if (!target.startsWith('/etc/')) resolvers.push(path.dirname(target));
  } catch {}
  return resolvers;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function real(p: string): string {
  try {
    return fsSync.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** The runtime's command, through the extension launcher when the spec needs it. */
function launched(
  spec: EnvironmentSpec,
  command: string,
  args: readonly string[],
  extensionsDir: string,
): { command: string; args: string[] } {
  if (!needsLauncher(spec)) return { command, args: [...args] };
  const paths = (spec.extensions ?? []).map((name) => `${extensionsDir}/${name}`);
  return launchCommand(command, args, paths, spec.execWrapper === true);
}

/** stdin is the launcher's gate and fd 4 its extension channel, when there are extensions. */
function stdioFor(spec: EnvironmentSpec, fd3: number | 'ignore'): ('ignore' | 'pipe' | number)[] {
  if ((spec.extensions?.length ?? 0) === 0) return ['ignore', 'pipe', 'pipe', fd3];
  return ['pipe', 'pipe', 'pipe', fd3, 'pipe'];
}
