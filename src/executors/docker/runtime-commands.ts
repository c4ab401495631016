import path from 'node:path';
import type { RuntimeCommand, RuntimeCommandSource } from '../../runtimes/runtime-commands.js';
import { runtimeFamily } from '../../aws/runtimes.js';
import { RUNTIME_BOOTSTRAP } from './container-spec.js';

/**
 * What starts each runtime inside a container. The interpreter is the image's, not the host's: a
 * managed runtime starts /var/runtime/bootstrap (ours in the local images, AWS's runtime client in
 * AWS's), a provided one its own bootstrap (the executor looks in /var/task, then /opt).
 */
export class ContainerRuntimeCommands implements RuntimeCommandSource {
  async commandFor(runtime: string, taskRoot: string): Promise<RuntimeCommand> {
    if (runtimeFamily(runtime) === 'provided')
      return { command: path.join(taskRoot, 'bootstrap'), args: [], env: {} };
    return { command: RUNTIME_BOOTSTRAP, args: [], env: {} };
  }
}
