import type { Request } from 'express';
import type { z } from 'zod';
import { LambdaError } from '../aws/errors.js';
import { parseShape } from '../aws/validation.js';

/** The largest request body AWS accepts for most operations (6 MB). */
export const DEFAULT_BODY_LIMIT = 6_291_456;
/** CreateFunction and UpdateFunctionCode: a 50 MB zip once base64-encoded. */
export const CODE_UPLOAD_BODY_LIMIT = 69_905_067;

/** Reads the raw body, stopping as soon as it passes the operation's limit. */
export async function readBody(req: Request, limit: number, operation: string): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (Number(declared ?? 0) > limit) throw tooLarge(limit, operation);
  // Node's parser never delivers more than a declared length, so only a chunked body can pass the limit.
  if (declared !== undefined) return readDeclared(req);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit, operation);
    chunks.push(chunk);
  }
  return joinChunks(chunks);
}

/**
 * A body of declared length, read with plain listeners: an async iterator costs every invoke tens
 * of microseconds. It fails as the iterator does, with the stream's error or a premature close.
 */
function readDeclared(req: Request): Promise<Buffer> {
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer): void => void chunks.push(chunk);
    const onEnd = (): void => settle(undefined);
    const onClose = (): void => settle(prematureClose());
    const settle = (error: Error | undefined): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', settle);
      req.off('close', onClose);
      if (error) reject(error);
      else resolve(joinChunks(chunks));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', settle);
    req.on('close', onClose);
  });
}

const joinChunks = (chunks: Buffer[]): Buffer =>
  chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);

function prematureClose(): Error {
  return Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
}

/** A JSON request body, read within the operation's limit and parsed into its request shape. */
export async function readShape<T extends z.ZodType>(
  req: Request,
  shape: T,
  operation: string,
  limit: number = DEFAULT_BODY_LIMIT,
): Promise<z.output<T>> {
  return parseShape(shape, parseJsonBody(await readBody(req, limit, operation)));
}

/** REST-JSON bodies: empty means no members; anything unparsable is AWS's InvalidRequestContentException. */
export function parseJsonBody(raw: Buffer): unknown {
  if (raw.length === 0) return {};
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new LambdaError(
      'InvalidRequestContentException',
      `Could not parse request body into json: Could not parse payload into json: ${(err as Error).message}`,
    );
  }
}

function tooLarge(limit: number, operation: string): LambdaError {
  return new LambdaError(
    'RequestEntityTooLargeException',
    `Request must be smaller than ${limit} bytes for the ${operation} operation`,
  );
}
