import fs from 'node:fs';
import path from 'node:path';

/**
 * Control groups for execution environments: a memory limit of MemorySize (no swap), a pids
 * limit, and a CPU weight proportional to memory, as AWS gives one vCPU per 1,769 MB. The unified
 * hierarchy (v2) is used where it has the memory controller, the v1 hierarchies otherwise.
 * Every environment's cgroup is a child of the server's own (so limits set above us still hold),
 * named `asimov/<environment id>`.
 */

/** AWS: "Lambda allocates CPU power in proportion to the amount of memory configured"; 1,769 MB is one vCPU. */
export const MB_PER_VCPU = 1769;
/** Enough for any real function; a fork bomb stops here (fork and clone fail with EAGAIN). */
export const PIDS_MAX = 1024;

export interface CgroupLimits {
  memoryMb: number;
  pidsMax?: number;
}

/** What v1's cpu.shares and v2's cpu.weight are for a function of `memoryMb` (one vCPU = the default). */
export function cpuShares(memoryMb: number): number {
  return Math.max(2, Math.round((1024 * memoryMb) / MB_PER_VCPU));
}
export function cpuWeight(memoryMb: number): number {
  return Math.min(10_000, Math.max(1, Math.round((100 * memoryMb) / MB_PER_VCPU)));
}

/** One environment's cgroup(s): the sandbox joins them before it execs anything. */
export interface EnvironmentCgroup {
  /** The cgroup.procs files a process writes its pid to in order to join (one per v1 hierarchy). */
  readonly procsFiles: readonly string[];
  /** The peak memory of everything that ran in the environment, in bytes. */
  peakMemoryBytes(): number | undefined;
  /** How many times the kernel's OOM killer has killed inside the cgroup. */
  oomKills(): number;
  /** SIGKILLs whatever is left inside and waits until the cgroup is empty. */
  killAll(): Promise<void>;
  /** Kills what is left and removes the cgroup. */
  destroy(): Promise<void>;
}

export interface CgroupDriver {
  readonly version: 1 | 2;
  /** Where environments' cgroups are made and which limits apply, for the start-up line. */
  readonly description: string;
  create(id: string, limits: CgroupLimits): Promise<EnvironmentCgroup>;
  /** Removes environments' cgroups that `stale` names (left by a server that died). */
  sweep(stale: (name: string) => boolean): Promise<void>;
}

export interface CgroupProbe {
  driver?: CgroupDriver;
  /** Why there is no driver, or what is missing from it. */
  warnings: string[];
}

/** What the detection reads, injectable for tests. */
export interface CgroupHost {
  mountinfo: string;
  /** The text of /proc/self/cgroup. */
  selfCgroup: string;
  pid: number;
}

const WANTED_V1 = ['memory', 'pids', 'cpu'] as const;
const WANTED_V2 = ['memory', 'pids', 'cpu'] as const;
const PARENT = 'asimov';

/** Finds a hierarchy we may use and makes the `asimov` parent there; never throws. */
export function detectCgroups(
  host: CgroupHost = {
    mountinfo: readOr('/proc/self/mountinfo'),
    selfCgroup: readOr('/proc/self/cgroup'),
    pid: process.pid,
  },
): CgroupProbe {
  const mounts = parseMountinfo(host.mountinfo);
  const own = parseProcCgroup(host.selfCgroup);
  const unified = mounts.find((m) => m.fstype === 'cgroup2');
  const v2Controllers = unified
    ? readOr(path.join(unified.mountPoint, own.get('') ?? '/', 'cgroup.controllers'))
        .trim()
        .split(/\s+/)
    : [];
  if (unified && v2Controllers.includes('memory')) return detectV2(unified.mountPoint, own, host);
  const v1 = mounts.filter((m) => m.fstype === 'cgroup');
  if (v1.length > 0) return detectV1(v1, own);
  return { warnings: ['no cgroup hierarchy is mounted (no memory, pids or CPU limits)'] };
}

// ---- v1 ----

