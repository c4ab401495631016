import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bwrapNamespaceArgs, setprivPrefix } from './bwrap.js';
import { detectCgroups, type CgroupDriver } from './cgroups.js';
import { unshareNamespaceArgs, type UnshareTools } from './unshare.js';

export type SandboxMode = 'auto' | 'bwrap' | 'unshare' | 'none';

/** What the server found at start: which sandbox runs functions, with which limits, and why. */
export interface SandboxSetup {
  kind: 'bwrap' | 'unshare' | 'none';
  /** Whether the server runs as root: then the sandbox drops to uid 993 with setpriv. */
  root: boolean;
  bwrap?: string;
  setpriv?: string;
  unshare?: UnshareTools;
  /** For isolateNetwork: joins the namespace of the environment's relay (network.ts). */
  nsenter?: string;
  ip?: string;
  /** For the per-environment tmpfs at /tmp. */
  mount?: string;
  umount?: string;
  sh: string;
  cgroups?: CgroupDriver;
  /** Whether /tmp can be a tmpfs of EphemeralStorage (mounting needs root). */
  tmpfs: boolean;
  isolateNetwork: boolean;
  /** The one start-up line: which sandbox, and why. */
  summary: string;
  /** What is missing, each a line of its own. */
  warnings: string[];
}

const cache = new Map<string, Promise<SandboxSetup>>();

/** Probes once per process and mode: a bwrap or unshare that is installed but cannot run counts as absent. */
export function detectSandbox(mode: SandboxMode, isolateNetwork: boolean): Promise<SandboxSetup> {
  const key = `${mode}|${isolateNetwork}`;
  let found = cache.get(key);
  if (!found) {
    found = detect(mode, isolateNetwork);
    cache.set(key, found);
    found.catch(() => cache.delete(key));
  }
  return found;
}

