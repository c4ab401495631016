import fs from 'node:fs';
import path from 'node:path';
import type { EnvironmentSpec } from '../executor.js';

/**
 * What an execution environment sees, whichever tool builds it (bubblewrap or unshare): the
 * host's system directories read-only, the function's code at /var/task, our runtimes at
 * /var/runtime, its layers read-only at /opt (empty without), a private /tmp, its own /proc and a minimal
 * /dev. Everything else of the host (home directories, the server's data and code store, other
 * environments' /tmp) is absent. The plan is a list of mount operations, applied in order.
 */

/** AWS runs functions as sbx_user1051, uid 993, gid 990. */
export const SANDBOX_UID = 993;
export const SANDBOX_GID = 990;
export const SANDBOX_USER = 'sbx_user1051';

export const TASK_DIR = '/var/task';
export const OPT_DIR = '/opt';
export const RUNTIME_DIR = '/var/runtime';
/** Our bootstraps read `../../runtime-api/protocol.json` relative to themselves. */
export const RUNTIME_API_DIR = '/var/runtime-api';

export type MountOp =
  | { op: 'ro-bind'; src: string; dest: string }
  | { op: 'bind'; src: string; dest: string }
  /** An empty directory over `dest`: hides what is there (made read-only by a later remount). */
  | { op: 'tmpfs'; dest: string }
  | { op: 'remount-ro'; dest: string }
  | { op: 'symlink'; target: string; dest: string }
  | { op: 'proc'; dest: string }
  | { op: 'dev'; dest: string };

/** Top-level host directories an environment sees (read-only); everything else is absent. */
const SYSTEM_DIRS = new Set([
  'usr',
  'etc',
  'bin',
  'sbin',
  'lib',
  'lib32',
  'lib64',
  'libx32',
  'sys',
]);

/** Entries of the host's root, read once: directories to bind and merged-/usr symlinks to copy. */
export interface HostRoot {
  dirs: string[];
  symlinks: { name: string; target: string }[];
}

export function readHostRoot(root = '/'): HostRoot {
  const dirs: string[] = [];
  const symlinks: { name: string; target: string }[] = [];
  for (const name of fs.readdirSync(root).sort()) {
    if (!SYSTEM_DIRS.has(name)) continue;
    const full = path.join(root, name);
    const stat = fs.lstatSync(full);
    if (stat.isSymbolicLink()) symlinks.push({ name, target: fs.readlinkSync(full) });
    else if (stat.isDirectory()) dirs.push(name);
  }
  return { dirs, symlinks };
}

export interface LayoutInput {
  host: HostRoot;
  /** Host path of the extracted code (read-only at /var/task). */
  taskRoot: string;
  /** Host path of the merged layers (read-only at /opt); an empty /opt without. */
  optRoot?: string;
  /** Host path of the environment's /tmp (a tmpfs of EphemeralStorage where possible). */
  tmpDir: string;
  /** Host paths of src/runtimes and src/runtime-api (for its protocol.json). */
  runtimesDir: string;
  runtimeApiDir: string;
  /** Host paths never visible inside, even where a system directory contains them. */
  hidden: readonly string[];
  /** Host directories made visible read-only at the same path (interpreters outside /usr). */
  exposed: readonly string[];
  /** Files bound over host files of the same path (an /etc/passwd that names sbx_user1051). */
  overlays: readonly { src: string; dest: string }[];
}

