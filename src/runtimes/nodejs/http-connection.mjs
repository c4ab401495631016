/**
 * Just the HTTP/1.1 client the Runtime API needs: one request at a time over a kept-alive TCP
 * connection. node:http's client (ClientRequest, Agent, IncomingMessage) costs more CPU per
 * request than all the rest of a no-op invocation, and loading it adds milliseconds to every
 * cold start. A body is read by its Content-Length (what the Runtime API sends), chunked, or up
 * to the close, as the Python bootstrap's HttpConnection does.
 */
import net from 'node:net';

const HEAD_END = Buffer.from('\r\n\r\n');
const MAX_HEAD_BYTES = 65_536;

export class HttpConnection {
  #socket;
  #hostHeader;
  /** The request in flight: its callbacks and what has arrived of its response. */
  #pending;
  #closed = false;

  constructor(hostname, port) {
    this.#hostHeader = `${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}`;
    this.#socket = net.connect({ host: hostname, port, noDelay: true });
    this.#socket.on('data', (chunk) => this.#received(chunk));
    this.#socket.on('error', (err) => this.#fail(err));
    this.#socket.on('close', () => this.#closedByPeer());
  }

  /** Whether another request may go out on this connection. */
  get usable() {
    return !this.#closed && this.#pending === undefined;
  }

  /**
   * Sends one request; resolves to `{ status, headers, body }` as node:http would give them
   * (lower-case header names, the body as text). While idle the connection does not keep the
   * event loop alive, as an Agent's free sockets do not: 'beforeExit' depends on it.
   */
  request(method, path, body, headers) {
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject, chunks: [], size: 0, head: undefined };
      this.#socket.ref();
      this.#socket.write(this.#message(method, path, body, headers));
    });
  }

  destroy() {
    this.#closed = true;
    this.#socket.destroy();
  }

  /** Headers and body in one write, so Nagle's algorithm never holds a body behind its headers. */
  #message(method, path, body, headers) {
    let head = `${method} ${path} HTTP/1.1\r\nHost: ${this.#hostHeader}\r\nConnection: keep-alive\r\n`;
    for (const name in headers) head += `${name}: ${headers[name]}\r\n`;
    return body === undefined ? `${head}\r\n` : `${head}\r\n${body}`;
  }

  #received(chunk) {
    const pending = this.#pending;
    if (!pending) return;
    pending.chunks.push(chunk);
    pending.size += chunk.length;
    try {
      const body = this.#bodyOf(pending);
      if (body !== undefined) this.#finish(pending, body);
    } catch (err) {
      this.destroy();
      this.#fail(err);
    }
  }

  /** The body once the whole response has arrived, else undefined. */
  #bodyOf(pending) {
    if (!pending.head) {
      const data = joined(pending);
      const end = data.indexOf(HEAD_END);
      if (end === -1) {
        if (data.length > MAX_HEAD_BYTES) throw new Error('response head over 64 KiB');
        return undefined;
      }
      pending.head = parseHead(data.toString('latin1', 0, end));
      pending.chunks = [data.subarray(end + HEAD_END.length)];
      pending.size = pending.chunks[0].length;
    }
    const { head } = pending;
    // Waits for the whole of a sized body before joining it, so that each byte is copied once.
    if (head.length !== undefined && pending.size < head.length) return undefined;
    return completeBody(head, joined(pending));
  }

  #finish(pending, body) {
    this.#pending = undefined;
    if (pending.head.keepAlive && !this.#closed) this.#socket.unref();
    else this.destroy();
    const { status, headers } = pending.head;
    pending.resolve({ status, headers, body: body.toString('utf8') });
  }

  /** A body without a length ends with the connection; anything else cut short is node:http's hang-up. */
  #closedByPeer() {
    const pending = this.#pending;
    this.#closed = true;
    if (pending?.head?.untilClose) return this.#finish(pending, joined(pending));
    this.#fail(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
  }

  #fail(err) {
    this.#closed = true;
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(err);
  }
}

/** What has arrived of a response, as one buffer. */
function joined(pending) {
  if (pending.chunks.length !== 1) pending.chunks = [Buffer.concat(pending.chunks, pending.size)];
  return pending.chunks[0];
}

/** The status line and headers, and how the body that follows them is framed. */
function parseHead(text) {
  const lines = text.split('\r\n');
  const match = /^HTTP\/(\d\.\d) (\d{3})/.exec(lines[0]);
  if (!match) throw new Error(`bad status line ${JSON.stringify(lines[0].slice(0, 100))}`);
  const status = Number(match[2]);
  const headers = parseHeaders(lines);
  const length = headers['content-length'];
  if (length !== undefined && !/^\d+$/.test(length)) {
    throw new Error('bad content-length in response');
  }
  const bodyless = status === 204 || status === 304 || status < 200;
  const chunked = /chunked/i.test(headers['transfer-encoding'] ?? '');
  const sized = !bodyless && !chunked && length !== undefined;
  const untilClose = !bodyless && !chunked && length === undefined;
  const keepAlive = match[1] !== '1.0' && headers.connection?.toLowerCase() !== 'close';
  return {
    status,
    headers,
    bodyless,
    chunked,
    length: sized ? Number(length) : undefined,
    untilClose,
    keepAlive: keepAlive && !untilClose,
  };
}

/** Header values as node:http gives them: names in lower case, values trimmed, repeats joined with ", ". */
function parseHeaders(lines) {
  const headers = {};
  for (let i = 1; i < lines.length; i++) {
    const colon = lines[i].indexOf(':');
    if (colon <= 0) continue;
    const name = lines[i].slice(0, colon).trim().toLowerCase();
    const value = lines[i].slice(colon + 1).trim();
    headers[name] = Object.hasOwn(headers, name) ? `${headers[name]}, ${value}` : value;
  }
  return headers;
}

/** The body if all of it is in `data`, else undefined (a body up to the close is never complete here). */
function completeBody(head, data) {
  if (head.bodyless) return data.subarray(0, 0);
  if (head.chunked) return completeChunked(data);
  if (head.untilClose) return undefined;
  return data.length >= head.length ? data.subarray(0, head.length) : undefined;
}

/** A chunked body once its last chunk and trailers have arrived, else undefined. */
function completeChunked(data) {
  const parts = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd === -1) return undefined;
    const size = parseInt(data.toString('latin1', at, lineEnd).split(';', 1)[0], 16);
    if (Number.isNaN(size)) throw new Error('bad chunk size in response');
    at = lineEnd + 2;
    if (size === 0) {
      // Trailers, if any, run up to an empty line.
      const end = data.indexOf(HEAD_END, lineEnd);
      return end === -1 ? undefined : Buffer.concat(parts);
    }
    if (data.length < at + size + 2) return undefined;
    parts.push(data.subarray(at, at + size));
    at += size + 2;
  }
}
