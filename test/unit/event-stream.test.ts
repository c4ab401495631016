/**
 * The event-stream encoder against the decoder the JS SDK itself uses (@smithy/core's
 * EventStreamCodec, which checks both CRCs): what we frame is what @aws-sdk/client-lambda reads.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventStreamCodec } from '@smithy/core/event-streams';
import { fromUtf8, toUtf8 } from '@smithy/core/serde';
import { eventMessage, invokeComplete, payloadChunk } from '../../src/frontend/event-stream.js';

const codec = new EventStreamCodec(toUtf8, fromUtf8);

function decode(message: Buffer) {
  const { headers, body } = codec.decode(message);
  const strings = Object.fromEntries(
    Object.entries(headers).map(([name, header]) => [name, String(header.value)]),
  );
  return { headers: strings, body: Buffer.from(body) };
}

/** A copy with one byte's bits inverted. */
function flipped(message: Buffer, at: number): Buffer {
  const copy = Buffer.from(message);
  copy.writeUInt8(copy.readUInt8(at) ^ 0xff, at);
  return copy;
}

describe('event-stream framing (application/vnd.amazon.eventstream)', () => {
  it('frames a PayloadChunk the SDK decoder reads back, bytes untouched', () => {
    const bytes = Buffer.from([0, 1, 2, 0xff, 0x0a, 0x41]);
    const { headers, body } = decode(payloadChunk(bytes));
    assert.deepEqual(headers, {
      ':event-type': 'PayloadChunk',
      ':content-type': 'application/octet-stream',
      ':message-type': 'event',
    });
    assert.deepEqual(body, bytes);
  });

  it('frames InvokeComplete as JSON, leaving out members without a value', () => {
    const { headers, body } = decode(
      invokeComplete({ ErrorCode: 'Error', ErrorDetails: 'boom', LogResult: 'U1RBUlQ=' }),
    );
    assert.equal(headers[':event-type'], 'InvokeComplete');
    assert.equal(headers[':content-type'], 'application/json');
    assert.deepEqual(JSON.parse(body.toString()), {
      ErrorCode: 'Error',
      ErrorDetails: 'boom',
      LogResult: 'U1RBUlQ=',
    });
    assert.deepEqual(JSON.parse(decode(invokeComplete({})).body.toString()), {});
  });

  it('is byte for byte what the SDK codec encodes (prelude, lengths, both CRC32s)', () => {
    const headers = { ':event-type': 'PayloadChunk', 'x-ünïcode': 'välue' };
    const payload = Buffer.from('hello, stream');
    const theirs = codec.encode({
      headers: Object.fromEntries(
        Object.entries(headers).map(([k, v]) => [k, { type: 'string' as const, value: v }]),
      ),
      body: payload,
    });
    assert.deepEqual(eventMessage(headers, payload), Buffer.from(theirs));
  });

  it('frames an empty payload and a large one', () => {
    assert.equal(decode(payloadChunk(Buffer.alloc(0))).body.length, 0);
    const big = Buffer.alloc(1024 * 1024 + 3, 7);
    assert.deepEqual(decode(payloadChunk(big)).body, big);
  });

  it('is refused by the decoder when a byte is corrupted (the CRCs are real)', () => {
    const message = payloadChunk(Buffer.from('abc'));
    const corrupt = flipped(message, message.length - 6);
    assert.throws(() => codec.decode(corrupt), /checksum/i);
    assert.throws(() => codec.decode(flipped(message, 5)), /checksum/i);
  });
});
