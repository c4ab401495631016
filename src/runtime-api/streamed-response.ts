import type http from 'node:http';
import protocol from './protocol.json' with { type: 'json' };

/**
 * A streamed response on the Runtime API, as AWS's response streaming defines it: the runtime
 * posts `…/response` with `Lambda-Runtime-Function-Response-Mode: streaming` and a chunked body,
 * and reports an error met half-way in the trailers `Lambda-Runtime-Function-Error-Type` and
 * `Lambda-Runtime-Function-Error-Body` (base64 of the error JSON).
 */

/** AWS's limit on a streamed response: 200 MB (it was 20 MB until July 2025). */
export const MAX_STREAMED_RESPONSE_BYTES = 200 * 1024 * 1024;

/** How a streamed response ended. */
export type StreamEnding =
  | { kind: 'complete' }
  /** The error from the trailers: its type, and the error JSON the runtime sent. */
  | { kind: 'error'; errorType: string; body: Buffer }
  | { kind: 'too-large' };

/** Where a streamed response goes while it arrives. */
export interface StreamSink {
  /** One piece of the body; a promise holds the runtime back until it settles. */
  write(chunk: Buffer): Promise<void> | void;
  end(ending: StreamEnding): void;
}

export const isStreamedResponse = (req: http.IncomingMessage): boolean =>
  req.headers[protocol.headers.responseMode] === 'streaming';

/** The body's content type as the runtime declared it (AWS's runtime defaults to octet-stream). */
export const streamContentType = (req: http.IncomingMessage): string =>
  req.headers['content-type'] ?? 'application/octet-stream';

/**
 * Forwards the body to `sink` as it arrives, pausing the runtime while the sink is busy, then
 * answers 202 and tells the sink how it ended. Past `limit` the runtime gets 413 and the rest of
 * the body is discarded. A body cut off (the runtime died) ends nothing: the environment sees the
 * runtime exit.
 */
export function forwardStreamedResponse(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  sink: StreamSink,
  limit = MAX_STREAMED_RESPONSE_BYTES,
): void {
  let size = 0;
  let refused = false;
  req.on('data', (chunk: Buffer) => {
    if (refused) return;
    size += chunk.length;
    if (size > limit) {
      refused = true;
      res.setHeader('connection', 'close');
      answer(res, 413, {
        errorMessage: `Exceeded maximum allowed payload size (${limit} bytes).`,
        errorType: 'RequestEntityTooLarge',
      });
      sink.end({ kind: 'too-large' });
      return;
    }
    const pending = sink.write(chunk);
    if (!pending) return;
    req.pause();
    pending.then(
      () => req.resume(),
      () => req.resume(),
    );
  });
  req.on('end', () => {
    if (refused) return;
    answer(res, 202, { status: 'OK' });
    sink.end(endingOf(req));
  });
}

function endingOf(req: http.IncomingMessage): StreamEnding {
  const errorType = req.trailers[protocol.headers.functionErrorType];
  if (!errorType) return { kind: 'complete' };
  const encoded = req.trailers[protocol.headers.errorBody];
  const body = encoded
    ? Buffer.from(encoded, 'base64')
    : Buffer.from(JSON.stringify({ errorType, errorMessage: '' }));
  return { kind: 'error', errorType, body };
}

function answer(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
