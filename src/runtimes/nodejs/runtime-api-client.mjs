/**
 * HTTP client for the Lambda Runtime API. Paths and header names come from the server's own
 * protocol description so that the two cannot drift apart.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { HttpConnection } from './http-connection.mjs';

export const protocol = JSON.parse(
  fs.readFileSync(new URL('../../runtime-api/protocol.json', import.meta.url), 'utf8'),
);

const { paths, headers: HEADERS } = protocol;
const RETRYABLE = new Set(['ECONNRESET', 'EPIPE']);

// node:http only for streamed responses: loading it costs every cold start a few milliseconds.
const require = createRequire(import.meta.url);

export class RuntimeApiClient {
  /**
   * Kept-alive connections not in use. A request takes one or opens another: an uncaught
   * exception may need to post while the long poll holds a connection.
   */
  #idle = [];
  #agent;
  #hostname;
  #port;

  constructor(hostPort) {
    const colon = hostPort.lastIndexOf(':');
    this.#hostname = hostPort.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
    this.#port = Number(hostPort.slice(colon + 1));
  }

  /** Blocks until the next invocation; resolves to its `{ status, headers, body }`. */
  async next() {
    const res = await this.#send('GET', paths.next);
    if (res.status !== 200) {
      throw new Error(`Runtime API answered ${res.status} to ${paths.next}: ${res.body}`);
    }
    return res;
  }

  postResponse(requestId, body) {
    return this.#send('POST', invocationPath(paths.response, requestId), body);
  }

  /**
   * Opens a streamed response: a chunked POST whose body goes out as it is written, its headers
   * with the first write. `done` settles once the Runtime API has answered the whole of it.
   */
  streamResponse(requestId, highWaterMark) {
    const http = require('node:http');
    this.#agent ??= new http.Agent({ keepAlive: true });
    const request = http.request({
      agent: this.#agent,
      hostname: this.#hostname,
      port: this.#port,
      method: 'POST',
      path: invocationPath(paths.response, requestId),
      headers: {
        [HEADERS.responseMode]: 'streaming',
        'content-type': 'application/octet-stream',
        'transfer-encoding': 'chunked',
        trailer: `${HEADERS.functionErrorType}, ${HEADERS.errorBody}`,
      },
      ...(highWaterMark ? { highWaterMark } : {}),
    });
    const done = new Promise((resolve, reject) => {
      request.on('error', reject);
      request.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
        res.on('error', reject);
      });
    });
    done.catch(() => {}); // awaited by the invocation when it matters; never an unhandled rejection
    return { request, done };
  }

  postError(requestId, errorResponse) {
    return this.#postError(invocationPath(paths.error, requestId), errorResponse);
  }

  postInitError(errorResponse) {
    return this.#postError(paths.initError, errorResponse);
  }

  #postError(path, errorResponse) {
    const headers = { [HEADERS.functionErrorType]: headerValue(errorResponse.errorType) };
    return this.#send('POST', path, JSON.stringify(errorResponse), headers);
  }

  async #send(method, path, body, headers) {
    try {
      return await this.#request(method, path, body, headers);
    } catch (err) {
      // The server may close an idle keep-alive socket just as we reuse it; that request never
      // reached it, so sending it again is safe.
      if (!err.reusedSocket || !RETRYABLE.has(err.code)) throw err;
      return this.#request(method, path, body, headers);
    }
  }

  async #request(method, path, body, extraHeaders) {
    const headers = body === undefined ? extraHeaders : jsonHeaders(body, extraHeaders);
    const idle = this.#takeIdle();
    const connection = idle ?? new HttpConnection(this.#hostname, this.#port);
    try {
      const response = await connection.request(method, path, body, headers);
      if (connection.usable) this.#idle.push(connection);
      return response;
    } catch (err) {
      throw Object.assign(err, { reusedSocket: idle !== undefined });
    }
  }

  /** The most recently used connection still open, if any. */
  #takeIdle() {
    for (;;) {
      const connection = this.#idle.pop();
      if (connection === undefined || connection.usable) return connection;
    }
  }
}

function invocationPath(template, requestId) {
  return template.replace('{requestId}', encodeURIComponent(requestId));
}

function jsonHeaders(body, extraHeaders) {
  return {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...extraHeaders,
  };
}

// Node rejects header values with control or non-Latin-1 characters; an error type could hold any.
function headerValue(value) {
  return String(value).replace(/[^\x20-\x7e]/g, '');
}
