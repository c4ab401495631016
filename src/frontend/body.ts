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
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw tooLarge(limit, operation);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit, operation);
    chunks.push(chunk);
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
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