async function detect(mode: SandboxMode, isolateNetwork: boolean): Promise<SandboxSetup> {
  const root = process.getuid?.() === 0;
  const sh = which('sh') ?? '/bin/sh';
  const base = { root, sh, isolateNetwork, tmpfs: false, warnings: [] as string[] };
  if (mode === 'none') {
    if (isolateNetwork)
      throw new Error(
        'isolateNetwork needs a sandbox (--sandbox auto, bwrap or unshare), not none',
      );
    return {
      ...base,
      kind: 'none',
      summary:
        "sandbox: none (--sandbox none): functions run as plain processes of this server's user, with no isolation and no limits",
    };
  }
  const setpriv = which('setpriv');
  const tried: string[] = [];
  let chosen: Omit<SandboxSetup, keyof typeof base | 'summary'> | undefined;
  let why = '';

  if (mode === 'auto' || mode === 'bwrap') {
    const bwrap = which('bwrap');
    const problem = !bwrap
      ? 'bubblewrap is not installed (Debian: apt-get install bubblewrap)'
      : root && !setpriv
        ? 'setpriv (util-linux) is missing, so a root server cannot become uid 993'
        : await probe(bwrap, [
            ...bwrapNamespaceArgs({ setpriv: root ? setpriv : undefined }),
            '--ro-bind',
            '/',
            '/',
            '--proc',
            '/proc',
            '--dev',
            '/dev',
            '--',
            ...(root ? setprivPrefix(setpriv!) : []),
            which('true') ?? '/bin/true',
          ]);
    if (problem === undefined) {
      chosen = { kind: 'bwrap', bwrap, setpriv: root ? setpriv : undefined };
      why = `${await version(bwrap!)} works here`;
    } else {
      tried.push(`bwrap: ${problem}`);
      if (mode === 'bwrap') throw new Error(`--sandbox bwrap cannot run: ${problem}`);
    }
  }

  if (!chosen && (mode === 'auto' || mode === 'unshare')) {
    const tools = {
      unshare: which('unshare'),
      setpriv,
      mount: which('mount'),
      cp: which('cp'),
      pivotRoot: which('pivot_root'),
      umount: which('umount'),
      sh,
    };
    const missing = Object.entries(tools).flatMap(([name, found]) => (found ? [] : [name]));
    const problem = !root
      ? 'the unshare sandbox needs root (it mounts and becomes uid 993 itself)'
      : missing.length > 0
        ? `util-linux tools are missing: ${missing.join(', ')}`
        : await probe(tools.unshare!, [
            ...unshareNamespaceArgs(),
            '--',
            which('true') ?? '/bin/true',
          ]);
    if (problem === undefined) {
      chosen = { kind: 'unshare', unshare: tools as UnshareTools, setpriv };
      why =
        tried.length > 0
          ? `${tried.join('; ')}; util-linux unshare works`
          : 'util-linux unshare works here';
    } else {
      tried.push(`unshare: ${problem}`);
      if (mode === 'unshare') throw new Error(`--sandbox unshare cannot run: ${problem}`);
    }
  }

  if (!chosen) {
    if (isolateNetwork)
      throw new Error(`isolateNetwork needs a sandbox, and none works here: ${tried.join('; ')}`);
    return {
      ...base,
      kind: 'none',
      summary: `sandbox: none (no sandbox works here: ${tried.join('; ')})`,
      warnings: [
        "WARNING: functions run unsandboxed, as plain processes of this server's user: they can read what it reads, and MemorySize and EphemeralStorage are not enforced",
      ],
    };
  }

  const nsenter = which('nsenter');
  const ip = which('ip');
  if (isolateNetwork) {
    const lacking = !root
      ? "a server running as root (it starts a relay in each environment's network namespace)"
      : !nsenter
        ? 'nsenter (util-linux)'
        : chosen.kind === 'unshare' && !ip
          ? 'ip (iproute2), to bring up loopback in the namespace'
          : undefined;
    if (lacking) throw new Error(`isolateNetwork needs ${lacking}`);
  }
  const warnings = tried.map((problem) => `WARNING: not using ${problem}`);
  const cgroupProbe = detectCgroups();
  warnings.push(...cgroupProbe.warnings.map((w) => `WARNING: ${w}`));
  const mount = which('mount');
  const umount = which('umount');
  const tmpfsProblem = !root
    ? 'mounting a tmpfs needs root'
    : !mount || !umount
      ? 'mount/umount are missing'
      : await probeTmpfs(mount, umount);
  if (tmpfsProblem)
    warnings.push(
      `WARNING: /tmp is a plain directory, not limited to EphemeralStorage (${tmpfsProblem})`,
    );
  const setup: SandboxSetup = {
    ...base,
    ...chosen,
    mount,
    umount,
    nsenter,
    ip,
    cgroups: cgroupProbe.driver,
    tmpfs: tmpfsProblem === undefined,
    summary: '',
    warnings,
  };
  const user = root ? 'uid 993 with no capabilities' : 'uid 993 in a user namespace';
  const limits = setup.cgroups ? setup.cgroups.description : 'no cgroup limits';
  const tmp = setup.tmpfs ? '/tmp a tmpfs of EphemeralStorage' : '/tmp unlimited';
  const net = isolateNetwork
    ? 'network isolated (only the Runtime API, through a relay)'
    : 'network shared with the host';
  setup.summary = `sandbox: ${setup.kind} (${why}): ${user}, own pid/ipc/uts/mount namespaces; ${limits}; ${tmp}; ${net}`;
  return setup;
}

/** Runs a sandbox once; undefined when it worked, else why not. */
function probe(command: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 10_000, cwd: '/' }, (err, _stdout, stderr) => {
      if (!err) return resolve(undefined);
      const said = stderr.trim().split('\n').pop();
      resolve(said || err.message);
    });
  });
}

async function probeTmpfs(mount: string, umount: string): Promise<string | undefined> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'asimov-tmpfs-probe-'));
  try {
    const failed = await probe(mount, ['-t', 'tmpfs', '-o', 'size=1m', 'asimov-probe', dir]);
    if (failed) return failed;
    return await probe(umount, [dir]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function version(bwrap: string): Promise<string> {
  return new Promise((resolve) => {
    execFile(bwrap, ['--version'], { timeout: 5000 }, (err, stdout) =>
      resolve(err ? 'bubblewrap' : stdout.trim() || 'bubblewrap'),
    );
  });
}

/**
 * The first executable of that name in the system directories, then on PATH. System ones come
 * first because some (setpriv, sh) run inside the sandbox, where only those directories exist.
 */
export function which(name: string): string | undefined {
  const dirs = [
    '/usr/local/sbin',
    '/usr/local/bin',
    '/usr/sbin',
    '/usr/bin',
    '/sbin',
    '/bin',
    ...(process.env.PATH ?? '').split(':').filter(Boolean),
  ];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {}
  }
  return undefined;
}
