import { spawnSync } from 'node:child_process';
import os from 'node:os';

/** What the docker executor's tests look at on the engine: our labelled containers. */
export interface Container {
  id: string;
  name: string;
  state: string;
  server: string;
}

/** Our containers (label asimov.lambda=1), as `docker ps -a` lists them. */
export function containers(): Container[] {
  const out = spawnSync(
    'docker',
    [
      'ps',
      '-a',
      '--filter',
      'label=asimov.lambda=1',
      '--format',
      '{{.ID}}\t{{.Names}}\t{{.State}}\t{{.Label "asimov.lambda.server"}}',
    ],
    { encoding: 'utf8' },
  ).stdout;
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [id, name, state, server] = line.split('\t') as [string, string, string, string];
      return { id, name, state, server };
    });
}

/** The containers of one server process (its label is host/pid/start time). */
export const containersOf = (pid: number) =>
  containers().filter((c) => c.server.startsWith(`${os.hostname()}/${pid}/`));

export const containersOfFunction = (name: string) =>
  containersOf(process.pid).filter((c) => c.name.startsWith(`asimov-${name}-`));

export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
