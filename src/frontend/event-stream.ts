import { crc32 } from 'node:zlib';

/**
 * AWS's event-stream framing (`application/vnd.amazon.eventstream`), the response body of
 * InvokeWithResponseStream. One message is:
 *
 *   total length (uint32) | headers length (uint32) | CRC32 of those 8 bytes
 *   headers | payload | CRC32 of everything before it
 *
 * all big-endian. A header is its name's length (uint8), the name, a type byte (7: string), the
 * value's length (uint16) and the value. The SDKs check both CRCs and read the event's kind from
 * `:event-type`.
 */
export const EVENT_STREAM_CONTENT_TYPE = 'application/vnd.amazon.eventstream';

const PRELUDE_BYTES = 12;
const CRC_BYTES = 4;
const STRING_HEADER = 7;

/** One event-stream message with string headers. */
export function eventMessage(headers: Record<string, string>, payload: Buffer): Buffer {
  const encodedHeaders = Buffer.concat(Object.entries(headers).map(([k, v]) => header(k, v)));
  const total = PRELUDE_BYTES + encodedHeaders.length + payload.length + CRC_BYTES;
  const message = Buffer.alloc(total);
  message.writeUInt32BE(total, 0);
  message.writeUInt32BE(encodedHeaders.length, 4);
  message.writeUInt32BE(crc32(message.subarray(0, 8)), 8);
  encodedHeaders.copy(message, PRELUDE_BYTES);
  payload.copy(message, PRELUDE_BYTES + encodedHeaders.length);
  message.writeUInt32BE(crc32(message.subarray(0, total - CRC_BYTES)), total - CRC_BYTES);
  return message;
}

function header(name: string, value: string): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  const valueBytes = Buffer.from(value, 'utf8');
  const out = Buffer.alloc(1 + nameBytes.length + 1 + 2 + valueBytes.length);
  out.writeUInt8(nameBytes.length, 0);
  nameBytes.copy(out, 1);
  out.writeUInt8(STRING_HEADER, 1 + nameBytes.length);
  out.writeUInt16BE(valueBytes.length, 2 + nameBytes.length);
  valueBytes.copy(out, 4 + nameBytes.length);
  return out;
}

/** An event of the operation's stream: `:event-type` names the member of the response union. */
function event(type: string, contentType: string, payload: Buffer): Buffer {
  return eventMessage(
    { ':event-type': type, ':content-type': contentType, ':message-type': 'event' },
    payload,
  );
}

/** InvokeResponseStreamUpdate: its Payload is the event's payload (a blob, as the function wrote it). */
export const payloadChunk = (bytes: Buffer): Buffer =>
  event('PayloadChunk', 'application/octet-stream', bytes);

/** InvokeWithResponseStreamCompleteEvent, a JSON body; members without a value are left out. */
export interface InvokeComplete {
  ErrorCode?: string;
  ErrorDetails?: string;
  LogResult?: string;
}

export const invokeComplete = (fields: InvokeComplete): Buffer =>
  event('InvokeComplete', 'application/json', Buffer.from(JSON.stringify(fields), 'utf8'));
