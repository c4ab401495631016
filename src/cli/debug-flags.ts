import type { ConfigInput } from '../config.js';

/**
 * `--debug-port PORT` and `--debug-function NAME[=PORT]`, as `sam local` takes them: a port
 * alone debugs every function; bare names limit it to those; `NAME=PORT` gives a function a
 * port of its own, so several functions are debugged at once.
 */
export function debugConfig(
  port: string | undefined,
  functions: readonly string[] = [],
): Pick<ConfigInput, 'debugPort' | 'debugFunctions'> {
  const named: Record<string, number> = {};
  const bare: string[] = [];
  for (const entry of functions) {
    const at = entry.indexOf('=');
    if (at === -1) bare.push(entry);
    else named[entry.slice(0, at)] = portNumber(entry.slice(at + 1), `--debug-function ${entry}`);
  }
  if (bare.length > 0 && port === undefined)
    throw new Error(`--debug-function ${bare[0]} needs --debug-port, or NAME=PORT`);
  const portValue = port === undefined ? undefined : portNumber(port, '--debug-port');
  for (const name of bare) named[name] = portValue as number;
  const out: Pick<ConfigInput, 'debugPort' | 'debugFunctions'> = {};
  if (Object.keys(named).length > 0) out.debugFunctions = named;
  if (portValue !== undefined && bare.length === 0) out.debugPort = portValue;
  return out;
}

function portNumber(text: string, flag: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`${flag}: '${text}' is not a port`);
  return port;
}

/**
 * How to attach, printed when debugging is on: Chrome DevTools or VS Code for Node.js, VS Code
 * (debugpy) for Python. The code is at /var/task inside the environment, as on AWS.
 */
export function attachHelp(
  functions: Readonly<Record<string, number>>,
  everyFunction?: number,
): string {
  const targets = Object.entries(functions).map(([name, port]) => ({ name, port }));
  if (everyFunction !== undefined)
    targets.push({ name: 'every other function', port: everyFunction });
  if (targets.length === 0) return '';
  const lines = [
    'Debugging: each function below waits for a debugger before its handler loads; its timeout is suspended.',
  ];
  for (const { name, port } of targets) lines.push(`  ${name}: port ${port}`);
  const port = targets[0]?.port ?? 9229;
  lines.push(
    'Attach (one environment per debugged function; its invocations take turns):',
    `  Node.js: chrome://inspect → Configure… → 127.0.0.1:${port}, or in VS Code's launch.json:`,
    `    { "type": "node", "request": "attach", "name": "Attach to Lambda", "address": "127.0.0.1", "port": ${port},`,
    `      "localRoot": "\${workspaceFolder}", "remoteRoot": "/var/task", "skipFiles": ["<node_internals>/**", "/var/runtime/**"] }`,
    '  Python (needs debugpy importable by the function: pip install debugpy), in launch.json:',
    `    { "type": "debugpy", "request": "attach", "name": "Attach to Lambda", "connect": { "host": "127.0.0.1", "port": ${port} },`,
    `      "pathMappings": [{ "localRoot": "\${workspaceFolder}", "remoteRoot": "/var/task" }] }`,
  );
  return `${lines.join('\n')}\n`;
}
