import { setprivPrefix } from './bwrap.js';
import { TASK_DIR, type MountOp } from './sandbox.js';

/**
 * The fallback sandbox where bubblewrap is missing: util-linux alone, as root. `unshare` makes
 * the namespaces; inside, a shell mounts the environment's root on a tmpfs from an fstab written
 * once per environment (one `mount --all` instead of a process per mount), pivots into it,
 * drops to uid 993 with no capabilities, and keeps a shell as PID 1 so that the runtime is an
 * ordinary process (PID 1 ignores signals it has no handler for, SIGKILL from inside included).
 *
 * Differences from bubblewrap: /dev is the host's /dev bound read-only and without submounts
 * (no /dev/shm), and bound system directories are read-only at their top mount only.
 */
export interface UnshareTools {
  unshare: string;
  setpriv: string;
  mount: string;
  cp: string;
  pivotRoot: string;
  umount: string;
  sh: string;
}

export function unshareNamespaceArgs(): string[] {
  const args = ['--mount', '--pid', '--fork', '--ipc', '--uts', '--cgroup'];
  // Slave: unmounts on the host (another environment's /tmp) reach this namespace too.
  args.push('--propagation', 'slave');
  return args;
}

/** fstab lines for every mount of the plan under `root` (symlinks are made by the script). */
export function unshareFstab(ops: readonly MountOp[], root: string): string {
  const lines: string[] = [];
  const at = (dest: string) => fstabField(dest === '/' ? root : root + dest);
  for (const op of ops) {
    switch (op.op) {
      case 'ro-bind':
        lines.push(
          `${fstabField(op.src)} ${at(op.dest)} none rbind,ro,nosuid,nodev,X-mount.mkdir 0 0`,
        );
        break;
      case 'bind':
        lines.push(`${fstabField(op.src)} ${at(op.dest)} none bind,nosuid,nodev,X-mount.mkdir 0 0`);
        break;
      case 'tmpfs':
        lines.push(`tmpfs ${at(op.dest)} tmpfs nosuid,nodev,mode=0755,size=16k,X-mount.mkdir 0 0`);
        break;
      case 'proc':
        lines.push(`proc ${at(op.dest)} proc nosuid,nodev,noexec,X-mount.mkdir 0 0`);
        break;
      case 'dev':
        // Not recursive: the host's /dev/shm, /dev/pts and /dev/mqueue stay out.
        lines.push(`/dev ${at(op.dest)} none bind,ro,nosuid,X-mount.mkdir 0 0`);
        break;
      case 'symlink':
      case 'remount-ro':
        break;
    }
  }
  for (const op of ops)
    if (op.op === 'remount-ro') lines.push(`none ${at(op.dest)} none remount,bind,ro 0 0`);
  lines.push(`none ${fstabField(root)} none remount,bind,ro 0 0`);
  return `${lines.join('\n')}\n`;
}

/**
 * `unshare … sh -c SCRIPT sh ROOT FSTAB SYMLINK… -- COMMAND ARGS…`: the script's positional
 * parameters carry every path, so nothing needs quoting.
 */
export function unshareArgs(
  tools: UnshareTools,
  ops: readonly MountOp[],
  root: string,
  fstab: string,
  command: string,
  args: readonly string[],
): string[] {
  const symlinks = ops.flatMap((op) => (op.op === 'symlink' ? [op.dest] : []));
  const [setpriv, ...setprivArgs] = setprivPrefix(tools.setpriv);
  const script = [
    'set -e',
    'R=$1 F=$2; shift 2',
    `${tools.mount} -t tmpfs -o mode=0755,size=64k asimov "$R"`,
    'L=; while [ "$1" != -- ]; do L="$L $1"; shift; done; shift',
    // Host symlinks such as /bin -> usr/bin, copied as they are.
    `[ -z "$L" ] || ${tools.cp} -P -t "$R" $L`,
    `${tools.mount} --all --fstab "$F"`,
    `cd "$R"; ${tools.pivotRoot} . .; ${tools.umount} -l .`,
    `cd ${TASK_DIR}`,
    // The function's variables, from fd 3 (sandbox.ts, ENV_LOADER), for the runtime alone.
    `exec ${setpriv} ${setprivArgs.join(' ')} ${tools.sh} -c '. /dev/fd/3 && exec 3<&- && { "$@" & wait $!; }' sh "$@"`,
  ].join('\n');
  return [
    ...unshareNamespaceArgs(),
    '--',
    tools.sh,
    '-c',
    script,
    'sh',
    root,
    fstab,
    ...symlinks,
    '--',
    command,
    ...args,
  ];
}

/** fstab separates fields by whitespace; octal escapes keep paths with spaces intact. */
function fstabField(value: string): string {
  return value.replace(/[\s\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}
