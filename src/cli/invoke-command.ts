import fs from 'node:fs/promises';
import http from 'node:http';
import { configFromEnv, loadConfig, type Config, type ConfigInput } from '../config.js';
import { startServer } from '../server.js';
import { attachHelp, debugConfig } from './debug-flags.js';
import { deployTemplateForInvoke, type TemplateInvokeFlags } from './template-invoke.js';

export const INVOKE_USAGE = `       asimov invoke <FunctionName|LogicalId> [--event FILE|-] [--qualifier Q]
                    [--endpoint-url URL] [--template FILE [--parameter-overrides K=V …] [--env-vars FILE]]
                    [--debug-port PORT] [--debug-function NAME=PORT]… [--verbose] [serve flags…]`;

/** Exit statuses: the function failed (its error is on stdout), or the invocation could not run. */
export const EXIT_FUNCTION_ERROR = 1;
export const EXIT_NOT_INVOKED = 2;

/** Where `asimov serve` listens by default: 127.0.0.1:9001, or ASIMOV_HOST / ASIMOV_PORT. */
function defaultEndpoint(env = process.env): string {
  const host = !env.ASIMOV_HOST || env.ASIMOV_HOST === '0.0.0.0' ? '127.0.0.1' : env.ASIMOV_HOST;
  return `http://${host.includes(':') ? `[${host}]` : host}:${env.ASIMOV_PORT ?? 9001}`;
}

interface InvokeFlags {
  functionName: string;
  /** A file, `-` for stdin, or undefined for `{}` (as sam local invoke sends without -e). */
  event?: string;
  qualifier?: string;
  endpointUrl?: string;
  template?: TemplateInvokeFlags;
  debugPort?: string;
  debugFunctions: string[];
  verbose: boolean;
  /** Flags for an embedded server, as `asimov serve` takes them. */
  serveArgs: string[];
}

/**
 * `asimov invoke`, as `sam local invoke`: one invocation whose result goes to stdout and whose
 * logs go to stderr; the exit status is non-zero when the function fails. It runs against the
 * server at --endpoint-url, else the one `asimov serve` listens on by default when it answers, else a server
 * embedded for the call (on the same data dir, so functions deployed by `asimov serve` are
 * there). Debugging and --template always use an embedded server, configured for them.
 */
export async function invokeCommand(
  args: readonly string[],
  serveConfig: (args: string[]) => ConfigInput,
): Promise<number> {
  let flags: InvokeFlags;
  let debug: Pick<ConfigInput, 'debugPort' | 'debugFunctions'>;
  try {
    flags = takeInvokeFlags(args);
    debug = debugConfig(flags.debugPort, flags.debugFunctions);
    // --debug-port alone debugs the function invoked (and nothing else).
    if (debug.debugPort !== undefined) {
      debug.debugFunctions = { ...debug.debugFunctions, [flags.functionName]: debug.debugPort };
      delete debug.debugPort;
    }
  } catch (err) {
    process.stderr.write(`asimov invoke: ${(err as Error).message}\n${INVOKE_USAGE}\n`);
    return EXIT_NOT_INVOKED;
  }
  const payload = await readEvent(flags.event);
  const embedded = flags.template !== undefined || debug.debugFunctions !== undefined;
  if (flags.endpointUrl && embedded) {
    process.stderr.write(
      'asimov invoke: --debug-port and --template start a server of their own; a running server is debugged with `asimov serve --debug-function NAME=PORT`\n',
    );
    return EXIT_NOT_INVOKED;
  }
  const remote = flags.endpointUrl ?? (embedded ? undefined : await answering(defaultEndpoint()));
  if (remote) return invokeAt(remote, flags, payload, true);
  const config = loadConfig(configFromEnv(), serveConfig(flags.serveArgs), {
    host: '127.0.0.1',
    port: 0,
    quiet: true,
    ...debug,
  });
  return invokeEmbedded(config, flags, payload);
}

async function invokeEmbedded(
  config: Config,
  flags: InvokeFlags,
  payload: Buffer,
): Promise<number> {
  const server = await startServer(config, {
    log: (line) => {
      if (flags.verbose || line.startsWith('debug:')) process.stderr.write(`[asimov] ${line}\n`);
    },
    // The invoked function's lines as they come (START … REPORT), others' with their name.
    functionOutput: (fn, line) =>
      process.stderr.write(fn === flags.functionName ? `${line}\n` : `[${fn}] ${line}\n`),
  });
  try {
    process.stderr.write(attachHelp(config.debugFunctions, config.debugPort));
    if (flags.template) await deployTemplateForInvoke(server, config, flags.template);
    return await invokeAt(server.url, flags, payload, false);
  } catch (err) {
    process.stderr.write(`asimov invoke: ${(err as Error).message}\n`);
    return EXIT_NOT_INVOKED;
  } finally {
    await server.close();
  }
}

/**
 * Invoke over the Lambda API, signed with the caller's access key id and region (the server
 * reads the account from a 12-digit key, as for the aws CLI; the signature is not checked).
 */
