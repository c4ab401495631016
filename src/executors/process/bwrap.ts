import { ENV_LOADER, SANDBOX_GID, SANDBOX_UID, TASK_DIR, type MountOp } from './sandbox.js';

/**
 * The bubblewrap command line of a sandbox. As root, bwrap builds the namespaces with real
 * privileges and `setpriv` then becomes uid 993 with no capabilities (bwrap's own --uid would
 * need a user namespace, where 993 would still be root on the host). As any other user, bwrap
 * makes a user namespace and maps that user to 993 inside.
 */
export interface BwrapOptions {
  bwrap: string;
  /** util-linux setpriv, used when the server runs as root. */
  setpriv?: string;
}

/**
 * Namespaces and lifetime: the sandbox dies with the server, sees only its own processes. The
 * network namespace is the host's, or the one of the environment's relay (network.ts).
 */
export function bwrapNamespaceArgs(options: Pick<BwrapOptions, 'setpriv'>) {
  const args = [
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    '--die-with-parent',
  ];
  if (!options.setpriv)
    args.push(
      '--unshare-user',
      '--uid',
      String(SANDBOX_UID),
      '--gid',
      String(SANDBOX_GID),
      // No user namespace of its own inside, where it would be root again.
      '--disable-userns',
    );
  return args;
}

export function bwrapArgs(
  ops: readonly MountOp[],
  command: string,
  args: readonly string[],
  options: BwrapOptions,
): string[] {
  const out = bwrapNamespaceArgs(options);
  // bwrap makes missing parents of a mount point 0700, which uid 993 cannot enter: make them 0755.
  const made = new Set<string>(['/']);
  const mounted: string[] = [];
  const parents = (dest: string) => {
    const parts = dest.split('/').filter(Boolean);
    for (let i = 1; i < parts.length; i++) {
      const dir = `/${parts.slice(0, i).join('/')}`;
      if (made.has(dir) || mounted.some((m) => dir === m || dir.startsWith(`${m}/`))) continue;
      out.push('--dir', dir);
      made.add(dir);
    }
  };
  for (const op of ops) {
    if (op.op !== 'remount-ro') parents(op.dest);
    if (op.op !== 'remount-ro' && op.op !== 'symlink') mounted.push(op.dest);
    switch (op.op) {
      case 'ro-bind':
        out.push('--ro-bind', op.src, op.dest);
        break;
      case 'bind':
        out.push('--bind', op.src, op.dest);
        break;
      case 'tmpfs':
        out.push('--tmpfs', op.dest);
        break;
      case 'remount-ro':
        out.push('--remount-ro', op.dest);
        break;
      case 'symlink':
        out.push('--symlink', op.target, op.dest);
        break;
      case 'proc':
        out.push('--proc', op.dest);
        break;
      case 'dev':
        out.push('--dev', op.dest);
        break;
    }
  }
  out.push('--remount-ro', '/', '--chdir', TASK_DIR, '--');
  if (options.setpriv) out.push(...setprivPrefix(options.setpriv));
  out.push('/bin/sh', '-c', ENV_LOADER, 'sh', command, ...args);
  return out;
}

/** Becomes AWS's sandbox user for good: no capabilities, none to regain, no setuid gains. */
export function setprivPrefix(setpriv: string): string[] {
  return [
    setpriv,
    `--reuid=${SANDBOX_UID}`,
    `--regid=${SANDBOX_GID}`,
    `--groups=${SANDBOX_GID}`,
    '--inh-caps=-all',
    '--bounding-set=-all',
    '--no-new-privs',
    '--',
  ];
}
