import type { ServerResponse } from 'node:http';

/**
 * Ends a response with a body in one socket write. Node sends headers and a Buffer body as two
 * chunks (a writev), which costs a measurable part of a warm invoke on loopback; a latin1 string
 * is byte-for-byte the same body and Node joins it to the headers.
 */
export function endWithBytes(res: ServerResponse, body: Buffer): void {
  res.end(body.toString('latin1'), 'latin1');
}
