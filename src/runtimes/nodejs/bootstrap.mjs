/**
 * The Node.js runtime we ship: started as `node bootstrap.mjs` in the task root, it loads the
 * function's handler and serves invocations from the Lambda Runtime API (AWS_LAMBDA_RUNTIME_API)
 * the way AWS's aws-lambda-nodejs-runtime-interface-client does.
 */
import path from 'node:path';
import { UnhandledPromiseRejection, toRapidResponse } from './errors.mjs';
import { loadHandler } from './handler-loader.mjs';
import { activeRequestId, invoke, invokeStreaming, onBeforeExit } from './invoke.mjs';
import { logError, patchConsole } from './logging.mjs';
import { RuntimeApiClient } from './runtime-api-client.mjs';
import { installGlobals, isStreamingHandler } from './streaming.mjs';

// AWS's exit codes: the server sees the runtime die and starts a fresh one.
const EXIT_UNCAUGHT_EXCEPTION = 129;
const EXIT_UNHANDLED_REJECTION = 128;

// Set only where /opt could not be mounted; NODE_PATH already names the layers' place.
delete process.env._ASIMOV_OPT_ROOT;
patchConsole();
// Before the handler loads: its module calls awslambda.streamifyResponse as it is evaluated.
installGlobals();
const client = new RuntimeApiClient(process.env.AWS_LAMBDA_RUNTIME_API ?? '');
let exiting = false;

process.on('uncaughtException', (error) => {
  fail('Uncaught Exception', error, EXIT_UNCAUGHT_EXCEPTION);
});
process.on('unhandledRejection', (reason, promise) => {
  const error = new UnhandledPromiseRejection(reason, promise);
  fail('Unhandled Promise Rejection', error, EXIT_UNHANDLED_REJECTION);
});
process.on('beforeExit', onBeforeExit);

// Not top-level await: the loop never settles, which Node would report as a stuck module.
main().catch((error) => {
  console.error('Unexpected Top Level Error:', error);
  process.exit(1);
});

async function main() {
  await waitForDebugger();
  const taskRoot = path.resolve(process.env.LAMBDA_TASK_ROOT ?? process.cwd());
  let handler;
  try {
    handler = await loadHandler(taskRoot, process.env._HANDLER ?? '');
  } catch (error) {
    // Reported like any uncaught error at init, which is how AWS's runtime ends up doing it.
    fail('Uncaught Exception', error, EXIT_UNCAUGHT_EXCEPTION);
    return;
  }
  if (isStreamingHandler(handler)) {
    for (;;) await invokeStreaming(client, handler, await client.next());
  }
  const isAsync = isAsyncFunction(handler);
  for (;;) await invoke(client, handler, isAsync, await client.next());
}

/**
 * The server started us with the inspector (NODE_OPTIONS=--inspect=host:port) and asks us to
 * wait for a debugger before the handler loads, so breakpoints in module code hit too. Processes
 * the function starts do not inherit the inspector flag (they would fight over the port).
 */
async function waitForDebugger() {
  const address = process.env._ASIMOV_DEBUG;
  if (!address) return;
  delete process.env._ASIMOV_DEBUG;
  // Imported only here: node:inspector (with worker_threads) costs every cold start a millisecond.
  const { default: inspector } = await import('node:inspector');
  const options = (process.env.NODE_OPTIONS ?? '').replace(/--inspect(-brk)?=\S+\s*/, '').trim();
  if (options) process.env.NODE_OPTIONS = options;
  else delete process.env.NODE_OPTIONS;
  if (!inspector.url()) {
    process.stderr.write(
      `asimov: the inspector could not listen on ${address} (port in use?); running without a debugger\n`,
    );
    return;
  }
  process.stderr.write(`asimov: waiting for a debugger on ${address} (the timeout is suspended)\n`);
  inspector.waitForDebugger();
}

/** Reports an error nothing else caught, against the invocation or else the init, then exits. */
function fail(label, error, exitCode) {
  if (exiting) return;
  exiting = true;
  try {
    logError(label, error);
  } catch {
    // A broken console must not stop the report.
  }
  const body = toRapidResponse(error);
  const requestId = activeRequestId();
  const posted =
    requestId === undefined ? client.postInitError(body) : client.postError(requestId, body);
  const exit = () => process.exit(exitCode);
  posted.then(exit, exit);
}

function isAsyncFunction(fn) {
  try {
    return fn.constructor?.name === 'AsyncFunction';
  } catch {
    return false;
  }
}
