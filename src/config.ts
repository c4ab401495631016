import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

/**
 * The one typed configuration of a server, validated once from flags, environment variables and
 * the embedded defaults (in that order of precedence). Everything inward takes `Config`.
 */
const ConfigSchema = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.coerce.number().int().min(0).max(65535).default(9001),
  dataDir: z.string().min(1).default('.asimov'),
  inMemory: z.coerce.boolean().default(false),
  /** Region for requests whose signature names none. */
  defaultRegion: z.string().default('us-east-1'),
  /** How long a function stays Pending, or an update InProgress, after the work is done (AWS takes seconds). */
  stateTransitionDelayMs: z.coerce.number().int().min(0).default(0),
  /** How long an idle execution environment is kept warm. */
  keepAliveMs: z.coerce
    .number()
    .int()
    .min(0)
    .default(10 * 60 * 1000),
  /** Set AWS_ENDPOINT_URL inside functions so SDK calls they make reach this server. */
  injectEndpoint: z.coerce.boolean().default(true),
  /** Interpreter commands per runtime family or exact runtime, e.g. { 'python3.12': 'python3.12' }. */
  interpreters: z.record(z.string(), z.string()).default({}),
  /** Print functions' output on the server's stdout. */
  printFunctionLogs: z.coerce.boolean().default(true),
  quiet: z.coerce.boolean().default(false),
  /** The account's concurrency limit (AWS's default quota is 1,000 per account and region). */
  accountConcurrency: z.coerce.number().int().min(1).default(1000),
  /**
   * Asynchronous invocation: the wait before retrying an event whose function failed, multiplied
   * by the attempts made (AWS waits about 1 minute, then 2). Tests set tens of milliseconds.
   */
  asyncRetryBaseMs: z.coerce.number().int().min(0).default(60_000),
  /** The first wait after a throttled event, doubling up to 5 minutes (AWS starts at 1 second). */
  asyncThrottleBaseMs: z.coerce.number().int().min(0).default(1000),
  /** Events of one function that the async queue runs at once (AWS scales out; a host cannot). */
  asyncConcurrencyPerFunction: z.coerce
    .number()
    .int()
    .min(1)
    .default(Math.max(2, os.availableParallelism() * 2)),
  /** Where execution environments run (see src/executors/registry.ts). */
  executor: z.enum(['process', 'docker']).default('process'),
  /**
   * Functions (by name) that run on another executor than `executor`: `{"legacy": "docker"}`.
   * PackageType Image functions always run on docker.
   */
  functionExecutors: z.record(z.string(), z.enum(['process', 'docker'])).default({}),
  /** docker executor: images by exact runtime or family (default: local images, else AWS's). */
  dockerImages: z.record(z.string(), z.string()).default({}),
  /** docker executor: the containers' network (`host` reaches the Runtime API on 127.0.0.1). */
  dockerNetwork: z.string().min(1).default('host'),
  /** docker executor: how containers on another network reach this server. */
  dockerCallbackHost: z.string().min(1).default('host.docker.internal'),
  /** The Docker engine (unix:///path or tcp://host:port); by default DOCKER_HOST's, else /var/run/docker.sock. */
  dockerHost: z.string().min(1).optional(),
  /**
   * docker executor: how code, layers and output reach containers — bind mounts and FIFOs
   * (`mount`), or putArchive and the attach stream (`copy`, for an engine that does not share this
   * filesystem). `auto`: copy for tcp:// and ssh:// engines, mount for a local socket.
   */
  dockerTransfer: z.enum(['auto', 'mount', 'copy']).default('auto'),
  /**
   * How each execution environment is isolated (src/executors/process/): `auto` uses bubblewrap
   * where it works, else util-linux unshare, else none (with a warning).
   */
  sandbox: z.enum(['auto', 'bwrap', 'unshare', 'none']).default('auto'),
  /** Give functions no network but the Runtime API. */
  isolateNetwork: z.coerce.boolean().default(false),
  /** Functions started waiting for a debugger, by name, each on its port (src/workers/debugging.ts). */
  debugFunctions: z.record(z.string(), z.coerce.number().int().min(1).max(65535)).default({}),
  /** The debug port of every function not named in debugFunctions (`sam local -d` alone). */
  debugPort: z.coerce.number().int().min(1).max(65535).optional(),
});

export type Config = z.output<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;

/** Environment variables that set config keys, for the CLI and containers. */
const ENV_KEYS: Record<string, keyof Config> = {
  ASIMOV_HOST: 'host',
  ASIMOV_PORT: 'port',
  ASIMOV_DATA_DIR: 'dataDir',
  ASIMOV_IN_MEMORY: 'inMemory',
  ASIMOV_DEFAULT_REGION: 'defaultRegion',
  ASIMOV_STATE_TRANSITION_DELAY_MS: 'stateTransitionDelayMs',
  ASIMOV_KEEP_ALIVE_MS: 'keepAliveMs',
  ASIMOV_INJECT_ENDPOINT: 'injectEndpoint',
  ASIMOV_ACCOUNT_CONCURRENCY: 'accountConcurrency',
  ASIMOV_ASYNC_RETRY_BASE_MS: 'asyncRetryBaseMs',
  ASIMOV_ASYNC_THROTTLE_BASE_MS: 'asyncThrottleBaseMs',
  ASIMOV_SANDBOX: 'sandbox',
  ASIMOV_ISOLATE_NETWORK: 'isolateNetwork',
  ASIMOV_EXECUTOR: 'executor',
  ASIMOV_DOCKER_NETWORK: 'dockerNetwork',
  ASIMOV_DOCKER_CALLBACK_HOST: 'dockerCallbackHost',
  ASIMOV_DOCKER_HOST: 'dockerHost',
  ASIMOV_DOCKER_TRANSFER: 'dockerTransfer',
  ASIMOV_DEBUG_PORT: 'debugPort',
};

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ConfigInput {
  const input: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const value = env[name];
    if (value !== undefined)
      input[key] =
        key === 'inMemory' || key === 'injectEndpoint' || key === 'isolateNetwork'
          ? value === 'true' || value === '1'
          : value;
  }
  // ASIMOV_DEBUG_FUNCTIONS=NAME=PORT,NAME=PORT
  if (env.ASIMOV_DEBUG_FUNCTIONS)
    input.debugFunctions = Object.fromEntries(
      env.ASIMOV_DEBUG_FUNCTIONS.split(',').map((pair) => pair.trim().split('=')),
    );
  return input as ConfigInput;
}

export function loadConfig(...layers: ConfigInput[]): Config {
  const merged = Object.assign({}, ...layers) as ConfigInput;
  const result = ConfigSchema.safeParse(merged);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`invalid configuration: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  return { ...result.data, dataDir: path.resolve(result.data.dataDir) };
}

/** Where an in-memory server keeps the code trees it must still put on disk to run them. */
export function scratchDir(): string {
  return path.join(os.tmpdir(), `asimov-${process.pid}-${Date.now().toString(36)}`);
}
