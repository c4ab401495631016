import type Docker from 'dockerode';
import tar from 'tar-fs';
import { OPT_DIR, TASK_DIR } from './container-spec.js';

/**
 * A remote engine cannot bind-mount this server's files: the function's code and its layers are
 * copied into the created container instead (putArchive), owned by root and not writable by
 * others, so that the sandbox user finds /var/task and /opt as read-only as Lambda's.
 */
export async function copyCode(
  container: Docker.Container,
  taskRoot: string | undefined,
  optRoot: string | undefined,
): Promise<void> {
  if (taskRoot) await container.putArchive(packed(taskRoot), { path: TASK_DIR });
  if (optRoot) await container.putArchive(packed(optRoot), { path: OPT_DIR });
}

function packed(dir: string): NodeJS.ReadableStream {
  return tar.pack(dir, {
    map: (header) => ({
      ...header,
      uid: 0,
      gid: 0,
      uname: 'root',
      gname: 'root',
      mode: readOnly(header.mode),
    }),
  });
}

/** Group and others keep read and execute, lose write. */
function readOnly(mode: number): number {
  return mode & ~0o022;
}