export function sandboxLayout(input: LayoutInput): MountOp[] {
  const ops: MountOp[] = [];
  const roots = input.host.dirs.map((dir) => `/${dir}`);
  for (const dir of roots) ops.push({ op: 'ro-bind', src: dir, dest: dir });
  for (const link of input.host.symlinks)
    ops.push({ op: 'symlink', target: link.target, dest: `/${link.name}` });
  ops.push({ op: 'proc', dest: '/proc' }, { op: 'dev', dest: '/dev' });
  // An interpreter under /opt (a CI's tool cache) needs /opt to take its mount point.
  const optShared = input.exposed.some((dir) => isWithin(dir, OPT_DIR));
  const optBound = input.optRoot !== undefined && !optShared;
  if (optBound) ops.push({ op: 'ro-bind', src: input.optRoot as string, dest: OPT_DIR });
  else ops.push({ op: 'tmpfs', dest: OPT_DIR }, ...layerEntries(input.optRoot));
  const reserved = ['/tmp', '/proc', '/dev', TASK_DIR, RUNTIME_DIR, RUNTIME_API_DIR];
  for (const dir of input.exposed) {
    if (roots.some((root) => isWithin(dir, root)) || reserved.some((r) => isWithin(dir, r)))
      continue;
    ops.push({ op: 'ro-bind', src: dir, dest: dir });
    roots.push(dir);
  }
  // Hidden paths matter only where a visible directory contains them.
  const hides = input.hidden.filter(
    (dir) => roots.some((root) => isWithin(dir, root) && root !== dir) && fs.existsSync(dir),
  );
  for (const dir of hides) ops.push({ op: 'tmpfs', dest: dir });
  for (const overlay of input.overlays) ops.push({ op: 'ro-bind', ...overlay });
  ops.push(
    { op: 'ro-bind', src: input.taskRoot, dest: TASK_DIR },
    { op: 'ro-bind', src: input.runtimesDir, dest: RUNTIME_DIR },
    { op: 'ro-bind', src: input.runtimeApiDir, dest: RUNTIME_API_DIR },
    { op: 'bind', src: input.tmpDir, dest: '/tmp' },
  );
  for (const dir of [...(optBound ? [] : [OPT_DIR]), ...hides])
    ops.push({ op: 'remount-ro', dest: dir });
  return ops;
}

/** The top-level entries of the merged layers, each bound at /opt/<name> on /opt's tmpfs. */
function layerEntries(optRoot: string | undefined): MountOp[] {
  if (optRoot === undefined) return [];
  const root = fs.realpathSync(optRoot);
  return fs
    .readdirSync(root)
    .sort()
    .flatMap((name): MountOp[] => {
      try {
        const real = fs.realpathSync(path.join(root, name));
        return isWithin(real, root)
          ? [{ op: 'ro-bind', src: real, dest: `${OPT_DIR}/${name}` }]
          : [];
      } catch {
        return []; // a dangling symlink: nothing to show
      }
    });
}

export function isWithin(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Where an interpreter lives, so that a sandbox can show it when it is outside the system
 * directories (pyenv, nvm, a venv): the prefix above its `bin/`, for the command as given and
 * for the file it resolves to. Interpreters inside the function's code need nothing.
 */
export function interpreterPrefixes(command: string, taskRoot: string): string[] {
  if (!path.isAbsolute(command) || isWithin(command, taskRoot)) return [];
  const prefixes = new Set<string>();
  const prefixOf = (file: string) => {
    const dir = path.dirname(file);
    return path.basename(dir) === 'bin' ? path.dirname(dir) : dir;
  };
  prefixes.add(prefixOf(command));
  try {
    prefixes.add(prefixOf(fs.realpathSync(command)));
  } catch {}
  return [...prefixes].filter((p) => p !== '/' && p !== '/usr');
}

/** Host paths of the spec rewritten to the paths the runtime sees inside the sandbox. */
export function sandboxView(
  spec: EnvironmentSpec,
  runtimesDir: string,
): { command: string; args: string[]; env: Record<string, string> } {
  const toInside = (value: string): string => {
    for (const [host, inside] of [
      [spec.taskRoot, TASK_DIR],
      [runtimesDir, RUNTIME_DIR],
      ...(spec.optRoot ? [[spec.optRoot, OPT_DIR] as const] : []),
    ] as const) {
      const moved = movePath(value, host, inside);
      if (moved !== undefined) return moved;
    }
    return value;
  };
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(spec.env))
    env[key] = value.includes('/') ? value.split(':').map(toInside).join(':') : value;
  env.LAMBDA_TASK_ROOT = TASK_DIR;
  return { command: toInside(spec.command), args: spec.args.map(toInside), env };
}

