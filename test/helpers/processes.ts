import { randomUUID } from 'node:crypto';
import fs from 'node:fs';

/**
 * Functions may run in their own PID namespace, where `process.pid` means nothing on the host.
 * Tests find a function's processes instead by a marker variable set on the function: every
 * process of its environments (the runtime and whatever it forks) inherits it.
 */
export function newMarker(): { ASIMOV_TEST_MARKER: string } {
  return { ASIMOV_TEST_MARKER: randomUUID() };
}

/** Host pids of live (not zombie) processes of the function whose environment carries the marker. */
export function processesWithMarker(marker: { ASIMOV_TEST_MARKER: string }): number[] {
  const needle = `ASIMOV_TEST_MARKER=${marker.ASIMOV_TEST_MARKER}`;
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // A zombie, or a container's init (it carries the container's variables, not the function's code).
      if (/^\d+ \(.*\) Z/.test(stat) || stat.includes(' (docker-init) ')) continue;
      const environ = fs.readFileSync(`/proc/${entry}/environ`, 'utf8');
      if (environ.split('\0').includes(needle)) found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/** Waits up to `ms` for the marked processes to be gone. */
export async function waitUntilGone(
  marker: { ASIMOV_TEST_MARKER: string },
  ms = 2000,
): Promise<number[]> {
  const deadline = Date.now() + ms;
  let left = processesWithMarker(marker);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    left = processesWithMarker(marker);
  }
  return left;
}
