import { randomFillSync, randomUUID } from 'node:crypto';

/** Lambda's LastModified format: ISO 8601 with milliseconds and a `+0000` offset. */
export function lastModified(date = new Date()): string {
  return date.toISOString().replace('Z', '+0000');
}

/** Request ids and revision ids are both UUIDs on AWS. */
export const newRequestId = (): string => randomUUID();
export const newRevisionId = (): string => randomUUID();

/** Random bytes are drawn from a pool: a randomBytes call per invocation costs microseconds. */
const randomPool = Buffer.alloc(4096);
let randomPoolUsed = randomPool.length;

/** `bytes` (at most 4,096) random bytes as lower-case hex. */
export function randomHex(bytes: number): string {
  if (randomPoolUsed + bytes > randomPool.length) {
    randomFillSync(randomPool);
    randomPoolUsed = 0;
  }
  const hex = randomPool.toString('hex', randomPoolUsed, randomPoolUsed + bytes);
  randomPoolUsed += bytes;
  return hex;
}
