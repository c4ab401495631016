import type { IncomingMessage } from 'node:http';

/**
 * Reads and discards what is left of a refused request body, up to `cap` bytes, so that the
 * refusal reaches a client still uploading: answering with the body unread makes Node close the
 * socket under the client (curl's "send failure"). Past the cap the socket is left to close.
 */
export function drainRequest(req: IncomingMessage, cap: number): Promise<void> {
  if (req.readableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    let seen = 0;
    const done = (): void => {
      req.off('data', count);
      resolve();
    };
    const count = (chunk: Buffer): void => {
      seen += chunk.length;
      if (seen > cap) done();
    };
    req.on('data', count);
    req.once('end', done);
    req.once('error', done);
    req.once('close', done);
    req.resume();
  });
}
