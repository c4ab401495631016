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

/**
 * The fastest of `attempts` hot reloads (`attempt(i)` makes the i-th edit and returns its
 * latency). Most of a reload is the new environment's cold start, which a shared, loaded host
 * stretches now and then; a reload path that is slow by design (a long debounce, a missed
 * event) is slow every time.
 */
export async function fastestOf(
  attempts: number,
  attempt: (i: number) => Promise<number>,
): Promise<{ best: number; all: number[] }> {
  const all: number[] = [];
  for (let i = 0; i < attempts; i++) all.push(await attempt(i));
  return { best: Math.min(...all), all };
}
