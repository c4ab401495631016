import { runtimeFamily } from '../aws/runtimes.js';

/**
 * Which functions start with a debugger, as `sam local` does with --debug-port: each named
 * function on its own port, and every other function on `everyFunction` when it is set. Only
 * one runtime can hold a port, so a debugged function runs one environment at a time.
 */
export interface DebugSettings {
  functions: Readonly<Record<string, number>>;
  everyFunction?: number;
}

export function debugPortFor(
  settings: DebugSettings | undefined,
  functionName: string,
): number | undefined {
  return settings?.functions[functionName] ?? settings?.everyFunction;
}

/**
 * The variables that make a runtime wait for a debugger on `host:port` before its handler loads
 * (read by our bootstraps): Node.js's inspector through NODE_OPTIONS (so the official runtime
 * client in AWS's images listens too, without waiting), debugpy for Python. Undefined for a
 * runtime we cannot start a debugger in (`provided.*` runs the function's own bootstrap).
 */
export function debugVariables(
  runtime: string,
  address: string,
  functionVariables: Readonly<Record<string, string>>,
): Record<string, string> | undefined {
  const family = runtimeFamily(runtime);
  if (family === 'nodejs') {
    const own = functionVariables.NODE_OPTIONS;
    return {
      NODE_OPTIONS: own ? `--inspect=${address} ${own}` : `--inspect=${address}`,
      _ASIMOV_DEBUG: address,
    };
  }
  if (family === 'python') return { _ASIMOV_DEBUGPY: address };
  return undefined;
}
