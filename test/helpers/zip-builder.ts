/**
 * A tiny raw ZIP writer for tests: local headers, central directory with unix external
 * attributes (version made by 3 = unix), end record. No library, so tests can also build the
 * hostile archives real tools refuse to write: lying sizes, bad CRCs, escaping names.
 */
import path from 'node:path';
import zlib from 'node:zlib';

export interface ZipEntryInput {
  /** Stored as given (UTF-8); a trailing '/' makes a directory entry. */
  name: string;
  content?: string | Buffer;
  /** Permission bits (file type bits, if any, are kept as given). Default 0644, dirs 0755. */
  mode?: number;
  /** Makes a symlink entry (S_IFLNK, the target as its content). */
  symlinkTarget?: string;
  /** No compression. */
  store?: boolean;
  /** Lie about the uncompressed size, for hostile tests. */
  declaredSize?: number;
  /** Already deflated data, written as-is (give declaredSize and crc32 to go with it). */
  deflated?: Buffer;
  /** Overrides the CRC-32 written in the headers (a wrong one, for hostile tests). */
  crc32?: number;
  /** 'dos': version made by 0 and no unix mode in the external attributes. */
  platform?: 'unix' | 'dos';
}

const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const S_IFMT = 0o170000;
/** 1980-01-01 00:00:00, the first MS-DOS date: keeps the output byte-for-byte reproducible. */
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

/** The default mode of the Record form: executable for `bootstrap` and shell scripts. */
export function defaultMode(name: string): number {
  if (name.endsWith('/')) return 0o755;
  const base = path.posix.basename(name);
  return base === 'bootstrap' || base.endsWith('.sh') ? 0o755 : 0o644;
}

export function buildZip(entries: ZipEntryInput[] | Record<string, string | Buffer>): Buffer {
  const list: ZipEntryInput[] = Array.isArray(entries)
    ? entries
    : Object.entries(entries).map(([name, content]) => ({ name, content }));
  if (list.length > 0xffff) throw new Error('buildZip: no zip64, at most 65535 entries');

  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const input of list) {
    const name = Buffer.from(input.name, 'utf8');
    const isDir = input.name.endsWith('/');
    const isLink = input.symlinkTarget !== undefined;
    const data = isLink
      ? Buffer.from(input.symlinkTarget!, 'utf8')
      : Buffer.isBuffer(input.content)
        ? input.content
        : Buffer.from(input.content ?? '', 'utf8');
    const stored = input.store === true || (input.deflated === undefined && data.length === 0);
    const compressed = input.deflated ?? (stored ? data : zlib.deflateRawSync(data));
    const method = stored && input.deflated === undefined ? 0 : 8;
    const crc = (input.crc32 ?? zlib.crc32(data)) >>> 0;
    const size = input.declaredSize ?? data.length;
    if (compressed.length > 0xfffffffe || size > 0xfffffffe || offset > 0xfffffffe) {
      throw new Error('buildZip: no zip64, sizes and offsets must fit in 32 bits');
    }

    const perm = input.mode ?? (isLink ? 0o777 : defaultMode(input.name));
    const type = isLink ? S_IFLNK : isDir ? S_IFDIR : S_IFREG;
    const unixMode = (perm & S_IFMT) !== 0 ? perm : perm | type;
    const dos = input.platform === 'dos';
    const external = dos ? (isDir ? 0x10 : 0) : ((unixMode << 16) | (isDir ? 0x10 : 0)) >>> 0;
    const flags = /[^\x20-\x7e]/.test(input.name) ? 0x0800 : 0; // bit 11: UTF-8 name

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate, directories)
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28); // extra field length
    locals.push(local, name, compressed);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(((dos ? 0 : 3) << 8) | 20, 4); // version made by: unix (or MS-DOS), 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(0, 30); // extra field length
    central.writeUInt16LE(0, 32); // comment length
    central.writeUInt16LE(0, 34); // disk number
    central.writeUInt16LE(0, 36); // internal attributes
    central.writeUInt32LE(external, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);

    offset += local.length + name.length + compressed.length;
  }

  const centralDirectory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(0, 4); // this disk
  end.writeUInt16LE(0, 6); // disk with the central directory
  end.writeUInt16LE(list.length, 8);
  end.writeUInt16LE(list.length, 10);
  end.writeUInt32LE(centralDirectory.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(0, 20); // comment length
  return Buffer.concat([...locals, centralDirectory, end]);
}

/**
 * Raw deflate data for `size` zero bytes (a multiple of `chunk`) without ever holding them: one
 * chunk is deflated and sync-flushed (byte-aligned, not final, back-references only into itself),
 * that segment repeated, then an empty final block. About 1 KB per MB of zeros.
 */
export function deflatedZeros(
  size: number,
  chunk = 1024 * 1024,
): { deflated: Buffer; size: number; crc32: number } {
  if (size % chunk !== 0) throw new Error('deflatedZeros: size must be a multiple of chunk');
  const zeros = Buffer.alloc(chunk);
  const segment = zlib.deflateRawSync(zeros, {
    finishFlush: zlib.constants.Z_SYNC_FLUSH,
  });
  const count = size / chunk;
  const segments: Buffer[] = new Array<Buffer>(count).fill(segment);
  let crc = 0;
  for (let i = 0; i < count; i++) crc = zlib.crc32(zeros, crc);
  return {
    deflated: Buffer.concat([...segments, zlib.deflateRawSync(Buffer.alloc(0))]),
    size,
    crc32: crc,
  };
}
