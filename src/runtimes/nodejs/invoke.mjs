/**
 * One invocation: builds the context, runs the handler in any of its styles (async, callback,
 * legacy context.done/succeed/fail) and posts whichever outcome settles first.
 */
import { NodeJsExit, toRapidResponse } from './errors.mjs';
import { logError, setRequestId } from './logging.mjs';
import { protocol } from './runtime-api-client.mjs';
import { createResponseStream, highWaterMarkOf } from './streaming.mjs';

const HEADERS = protocol.headers;
const env = process.env;
// Read once: these describe the function version this process serves and never change.
const functionData = {
  functionName: env.AWS_LAMBDA_FUNCTION_NAME,
  functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
  memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
  logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
  logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
};

let beforeExitListener = null;
let currentRequestId;

/** Wired to process 'beforeExit': the event loop is empty, so a deferred outcome can go out. */
export function onBeforeExit() {
  const listener = beforeExitListener;
  beforeExitListener = null;
  listener?.();
}

/** The invocation in progress (or last finished), for errors that escape the handler. */
export function activeRequestId() {
  return currentRequestId;
}

/** Runs one invocation; resolves once its outcome has been posted. */
export function invoke(client, handler, isAsync, { headers, body }) {
  const requestId = headers[HEADERS.requestId];
  currentRequestId = requestId;
  setRequestId(requestId);
  forwardTraceId(headers[HEADERS.traceId]);
  return new Promise((resolve, reject) => {
    const report = (err, result) =>
      postOutcome(client, requestId, err, result).then(resolve, reject);
    const { callback, controls, settle } = createCallbacks(report);
    // Nothing settled yet the loop ran dry: AWS fails async handlers and answers null for others.
    beforeExitListener = settle(() => (isAsync ? report(new NodeJsExit()) : report(null, null)));
    try {
      const context = Object.assign(controls, functionData, headerData(headers));
      const result = handler(JSON.parse(body), context, callback);
      if (typeof result?.then === 'function') result.then(controls.succeed, controls.fail);
    } catch (err) {
      controls.fail(err);
    }
  });
}

/**
 * One invocation of a streaming handler (awslambda.streamifyResponse), as AWS's runtime runs it:
 * `handler(event, responseStream, context)` must return a promise; the invocation is over when
 * the stream has ended and the Runtime API has taken it. A throw, a sync handler, or a stream
 * left open when the promise settles ends the stream with the error in its trailers.
 */
export async function invokeStreaming(client, handler, { headers, body }) {
  const requestId = headers[HEADERS.requestId];
  currentRequestId = requestId;
  setRequestId(requestId);
  forwardTraceId(headers[HEADERS.traceId]);
  beforeExitListener = null;
  const { stream, done, fail } = createResponseStream(client, requestId, highWaterMarkOf(handler));
  try {
    const context = Object.assign(streamingControls(), functionData, headerData(headers));
    const result = handler(JSON.parse(body), stream, context);
    if (typeof result?.then !== 'function') {
      throw new Error('Streaming does not support non-async handlers.');
    }
    if ((await result) !== undefined) console.warn('Streaming handlers ignore return values.');
    await done;
    if (!stream.writableFinished) throw new Error('Response stream is not finished.');
  } catch (err) {
    logError('Invoke Error', err);
    await fail(err);
    await done.catch(() => {});
  }
}

function streamingControls() {
  let waitForEmptyEventLoop = true;
  return {
    get callbackWaitsForEmptyEventLoop() {
      return waitForEmptyEventLoop;
    },
    set callbackWaitsForEmptyEventLoop(value) {
      waitForEmptyEventLoop = value;
    },
  };
}

function createCallbacks(report) {
  let settled = false;
  let waitForEmptyEventLoop = true;
  const settle = (fn) => (err, result) => {
    if (settled) return;
    settled = true;
    beforeExitListener = null;
    fn(err, result);
  };
  const done = settle(report);
  const callback = settle((err, result) => {
    if (err != null || !waitForEmptyEventLoop) report(err, result);
    else beforeExitListener = () => report(null, result);
  });
  const controls = {
    get callbackWaitsForEmptyEventLoop() {
      return waitForEmptyEventLoop;
    },
    set callbackWaitsForEmptyEventLoop(value) {
      waitForEmptyEventLoop = value;
    },
    done,
    succeed: (result) => done(null, result),
    fail: (err) => done(err ?? 'handled'),
  };
  return { callback, controls, settle };
}

function headerData(headers) {
  const deadline = Number(headers[HEADERS.deadlineMs]);
  return {
    clientContext: parseJsonHeader(headers[HEADERS.clientContext], 'ClientContext'),
    identity: parseJsonHeader(headers[HEADERS.cognitoIdentity], 'CognitoIdentity'),
    invokedFunctionArn: headers[HEADERS.invokedFunctionArn],
    awsRequestId: headers[HEADERS.requestId],
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
}

function parseJsonHeader(value, name) {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value);
  } catch (err) {
    throw new Error(`Cannot parse ${name} as json: ${err}`);
  }
}

function forwardTraceId(traceId) {
  if (traceId) process.env._X_AMZN_TRACE_ID = traceId;
  else delete process.env._X_AMZN_TRACE_ID;
}

async function postOutcome(client, requestId, err, result) {
  if (err == null) {
    const serialized = serialize(result);
    if ('body' in serialized) return client.postResponse(requestId, serialized.body);
    err = serialized.error;
  }
  logError('Invoke Error', err);
  return client.postError(requestId, toRapidResponse(err));
}

function serialize(result) {
  try {
    // JSON.stringify gives undefined for functions and symbols; those are sent as null too.
    return { body: JSON.stringify(result === undefined ? null : result) ?? 'null' };
  } catch (error) {
    return { error };
  }
}
