import zlib from 'node:zlib';

/**
 * CloudFormation's inline code (`Code.ZipFile`, SAM's `InlineCode`) as the package AWS makes of
 * it: one file named `index` with the runtime's extension, so the handler is `index.<function>`.
 */
export function inlineCodeZip(code: string, runtime: string | undefined): Buffer {
  const extension = runtime?.startsWith('python') ? 'py' : 'js';
  return singleFileZip(`index.${extension}`, Buffer.from(code, 'utf8'));
}

/** A zip of one deflated, world-readable file; reproducible (no timestamp). */
function singleFileZip(name: string, content: Buffer): Buffer {
  const fileName = Buffer.from(name, 'utf8');
  const data = zlib.deflateRawSync(content);
  const crc = zlib.crc32(content);
  const shared = (header: Buffer, at: number): number => {
    header.writeUInt16LE(20, at); // version needed
    header.writeUInt16LE(0x0800, at + 2); // UTF-8 names
    header.writeUInt16LE(8, at + 4); // deflate
    header.writeUInt32LE(0, at + 6); // DOS time and date
    header.writeUInt32LE(crc, at + 10);
    header.writeUInt32LE(data.length, at + 14);
    header.writeUInt32LE(content.length, at + 18);
    header.writeUInt16LE(fileName.length, at + 22);
    return at + 26;
  };
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  shared(local, 4);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE((3 << 8) | 20, 4); // made by unix
  shared(central, 6);
  central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // regular file, rw-r--r--
  central.writeUInt32LE(0, 42); // local header offset
  const directorySize = central.length + fileName.length;
  const directoryOffset = local.length + fileName.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(directorySize, 12);
  end.writeUInt32LE(directoryOffset, 16);
  return Buffer.concat([local, fileName, data, central, fileName, end]);
}