async function invokeAt(
  endpoint: string,
  flags: InvokeFlags,
  payload: Buffer,
  tail: boolean,
): Promise<number> {
  const query = flags.qualifier ? `?Qualifier=${encodeURIComponent(flags.qualifier)}` : '';
  const url = `${endpoint}/2015-03-31/functions/${encodeURIComponent(flags.functionName)}/invocations${query}`;
  let response: PostResponse;
  try {
    response = await post(
      url,
      { ...credentialScope(), ...(tail ? { 'X-Amz-Log-Type': 'Tail' } : {}) },
      payload,
    );
  } catch (err) {
    process.stderr.write(`asimov invoke: ${endpoint} did not answer: ${(err as Error).message}\n`);
    return EXIT_NOT_INVOKED;
  }
  const { status, headers, body } = response;
  if (status < 200 || status > 299) {
    process.stderr.write(`asimov invoke: ${apiError(status, headers, body)}\n`);
    return EXIT_NOT_INVOKED;
  }
  const log = headers['x-amz-log-result'];
  if (typeof log === 'string') process.stderr.write(Buffer.from(log, 'base64'));
  process.stdout.write(body);
  if (body.length > 0 && body[body.length - 1] !== 0x0a) process.stdout.write('\n');
  return headers['x-amz-function-error'] ? EXIT_FUNCTION_ERROR : 0;
}

interface PostResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** node:http rather than fetch: an invocation held at a breakpoint may outlast fetch's timeouts. */
function post(url: string, headers: Record<string, string>, body: Buffer): Promise<PostResponse> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks),
        }),
      );
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

function credentialScope(): Record<string, string> {
  const key = process.env.AWS_ACCESS_KEY_ID;
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!key || !region) return {};
  const date = new Date().toISOString().slice(0, 10).replace(/-/g, '');
  return {
    Authorization: `AWS4-HMAC-SHA256 Credential=${key}/${date}/${region}/lambda/aws4_request, SignedHeaders=host, Signature=0`,
  };
}

function apiError(status: number, headers: http.IncomingHttpHeaders, body: Buffer): string {
  const code = headers['x-amzn-errortype'] ?? `HTTP ${status}`;
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { Message?: string; message?: string };
    return `${code}: ${parsed.Message ?? parsed.message ?? ''}`;
  } catch {
    return `${code}: ${body.toString('utf8')}`;
  }
}

/** The Lambda API at `url` if a server answers there (any answer with a request id). */
async function answering(url: string): Promise<string | undefined> {
  try {
    const response = await fetch(`${url}/2015-03-31/functions/?MaxItems=1`, {
      signal: AbortSignal.timeout(1000),
    });
    await response.arrayBuffer();
    return response.headers.has('x-amzn-requestid') ? url : undefined;
  } catch {
    return undefined;
  }
}

async function readEvent(event: string | undefined): Promise<Buffer> {
  if (event === undefined) return Buffer.from('{}');
  if (event !== '-') return fs.readFile(event);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The flags of `asimov serve` that take no value. */
const SERVE_SWITCHES = new Set([
  '--in-memory',
  '--no-endpoint-injection',
  '--quiet',
  '--isolate-network',
]);

/** Takes invoke's own flags; the rest configure an embedded server. */
function takeInvokeFlags(args: readonly string[]): InvokeFlags {
  const flags: InvokeFlags = {
    functionName: '',
    debugFunctions: [],
    verbose: false,
    serveArgs: [],
  };
  const overrides: string[] = [];
  let envVars: string | undefined;
  let template: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      const next = eq > 0 ? arg.slice(eq + 1) : args[++i];
      if (next === undefined) throw new Error(`${flag} needs a value`);
      return next;
    };
    if (flag === '--event' || flag === '-e') flags.event = value();
    else if (flag === '--qualifier') flags.qualifier = value();
    else if (flag === '--endpoint-url') flags.endpointUrl = value().replace(/\/+$/, '');
    else if (flag === '--template' || flag === '-t') template = value();
    else if (flag === '--env-vars' || flag === '-n') envVars = value();
    else if (flag === '--parameter-overrides') {
      overrides.push(value());
      while (args[i + 1] !== undefined && !(args[i + 1] as string).startsWith('-'))
        overrides.push(args[++i] as string);
    } else if (flag === '--debug-port' || flag === '-d') flags.debugPort = value();
    else if (flag === '--debug-function') flags.debugFunctions.push(value());
    else if (flag === '--verbose') flags.verbose = true;
    else if (!arg.startsWith('-') && !flags.functionName) flags.functionName = arg;
    else {
      flags.serveArgs.push(arg);
      if (arg.startsWith('--') && eq === -1 && !SERVE_SWITCHES.has(arg))
        flags.serveArgs.push(value());
    }
  }
  if (!flags.functionName) throw new Error('name the function to invoke');
  if (template !== undefined) flags.template = { template, parameterOverrides: overrides, envVars };
  else if (overrides.length > 0 || envVars !== undefined)
    throw new Error('--env-vars and --parameter-overrides go with --template');
  return flags;
}