function detectV1(mounts: Mount[], own: Map<string, string>): CgroupProbe {
  const dirs = new Map<string, string>();
  const warnings: string[] = [];
  for (const controller of WANTED_V1) {
    const mount = mounts.find((m) => m.superOptions.split(',').includes(controller));
    if (!mount) {
      warnings.push(`cgroup v1 has no ${controller} hierarchy (no ${controller} limit)`);
      continue;
    }
    const key = [...own.keys()].find((k) => k.split(',').includes(controller));
    const parent = path.join(mount.mountPoint, own.get(key ?? '') ?? '/', PARENT);
    try {
      fs.mkdirSync(parent, { recursive: true });
      canMakeChildren(parent);
      dirs.set(controller, parent);
    } catch (err) {
      warnings.push(`cannot make cgroups in ${parent} (${code(err)}): no ${controller} limit`);
    }
  }
  if (!dirs.has('memory'))
    return { warnings: [...warnings, 'no usable memory cgroup: MemorySize is not enforced'] };
  const limits = [...dirs.keys()].join(', ');
  return {
    driver: new CgroupV1(dirs, `cgroup v1 (${limits}) under ${dirs.get('memory')}`),
    warnings,
  };
}

class CgroupV1 implements CgroupDriver {
  readonly version = 1;
  constructor(
    private readonly parents: Map<string, string>,
    readonly description: string,
  ) {}

  async create(id: string, limits: CgroupLimits): Promise<EnvironmentCgroup> {
    const dirs = new Map<string, string>();
    const group = new V1Group(dirs);
    try {
      for (const [controller, parent] of this.parents) {
        const dir = path.join(parent, id);
        fs.mkdirSync(dir);
        dirs.set(controller, dir);
      }
      const bytes = String(limits.memoryMb * 1048576);
      const memory = dirs.get('memory')!;
      write(memory, 'memory.limit_in_bytes', bytes);
      // Swap counts too (memsw ≥ limit), so the limit is not dodged by swapping; absent without swap accounting.
      tryWrite(memory, 'memory.memsw.limit_in_bytes', bytes);
      tryWrite(memory, 'memory.swappiness', '0');
      const pids = dirs.get('pids');
      if (pids) write(pids, 'pids.max', String(limits.pidsMax ?? PIDS_MAX));
      const cpu = dirs.get('cpu');
      if (cpu) write(cpu, 'cpu.shares', String(cpuShares(limits.memoryMb)));
    } catch (err) {
      await group.destroy();
      throw err;
    }
    return group;
  }

  async sweep(stale: (name: string) => boolean): Promise<void> {
    for (const parent of this.parents.values()) await sweepChildren(parent, stale);
  }
}

class V1Group implements EnvironmentCgroup {
  /** Opened at the first read: the directories are made after the group. */
  private peak: CounterFile | undefined;

  constructor(private readonly dirs: Map<string, string>) {}

  get procsFiles(): string[] {
    return [...this.dirs.values()].map((dir) => path.join(dir, 'cgroup.procs'));
  }

  peakMemoryBytes(): number | undefined {
    this.peak ??= new CounterFile(this.dirs.get('memory'), 'memory.max_usage_in_bytes');
    return this.peak.read();
  }

  oomKills(): number {
    return keyed(
      readOr(path.join(this.dirs.get('memory') ?? '', 'memory.oom_control')),
      'oom_kill',
    );
  }

  async killAll(): Promise<void> {
    const dir = this.dirs.get('memory') ?? this.dirs.get('pids');
    if (dir) await killEvery(dir);
  }

  async destroy(): Promise<void> {
    this.peak?.close();
    await this.killAll();
    for (const dir of [...this.dirs.values()].reverse()) await removeCgroup(dir);
    this.dirs.clear();
  }
}

// ---- v2 ----

