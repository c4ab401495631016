import { randomUUID } from 'node:crypto';

/** Lambda's LastModified format: ISO 8601 with milliseconds and a `+0000` offset. */
export function lastModified(date = new Date()): string {
  return date.toISOString().replace('Z', '+0000');
}

/** Request ids and revision ids are both UUIDs on AWS. */
export const newRequestId = (): string => randomUUID();
export const newRevisionId = (): string => randomUUID();