/**
 * Where no mount namespace can put the layers at /opt (sandbox `none`), the paths under /opt in
 * the command and variables (NODE_PATH, PATH's /opt/bin, LD_LIBRARY_PATH's /opt/lib) are
 * rewritten to the merged tree, and our bootstraps read its place from OPT_ROOT_VARIABLE (the
 * Python runtime's /opt/python search paths).
 */
export function unsandboxedView(spec: EnvironmentSpec): {
  command: string;
  env: Record<string, string>;
} {
  const optRoot = spec.optRoot;
  if (!optRoot) return { command: spec.command, env: spec.env };
  const toHost = (value: string): string => movePath(value, OPT_DIR, optRoot) ?? value;
  const env: Record<string, string> = { [OPT_ROOT_VARIABLE]: optRoot };
  for (const [key, value] of Object.entries(spec.env))
    env[key] = value.includes('/') ? value.split(':').map(toHost).join(':') : value;
  return { command: toHost(spec.command), env };
}

/** Read (and removed from the environment) by src/runtimes' bootstraps. */
export const OPT_ROOT_VARIABLE = '_ASIMOV_OPT_ROOT';

/** `from` or a path below it, moved under `to`; undefined for any other value. */
function movePath(value: string, from: string, to: string): string | undefined {
  if (value === from) return to;
  if (value.startsWith(`${from}/`)) return to + value.slice(from.length);
  return undefined;
}

/**
 * The function's variables reach only the runtime: everything that runs before it (the launcher
 * shell, bwrap, setpriv — as root) runs with a bare PATH, since LD_PRELOAD and its kind, which a
 * function may set, would otherwise load the function's code into them. The variables travel as
 * `export` lines on file descriptor 3, which a shell reads as the sandbox user, just before it
 * execs the runtime (`sh -c ENV_LOADER sh COMMAND ARGS…`).
 */
export const ENV_LOADER = '. /dev/fd/3 && exec 3<&- && exec "$@"';
export const LAUNCH_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };

export function envScript(env: Record<string, string>): string {
  return Object.entries(env)
    .filter(([key]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
    .map(([key, value]) => `export ${key}='${value.replace(/'/g, `'\\''`)}'\n`)
    .join('');
}

/**
 * /etc/passwd and /etc/group with AWS's sandbox user added, so that `id`, os.userInfo() and
 * getpass.getuser() name it as on AWS. Written once per server under `dir`.
 */
export function identityOverlays(dir: string): { src: string; dest: string }[] {
  const overlays: { src: string; dest: string }[] = [];
  const add = (file: string, line: string, id: number) => {
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      return;
    }
    if (text.split('\n').some((l) => l.split(':')[2] === String(id))) return;
    const copy = path.join(dir, path.basename(file));
    fs.writeFileSync(copy, `${text.endsWith('\n') || text === '' ? text : `${text}\n`}${line}\n`, {
      mode: 0o644,
    });
    overlays.push({ src: copy, dest: file });
  };
  fs.mkdirSync(dir, { recursive: true });
  add(
    '/etc/passwd',
    `${SANDBOX_USER}:x:${SANDBOX_UID}:${SANDBOX_GID}::/tmp:/sbin/nologin`,
    SANDBOX_UID,
  );
  add('/etc/group', `${SANDBOX_USER}:x:${SANDBOX_GID}:`, SANDBOX_GID);
  const hosts = sandboxHosts(dir);
  if (hosts) overlays.push(hosts);
  return overlays;
}

/**
 * /etc/hosts naming the environment's own address `sandbox.localdomain` (and `sandbox`), where
 * AWS's extensions run their telemetry listeners. The environment's loopback is 127.0.0.1.
 */
function sandboxHosts(dir: string): { src: string; dest: string } | undefined {
  let text = '';
  try {
    text = fs.readFileSync('/etc/hosts', 'utf8');
  } catch {}
  if (/^\s*127\.0\.0\.1\s.*\bsandbox\.localdomain\b/m.test(text)) return undefined;
  const copy = path.join(dir, 'hosts');
  const base = text === '' || text.endsWith('\n') ? text : `${text}\n`;
  fs.writeFileSync(copy, `${base}127.0.0.1\tsandbox.localdomain sandbox\n`, { mode: 0o644 });
  return { src: copy, dest: '/etc/hosts' };
}