function detectV2(mountPoint: string, own: Map<string, string>, host: CgroupHost): CgroupProbe {
  const warnings: string[] = [];
  const self = path.join(mountPoint, own.get('') ?? '/');
  const candidates = [self];
  // The root of the hierarchy may have processes and delegate controllers; only root may write it.
  if (self !== mountPoint && process.getuid?.() === 0) candidates.push(mountPoint);
  const failures: string[] = [];
  for (const base of candidates) {
    try {
      const parent = prepareV2Parent(base, host.pid);
      const available = readOr(path.join(parent, 'cgroup.controllers')).trim().split(/\s+/);
      const missing = WANTED_V2.filter((c) => !available.includes(c));
      for (const c of missing) warnings.push(`cgroup v2 has no ${c} controller (no ${c} limit)`);
      if (!available.includes('memory')) throw new Error('no memory controller');
      const limits = WANTED_V2.filter((c) => available.includes(c)).join(', ');
      return { driver: new CgroupV2(parent, `cgroup v2 (${limits}) under ${parent}`), warnings };
    } catch (err) {
      failures.push(`${base}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return {
    warnings: [
      ...warnings,
      `cannot make cgroups (${failures.join('; ')}): MemorySize is not enforced; run the server in a delegated cgroup (e.g. systemd-run -p Delegate=yes)`,
    ],
  };
}

/**
 * Makes `<base>/asimov` with the controllers enabled for its children. cgroup v2 lets a non-root
 * cgroup give controllers to children only when it has no processes of its own; when the server
 * is alone in its cgroup (a service, a container) it moves into a leaf `asimov-server` first.
 */
function prepareV2Parent(base: string, pid: number): string {
  const enable = (dir: string) => {
    const available = readOr(path.join(dir, 'cgroup.controllers')).trim().split(/\s+/);
    const wanted = WANTED_V2.filter((c) => available.includes(c));
    const enabled = readOr(path.join(dir, 'cgroup.subtree_control')).trim().split(/\s+/);
    const todo = wanted.filter((c) => !enabled.includes(c));
    if (todo.length > 0) write(dir, 'cgroup.subtree_control', todo.map((c) => `+${c}`).join(' '));
  };
  try {
    enable(base);
  } catch (err) {
    const procs = readOr(path.join(base, 'cgroup.procs')).trim().split(/\s+/).filter(Boolean);
    if (code(err) !== 'EBUSY' || procs.some((p) => Number(p) !== pid)) throw err;
    const leaf = path.join(base, 'asimov-server');
    fs.mkdirSync(leaf, { recursive: true });
    write(leaf, 'cgroup.procs', String(pid));
    enable(base);
  }
  const parent = path.join(base, PARENT);
  fs.mkdirSync(parent, { recursive: true });
  enable(parent);
  canMakeChildren(parent);
  return parent;
}

/** Throws unless this process may make (and remove) environments' cgroups under `parent`. */
function canMakeChildren(parent: string): void {
  const probe = path.join(parent, `probe-${process.pid}`);
  fs.mkdirSync(probe);
  fs.rmdirSync(probe);
}

class CgroupV2 implements CgroupDriver {
  readonly version = 2;
  constructor(
    private readonly parent: string,
    readonly description: string,
  ) {}

  async create(id: string, limits: CgroupLimits): Promise<EnvironmentCgroup> {
    const dir = path.join(this.parent, id);
    fs.mkdirSync(dir);
    const group = new V2Group(dir);
    try {
      write(dir, 'memory.max', String(limits.memoryMb * 1048576));
      tryWrite(dir, 'memory.swap.max', '0');
      // One OOM kill takes the whole environment, as the sandbox dies with its runtime.
      tryWrite(dir, 'memory.oom.group', '1');
      tryWrite(dir, 'pids.max', String(limits.pidsMax ?? PIDS_MAX));
      tryWrite(dir, 'cpu.weight', String(cpuWeight(limits.memoryMb)));
    } catch (err) {
      await group.destroy();
      throw err;
    }
    return group;
  }

  async sweep(stale: (name: string) => boolean): Promise<void> {
    await sweepChildren(this.parent, stale);
  }
}

class V2Group implements EnvironmentCgroup {
  /** Kernels before 5.19 have no memory.peak: the highest memory.current seen stands in. */
  private seen = 0;
  private readonly peak: CounterFile;
  private readonly current: CounterFile;

  constructor(private readonly dir: string) {
    this.peak = new CounterFile(dir, 'memory.peak');
    this.current = new CounterFile(dir, 'memory.current');
  }

  get procsFiles(): string[] {
    return [path.join(this.dir, 'cgroup.procs')];
  }

  peakMemoryBytes(): number | undefined {
    const peak = this.peak.read();
    if (peak !== undefined) return peak;
    this.seen = Math.max(this.seen, this.current.read() ?? 0);
    return this.seen || undefined;
  }

  oomKills(): number {
    return keyed(readOr(path.join(this.dir, 'memory.events')), 'oom_kill');
  }

  async killAll(): Promise<void> {
    tryWrite(this.dir, 'cgroup.kill', '1');
    await killEvery(this.dir);
  }

  async destroy(): Promise<void> {
    this.peak.close();
    this.current.close();
    await this.killAll();
    await removeCgroup(this.dir);
  }
}

// ---- shared ----

/** SIGKILLs every process of the cgroup until none is left (forks racing the kill included). */
async function killEvery(dir: string): Promise<void> {
  const procs = path.join(dir, 'cgroup.procs');
  // A thousand processes of a fork bomb on a loaded host take a while to die: up to ~10 s.
  for (let attempt = 0; attempt < 1000; attempt++) {
    const pids = readOr(procs).trim().split(/\s+/).filter(Boolean).map(Number);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    await sleep(attempt < 10 ? 2 : 10);
  }
}

async function sweepChildren(parent: string, stale: (name: string) => boolean): Promise<void> {
  let names: string[] = [];
  try {
    names = fs.readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names) {
    const dir = path.join(parent, name);
    if (!stale(name) || !fs.statSync(dir).isDirectory()) continue;
    await killEvery(dir);
    await removeCgroup(dir).catch(() => undefined);
  }
}

async function removeCgroup(dir: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      fs.rmdirSync(dir);
      return;
    } catch (err) {
      const c = code(err);
      if (c === 'ENOENT') return;
      // Processes that were just killed leave the cgroup a moment after they die.
      if (c !== 'EBUSY' || attempt >= 100) throw err;
      await sleep(10);
    }
  }
}

interface Mount {
  mountPoint: string;
  fstype: string;
  superOptions: string;
}

/** /proc/self/mountinfo: "id parent maj:min root mountpoint options [optional…] - fstype source superoptions". */
export function parseMountinfo(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const fields = left.split(' ');
    const [fstype, , superOptions] = right.split(' ');
    if (!fields[4] || !fstype) continue;
    mounts.push({
      mountPoint: unescapeMount(fields[4]),
      fstype,
      superOptions: superOptions ?? '',
    });
  }
  return mounts;
}

/** /proc/self/cgroup: "hierarchy-id:controllers:path"; the v2 line has no controllers (key ''). */
export function parseProcCgroup(text: string): Map<string, string> {
  const own = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^\d+:([^:]*):(.*)$/.exec(line.trim());
    if (match) own.set(match[1]!, match[2]!);
  }
  return own;
}

function unescapeMount(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) =>
    String.fromCharCode(parseInt(octal, 8)),
  );
}

function write(dir: string, file: string, value: string): void {
  fs.writeFileSync(path.join(dir, file), value);
}

function tryWrite(dir: string, file: string, value: string): boolean {
  try {
    write(dir, file, value);
    return true;
  } catch {
    return false;
  }
}

function readOr(file: string, fallback = ''): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

/**
 * A cgroup file holding one number, read on every invocation: kept open and read from offset 0
 * (the kernel renders it afresh), one syscall instead of readFileSync's open, fstat, reads and close.
 */
class CounterFile {
  private fd: number | undefined;
  private missing = false;
  private readonly buffer = Buffer.alloc(32);

  constructor(
    private readonly dir: string | undefined,
    private readonly file: string,
  ) {}

  read(): number | undefined {
    const fd = this.open();
    if (fd === undefined) return undefined;
    try {
      const text = this.buffer.toString('latin1', 0, fs.readSync(fd, this.buffer, 0, 32, 0)).trim();
      return /^\d+$/.test(text) ? Number(text) : undefined;
    } catch {
      return undefined;
    }
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
    this.missing = true;
  }

  /** Absent files (memory.peak before Linux 5.19) are not looked for again. */
  private open(): number | undefined {
    if (this.fd !== undefined || this.missing || this.dir === undefined) return this.fd;
    try {
      this.fd = fs.openSync(path.join(this.dir, this.file), 'r');
    } catch {
      this.missing = true;
    }
    return this.fd;
  }
}

/** A "key value" line of a flat keyed file (memory.events, memory.oom_control). */
function keyed(text: string, key: string): number {
  const match = new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
  return match ? Number(match[1]) : 0;
}

function code(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? String(err);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
