#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { configFromEnv, loadConfig, type ConfigInput } from './config.js';
import { startServer } from './server.js';
import { serveTemplate, takeTemplateFlags, TEMPLATE_USAGE } from './cli/serve-template.js';
import { attachHelp, debugConfig } from './cli/debug-flags.js';
import { GENERATE_EVENT_USAGE, generateEventCommand } from './cli/generate-event.js';
import { INVOKE_USAGE, invokeCommand } from './cli/invoke-command.js';

const USAGE = `usage: asimov serve [--host 127.0.0.1] [--port 9001] [--data-dir .asimov] [--in-memory]
                    [--region us-east-1] [--keep-alive-ms 600000] [--state-transition-delay-ms 0]
                    [--interpreter RUNTIME=COMMAND]… [--no-endpoint-injection] [--quiet]
                    [--sandbox auto|bwrap|unshare|none] [--isolate-network]
                    [--account-concurrency 1000] [--async-retry-base-ms 60000]
                    [--executor process|docker] [--function-executor NAME=process|docker]…
                    [--docker-image RUNTIME=IMAGE]…
                    [--docker-network host] [--docker-callback-host ADDRESS] [--docker-host URL]
                    [--docker-transfer auto|mount|copy]
                    [--debug-port PORT] [--debug-function NAME[=PORT]]…
${TEMPLATE_USAGE}
${INVOKE_USAGE}
${GENERATE_EVENT_USAGE}
Environment: ASIMOV_HOST, ASIMOV_PORT, ASIMOV_DATA_DIR, ASIMOV_IN_MEMORY, ASIMOV_DEFAULT_REGION, …`;

/** Flags → config input; parsing only, the config module validates. */
function flagsToConfig(args: string[]): ConfigInput {
  const { values } = parseArgs({
    args,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      'in-memory': { type: 'boolean' },
      region: { type: 'string' },
      'keep-alive-ms': { type: 'string' },
      'state-transition-delay-ms': { type: 'string' },
      'no-endpoint-injection': { type: 'boolean' },
      quiet: { type: 'boolean' },
      interpreter: { type: 'string', multiple: true },
      sandbox: { type: 'string' },
      'isolate-network': { type: 'boolean' },
      'account-concurrency': { type: 'string' },
      'async-retry-base-ms': { type: 'string' },
      executor: { type: 'string' },
      'function-executor': { type: 'string', multiple: true },
      'docker-image': { type: 'string', multiple: true },
      'docker-network': { type: 'string' },
      'docker-callback-host': { type: 'string' },
      'docker-host': { type: 'string' },
      'docker-transfer': { type: 'string' },
      'debug-port': { type: 'string' },
      'debug-function': { type: 'string', multiple: true },
    },
  });
  const input: Record<string, unknown> = {
    host: values.host,
    port: values.port,
    dataDir: values['data-dir'],
    inMemory: values['in-memory'],
    defaultRegion: values.region,
    keepAliveMs: values['keep-alive-ms'],
    stateTransitionDelayMs: values['state-transition-delay-ms'],
    injectEndpoint: values['no-endpoint-injection'] ? false : undefined,
    quiet: values.quiet,
    interpreters: values.interpreter ? parsePairs('--interpreter', values.interpreter) : undefined,
    sandbox: values.sandbox,
    isolateNetwork: values['isolate-network'],
    accountConcurrency: values['account-concurrency'],
    asyncRetryBaseMs: values['async-retry-base-ms'],
    executor: values.executor,
    functionExecutors: values['function-executor']
      ? parsePairs('--function-executor', values['function-executor'], 'NAME')
      : undefined,
    dockerImages: values['docker-image']
      ? parsePairs('--docker-image', values['docker-image'])
      : undefined,
    dockerNetwork: values['docker-network'],
    dockerCallbackHost: values['docker-callback-host'],
    dockerHost: values['docker-host'],
    dockerTransfer: values['docker-transfer'],
    ...debugConfig(values['debug-port'], values['debug-function']),
  };
  return Object.fromEntries(
    Object.entries(input).filter(([, v]) => v !== undefined),
  ) as ConfigInput;
}

/**
 * `--interpreter python3.12=/usr/bin/python3.12` maps a runtime (or a family) to a command,
 * `--docker-image nodejs20.x=my/node:20` to an image.
 */
function parsePairs(flag: string, pairs: string[], key = 'RUNTIME'): Record<string, string> {
  return Object.fromEntries(
    pairs.map((pair) => {
      const at = pair.indexOf('=');
      if (at <= 0) throw new Error(`${flag} wants ${key}=VALUE, got '${pair}'`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}

async function serve(args: string[]): Promise<void> {
  const { flags: template, rest } = takeTemplateFlags(args);
  const config = loadConfig(configFromEnv(), flagsToConfig(rest));
  const server = await startServer(config);
  const where = config.inMemory ? 'in memory (nothing kept on disk)' : `data in ${config.dataDir}`;
  console.log(`Asimov Lambda listening on ${server.url} — ${where}`);
  console.log(`Point the aws CLI at it:  aws lambda list-functions --endpoint-url ${server.url}`);
  process.stdout.write(attachHelp(config.debugFunctions, config.debugPort));
  const unwatch = template
    ? await serveTemplate(server, config, template).catch(async (err: Error) => {
        await server.close();
        throw err;
      })
    : undefined;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping`);
    unwatch?.();
    server.close().then(
      () => process.exit(0),
      (err: Error) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'serve') return serve(rest);
  if (command === 'invoke') process.exit(await invokeCommand(rest, flagsToConfig));
  if (command === 'generate-event') process.exit(generateEventCommand(rest));
  console.error(USAGE);
  process.exit(command === undefined || command === '--help' ? 0 : 2);
}

main(process.argv.slice(2)).catch((err: Error) => {
  console.error(`asimov: ${err.message}`);
  process.exit(1);
});
