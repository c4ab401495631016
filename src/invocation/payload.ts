import { LambdaError } from '../aws/errors.js';

/** AWS's synchronous payload limit, both ways (6 MB). */
export const MAX_SYNC_PAYLOAD_BYTES = 6_291_456;
/** Event (asynchronous) invocations carry at most 1 MB (formerly 256 KB), per the API reference. */
export const MAX_EVENT_PAYLOAD_BYTES = 1_048_576;

export function checkEventPayload(payload: Buffer): void {
  if (payload.length > MAX_EVENT_PAYLOAD_BYTES) {
    throw new LambdaError(
      'RequestEntityTooLargeException',
      `Request must be smaller than ${MAX_EVENT_PAYLOAD_BYTES} bytes for the InvokeFunction operation`,
    );
  }
}

/** The X-Amz-Client-Context header carries at most 3,583 bytes of JSON. */
const MAX_CLIENT_CONTEXT_BYTES = 3583;

/** Lambda only passes JSON events; anything else is refused before a runtime sees it. */
export function checkPayload(payload: Buffer): void {
  if (payload.length === 0) return;
  try {
    JSON.parse(payload.toString('utf8'));
  } catch (err) {
    throw new LambdaError(
      'InvalidRequestContentException',
      `Could not parse request body into json: Could not parse payload into json: ${(err as Error).message}`,
    );
  }
}

/** The runtime gets the client context as decoded JSON text. */
export function decodeClientContext(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined;
  const text = Buffer.from(header, 'base64').toString('utf8');
  if (Buffer.byteLength(text) > MAX_CLIENT_CONTEXT_BYTES) {
    throw new LambdaError(
      'InvalidParameterValueException',
      `Client context must be at most ${MAX_CLIENT_CONTEXT_BYTES} bytes.`,
    );
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null) throw new Error('not an object');
  } catch {
    throw new LambdaError(
      'InvalidRequestContentException',
      'Client context must be a valid Base64-encoded JSON object.',
    );
  }
  return text;
}
