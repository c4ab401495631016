/**
 * Response streaming as AWS's Node.js runtime offers it: the global `awslambda` with
 * `streamifyResponse(handler, options)` (marks a handler as streaming) and
 * `HttpResponseStream.from(stream, prelude)` (the function URL's status, headers and cookies,
 * written ahead of the body), and the response stream a streaming handler writes to: a chunked
 * POST to the Runtime API that goes out as it is written, with a failure reported in its trailers.
 */
import { toRapidResponse } from './errors.mjs';
import { protocol } from './runtime-api-client.mjs';

// The same registered symbols as AWS's runtime, so code that inspects a handler finds them.
const HANDLER_STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const HANDLER_HIGHWATERMARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');
const STREAM_RESPONSE = 'response';

const HTTP_INTEGRATION_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response';
const PRELUDE_DELIMITER = new Uint8Array(8);

export class InvalidStreamingOperation extends Error {}
InvalidStreamingOperation.prototype.name = 'Runtime.InvalidStreamingOperation';

export class HttpResponseStream {
  /** The prelude (JSON, no NUL allowed) and 8 NUL bytes go out before the first body byte. */
  static from(underlyingStream, prelude) {
    underlyingStream.setContentType(HTTP_INTEGRATION_CONTENT_TYPE);
    const metadata = JSON.stringify(prelude);
    underlyingStream._onBeforeFirstWrite = (write) => {
      write(metadata);
      write(PRELUDE_DELIMITER);
    };
    return underlyingStream;
  }
}

/** AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA=1 (or true) leaves the global alone, as on AWS. */
export function installGlobals(env = process.env) {
  const off = env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA;
  if (off === '1' || off === 'true') return;
  globalThis.awslambda = {
    ...globalThis.awslambda,
    streamifyResponse(handler, options) {
      handler[HANDLER_STREAMING] = STREAM_RESPONSE;
      if (typeof options?.highWaterMark === 'number') {
        handler[HANDLER_HIGHWATERMARK] = parseInt(String(options.highWaterMark), 10);
      }
      return handler;
    },
    HttpResponseStream,
  };
}

export function isStreamingHandler(handler) {
  return handler[HANDLER_STREAMING] === STREAM_RESPONSE;
}

export function highWaterMarkOf(handler) {
  return handler[HANDLER_HIGHWATERMARK];
}

/**
 * The stream a streaming handler gets: writes go out as HTTP chunks at once; `done` settles when
 * the Runtime API has answered the whole response; `fail` ends it with the error in the trailers.
 */
export function createResponseStream(client, requestId, highWaterMark) {
  const { request, done } = client.streamResponse(requestId, highWaterMark);
  const write = request.write.bind(request);
  const end = request.end.bind(request);
  let started = false;
  const beforeFirstWrite = () => {
    if (started) return;
    started = true;
    request._onBeforeFirstWrite?.((chunk) => write(chunk));
  };
  request.setContentType = (contentType) => {
    if (started) throw new InvalidStreamingOperation('Cannot set content-type, too late.');
    request.setHeader('content-type', contentType);
  };
  request.write = (chunk, encoding, callback) => {
    beforeFirstWrite();
    return write(writable(chunk), encoding, callback);
  };
  // end() writes its chunk through write(), so a prelude precedes it even with nothing else written.
  request.end = (chunk, encoding, callback) => {
    if (typeof chunk === 'function') [chunk, callback] = [undefined, chunk];
    else if (typeof encoding === 'function') [encoding, callback] = [undefined, encoding];
    if (chunk !== undefined && chunk !== null) request.write(chunk, encoding);
    else beforeFirstWrite();
    return end(callback);
  };
  const fail = (error) =>
    new Promise((resolve) => {
      if (request.writableEnded) return resolve();
      const body = toRapidResponse(error);
      request.addTrailers({
        [protocol.headers.functionErrorType]: trailerValue(body.errorType),
        [protocol.headers.errorBody]: Buffer.from(JSON.stringify(body)).toString('base64'),
      });
      end(resolve);
    });
  return { stream: writableOnly(request), done, fail };
}

// AWS's runtime serialises anything that is not bytes or a string as JSON.
function writable(chunk) {
  if (typeof chunk === 'string' || chunk instanceof Uint8Array) return chunk;
  return JSON.stringify(chunk);
}

function trailerValue(value) {
  return String(value).replace(/[^\x20-\x7e]/g, '');
}

const METHODS = [
  'cork',
  'destroy',
  'end',
  'uncork',
  'write',
  'addListener',
  'emit',
  'eventNames',
  'getMaxListeners',
  'listenerCount',
  'listeners',
  'off',
  'on',
  'once',
  'prependListener',
  'prependOnceListener',
  'rawListeners',
  'removeAllListeners',
  'removeListener',
  'setMaxListeners',
  'setContentType',
];
const SETTABLE = ['destroyed', '_onBeforeFirstWrite'];
const READ_ONLY = [
  'writable',
  'writableFinished',
  'writableObjectMode',
  'writableEnded',
  'writableNeedDrain',
  'writableHighWaterMark',
  'writableCorked',
  'writableLength',
];

/**
 * Only the Writable side, as AWS's runtime hands it out: an object that is not the HTTP request
 * (stream.pipeline would otherwise wait for events only a request library emits).
 */
function writableOnly(inner) {
  const stream = Object.fromEntries(METHODS.map((name) => [name, inner[name].bind(inner)]));
  for (const name of SETTABLE) {
    Object.defineProperty(stream, name, {
      get: () => inner[name],
      set: (value) => {
        inner[name] = value;
      },
    });
  }
  for (const name of READ_ONLY) Object.defineProperty(stream, name, { get: () => inner[name] });
  return stream;
}
