import { execFileSync } from 'node:child_process';
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

/**
 * Which interpreter serves which runtime. Node.js runtimes use the node running this server
 * unless configured; `pythonX.Y` uses the `pythonX.Y` on PATH; `provided.*` runs the function's
 * own bootstrap. `interpreters` overrides by exact runtime or by family ("python").
 */
export class RuntimeCommands {
  private readonly resolved = new Map<string, string | null>();

  constructor(private readonly interpreters: Record<string, string>) {}

  commandFor(runtime: string, taskRoot: string): RuntimeCommand {
    const family = runtimeFamily(runtime);
    if (family === 'provided') return this.custom(taskRoot);
    if (family === 'nodejs') {
      const node = this.interpreter(runtime, family, process.execPath);
      return { command: node, args: [path.join(RUNTIMES_DIR, 'nodejs', 'bootstrap.mjs')], env: {} };
    }
    if (family === 'python') {
      const python = this.interpreter(runtime, family, runtime);
      return {
        command: python,
        args: ['-u', path.join(RUNTIMES_DIR, 'python', 'bootstrap.py')],
        env: { PYTHONDONTWRITEBYTECODE: '1' },
      };
    }
    throw noInterpreter(runtime, runtime);
  }

  /** AWS looks for the bootstrap in the function's code, then in /opt (layers). */
  private custom(taskRoot: string): RuntimeCommand {
    const bootstrap = path.join(taskRoot, 'bootstrap');
    return { command: bootstrap, args: [], env: {} };
  }

  private interpreter(runtime: string, family: string, fallback: string): string {
    const wanted = this.interpreters[runtime] ?? this.interpreters[family] ?? fallback;
    if (!this.resolved.has(wanted)) this.resolved.set(wanted, resolveExecutable(wanted));
    const found = this.resolved.get(wanted);
    if (!found) throw noInterpreter(runtime, wanted);
    return found;
  }
}

/**
 * The real executable behind a command name. Version managers (pyenv, nvm) put shell shims on
 * PATH that cost tens of milliseconds per start; asking the interpreter for itself skips them.
 */
function resolveExecutable(command: string): string | null {
  if (path.isAbsolute(command)) return fs.existsSync(command) ? command : null;
  try {
    const probe = command.startsWith('python')
      ? execFileSync(command, ['-c', 'import sys; print(sys.executable)'], {
          encoding: 'utf8',
          timeout: 10_000,
        })
      : execFileSync('sh', ['-c', `command -v "$0"`, command], {
          encoding: 'utf8',
          timeout: 10_000,
        });
    const found = probe.trim();
    return found.length > 0 ? found : null;
  } catch {
    return null;
  }
}

function noInterpreter(runtime: string, command: string): LambdaError {
  return new LambdaError(
    'InvalidRuntimeException',
    `The runtime ${runtime} has no interpreter on this machine (looked for '${command}'). Install it, or map it with --interpreter ${runtime}=<command>.`,
  );
}
