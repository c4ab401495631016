import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import { LambdaError } from '../aws/errors.js';
import { runtimeFamily } from '../aws/runtimes.js';
import { RUNTIMES_DIR } from '../paths.js';

/** How to start a runtime: the program that will speak the Runtime API, and runtime-specific env. */
export interface RuntimeCommand {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/** Whatever tells the worker manager how a runtime starts (the host's interpreters, or an image's). */
export interface RuntimeCommandSource {
  commandFor(runtime: string, taskRoot: string, optRoot?: string): Promise<RuntimeCommand>;
}

/**
 * Which interpreter serves which runtime. Node.js runtimes use the node running this server
 * unless configured; `pythonX.Y` uses the `pythonX.Y` on PATH; `provided.*` runs the function's
 * own bootstrap. `interpreters` overrides by exact runtime or by family ("python").
 */
export class RuntimeCommands implements RuntimeCommandSource {
  /** One lookup per command, shared by every caller that asks while it runs. */
  private readonly resolved = new Map<string, Promise<string | null>>();

  constructor(private readonly interpreters: Record<string, string>) {}

  async commandFor(runtime: string, taskRoot: string, optRoot?: string): Promise<RuntimeCommand> {
    const family = runtimeFamily(runtime);
    if (family === 'provided') return this.custom(taskRoot, optRoot);
    if (family === 'nodejs') {
      const node = await this.interpreter(runtime, family, process.execPath);
      return { command: node, args: [path.join(RUNTIMES_DIR, 'nodejs', 'bootstrap.mjs')], env: {} };
    }
    if (family === 'python') {
      const python = await this.interpreter(runtime, family, runtime);
      return {
        command: python,
        args: ['-u', path.join(RUNTIMES_DIR, 'python', 'bootstrap.py')],
        env: { PYTHONDONTWRITEBYTECODE: '1' },
      };
    }
    throw noInterpreter(runtime, runtime);
  }

  /** AWS looks for the bootstrap in the function's code, then in /opt (layers). */
  private custom(taskRoot: string, optRoot?: string): RuntimeCommand {
    const own = path.join(taskRoot, 'bootstrap');
    const layered = optRoot && path.join(optRoot, 'bootstrap');
    const useLayer = layered && !exists(own) && exists(layered);
    return { command: useLayer ? layered : own, args: [], env: {} };
  }

  private async interpreter(runtime: string, family: string, fallback: string): Promise<string> {
    const wanted = this.interpreters[runtime] ?? this.interpreters[family] ?? fallback;
    let lookup = this.resolved.get(wanted);
    if (!lookup) {
      lookup = resolveExecutable(wanted);
      this.resolved.set(wanted, lookup);
    }
    const found = await lookup;
    if (!found) throw noInterpreter(runtime, wanted);
    return found;
  }
}

/**
 * The real executable behind a command name. Version managers (pyenv, nvm) put shell shims on
 * PATH that cost tens of milliseconds per start; asking the interpreter for itself skips them.
 */
async function resolveExecutable(command: string): Promise<string | null> {
  if (path.isAbsolute(command)) return fs.existsSync(command) ? command : null;
  const probe = command.startsWith('python')
    ? run(command, ['-c', 'import sys; print(sys.executable)'], { timeout: 10_000 })
    : run('sh', ['-c', 'command -v "$0"', command], { timeout: 10_000 });
  try {
    const found = (await probe).stdout.trim();
    return found.length > 0 ? found : null;
  } catch {
    return null;
  }
}

const run = promisify(execFile);

/** lstat, as the bootstrap itself may be a symlink that the runtime's exec then reports on. */
const exists = (file: string): boolean =>
  fs.lstatSync(file, { throwIfNoEntry: false }) !== undefined;

function noInterpreter(runtime: string, command: string): LambdaError {
  return new LambdaError(
    'InvalidRuntimeException',
    `The runtime ${runtime} has no interpreter on this machine (looked for '${command}'). Install it, or map it with --interpreter ${runtime}=<command>.`,
  );
}
