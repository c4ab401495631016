import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { MarkerFilter } from '../../src/executors/docker/container-output.js';

/** The remote engine's flush markers (src/executors/docker/container-output.ts). */
describe('MarkerFilter', () => {
  const feed = (...chunks: string[]) => {
    const target = new PassThrough();
    let markers = 0;
    const filter = new MarkerFilter(target, () => markers++);
    for (const chunk of chunks) filter.write(Buffer.from(chunk));
    return { text: String(target.read() ?? ''), seen: filter.seen, markers };
  };

  it('takes markers out of the output and notes the highest', () => {
    assert.deepEqual(feed('a\n\x1eflushed 1\nb\n\x1eflushed 2\n'), {
      text: 'a\nb\n',
      seen: 2,
      markers: 1,
    });
  });

  it('finds a marker split across reads, and one in the middle of a line', () => {
    assert.deepEqual(feed('half a line\x1eflu', 'shed 7', '\n, the rest\n'), {
      text: 'half a line, the rest\n',
      seen: 7,
      markers: 1,
    });
  });

  it("passes the launcher's exit notices and other bytes through", () => {
    const { text, seen } = feed('\x1eexit 3 ext\n', 'é ünïcode\n\x1e');
    assert.equal(text, '\x1eexit 3 ext\né ünïcode\n');
    assert.equal(seen, 0);
  });
});
