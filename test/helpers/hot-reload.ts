import { isDeepStrictEqual } from 'node:util';

/**
 * Performs `write`, then invokes (and nothing else: no API call that deploys) until the result is
 * `expected`; returns the milliseconds from the start of the write to that result.
 */
export async function untilNewResult(
  write: () => Promise<void>,
  invokeOnce: () => Promise<unknown>,
  expected: unknown,
  giveUpMs = 5000,
): Promise<number> {
  const start = performance.now();
  await write();
  let last: unknown;
  while (performance.now() - start < giveUpMs) {
    last = await invokeOnce();
    if (isDeepStrictEqual(last, expected)) return Math.round(performance.now() - start);
  }
  throw new Error(`still ${JSON.stringify(last)} ${giveUpMs} ms after the write`);
}
