/**
 * Error types the runtime reports and the two ways AWS's Node.js runtime serialises errors: the
 * body posted to the Runtime API (toRapidResponse) and the JSON appended to log lines
 * (toFormatted). Neither may throw, whatever the user code threw.
 */
import util from 'node:util';

export class ImportModuleError extends Error {}
export class HandlerNotFound extends Error {}
export class MalformedHandlerName extends Error {}
export class UserCodeSyntaxError extends Error {}

export class NodeJsExit extends Error {
  constructor() {
    super(
      'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly ' +
        'caused by a Promise that was never settled. For more information, see ' +
        'https://nodejs.org/docs/latest/api/process.html#exit-codes',
    );
  }
}

export class UnhandledPromiseRejection extends Error {
  constructor(reason, promise) {
    super(reason === undefined ? undefined : safeString(reason));
    this.reason = reason;
    this.promise = promise;
  }
}

// On the prototype, as AWS does, so the names are not own enumerable properties in the logs.
for (const type of [
  ImportModuleError,
  HandlerNotFound,
  MalformedHandlerName,
  UserCodeSyntaxError,
  NodeJsExit,
  UnhandledPromiseRejection,
]) {
  type.prototype.name = `Runtime.${type.name}`;
}

const UNREADABLE_ERROR = {
  errorType: 'handled',
  errorMessage:
    'callback called with Error argument, but there was a problem while retrieving one or more ' +
    'of its message, name, and stack',
  trace: [],
};

/** String(value) for values whose toString is missing or throws (null-prototype objects). */
export function safeString(value) {
  try {
    return String(value);
  } catch {
    try {
      return Object.prototype.toString.call(value);
    } catch {
      return '[unprintable value]';
    }
  }
}

/** The body for the Runtime API's error and init-error paths. */
export function toRapidResponse(error) {
  try {
    if (isErrorLike(error)) {
      return {
        errorType: errorName(error),
        errorMessage: typeof error.message === 'string' ? error.message : safeString(error.message),
        trace: typeof error.stack === 'string' ? error.stack.split('\n') : [],
      };
    }
    return { errorType: valueType(error), errorMessage: valueMessage(error), trace: [] };
  } catch {
    return { ...UNREADABLE_ERROR, trace: [] };
  }
}

export function intoError(value) {
  return value instanceof Error ? value : new Error(safeString(value));
}

/** The tab-prefixed JSON AWS appends to `Invoke Error` and `Uncaught Exception` log lines. */
export function toFormatted(error) {
  try {
    return '\t' + JSON.stringify(error, (_key, value) => withEnumerableProperties(value));
  } catch {
    return '\t' + JSON.stringify(toRapidResponse(error));
  }
}

function isErrorLike(value) {
  if (util.types.isNativeError(value) || value instanceof Error) return true;
  return (
    typeof value?.name === 'string' &&
    typeof value.message === 'string' &&
    typeof value.stack === 'string' &&
    Boolean(value.name && value.message && value.stack)
  );
}

function errorName(error) {
  if (typeof error.name === 'string' && error.name) return error.name;
  return error.constructor?.name || 'Error';
}

// Primitives and plain objects report typeof, as AWS does; class instances their class name.
function valueType(value) {
  if (value === null || typeof value !== 'object') return typeof value;
  const ctor = Object.getPrototypeOf(value)?.constructor;
  return typeof ctor === 'function' && ctor !== Object && ctor.name ? ctor.name : 'object';
}

function valueMessage(value) {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object') {
    try {
      const json = JSON.stringify(value);
      if (json !== undefined) return json;
    } catch {
      // Circular or otherwise unserialisable: fall back to its string form.
    }
  }
  return safeString(value);
}

// name, message and stack are not own enumerable properties, so JSON.stringify would drop them.
function withEnumerableProperties(value) {
  if (!(value instanceof Error)) return value;
  const copy = Object.assign(
    { errorType: value.name, errorMessage: value.message, code: value.code },
    value,
  );
  if (typeof value.stack === 'string') copy.stack = value.stack.split('\n');
  return copy;
}
