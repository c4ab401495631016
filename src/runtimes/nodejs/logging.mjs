/**
 * Console patching in AWS's formats: each console call becomes one stdout write,
 * `<ISO time>\t<request id>\t<LEVEL>\t<message>` (or one JSON object when
 * AWS_LAMBDA_LOG_FORMAT=JSON), filtered by AWS_LAMBDA_LOG_LEVEL.
 */
import util from 'node:util';
import { intoError, toFormatted } from './errors.mjs';

// AWS keeps the request id under this global symbol; some tracing libraries read it there.
const REQUEST_ID = Symbol.for('aws.lambda.runtime.requestId');
const PRIORITY = { TRACE: 1, DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5, FATAL: 6 };
const noop = () => {};

let jsonFormat = false;

export function setRequestId(requestId) {
  globalThis[REQUEST_ID] = requestId;
}

export function patchConsole(env = process.env) {
  jsonFormat = env.AWS_LAMBDA_LOG_FORMAT?.toUpperCase() === 'JSON';
  const minimum = PRIORITY[env.AWS_LAMBDA_LOG_LEVEL?.toUpperCase()] ?? PRIORITY.TRACE;
  const format = jsonFormat ? jsonLine : textLine;
  const writer = (level) => {
    if (PRIORITY[level] < minimum) return noop;
    // Newlines become \r so that a multi-line message stays one log record, as on AWS.
    return (message, ...params) => {
      process.stdout.write(format(level, message, params).replaceAll('\n', '\r') + '\n');
    };
  };
  console.trace = writer('TRACE');
  console.debug = writer('DEBUG');
  console.info = writer('INFO');
  console.log = console.info;
  console.warn = writer('WARN');
  console.error = writer('ERROR');
  console.fatal = writer('FATAL');
}

/** Logs an error the way AWS does for `Invoke Error`, `Uncaught Exception` and the like. */
export function logError(label, error) {
  if (jsonFormat) console.error(intoError(error));
  else console.error(label, toFormatted(intoError(error)));
}

function textLine(level, message, params) {
  const time = new Date().toISOString();
  return `${time}\t${globalThis[REQUEST_ID]}\t${level}\t${util.format(message, ...params)}`;
}

function jsonLine(level, message, params) {
  const entry = {
    timestamp: new Date().toISOString(),
    level,
    requestId: globalThis[REQUEST_ID],
  };
  if (params.length === 0) {
    entry.message = message;
    try {
      return JSON.stringify(entry, jsonErrorReplacer);
    } catch {
      entry.message = util.format(message);
      return JSON.stringify(entry);
    }
  }
  entry.message = util.format(message, ...params);
  const error = [message, ...params].find((param) => param instanceof Error);
  if (error) Object.assign(entry, describeError(error));
  return JSON.stringify(entry);
}

function jsonErrorReplacer(_key, value) {
  return value instanceof Error ? { ...describeError(value), ...value } : value;
}

function describeError(error) {
  return {
    errorType: error.constructor?.name ?? 'UnknownError',
    errorMessage: error.message,
    stackTrace: typeof error.stack === 'string' ? error.stack.split('\n') : [],
  };
}
