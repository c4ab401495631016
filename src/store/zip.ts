/**
 * Validating and unpacking the zip packages of functions and layers. Uploads are hostile until
 * proven otherwise: nothing in a zip may write outside the tree it is unpacked into, and no zip
 * may make us inflate, allocate or create more than the limits allow, whatever its headers claim.
 *
 * Every entry is inflated (never trusting the declared sizes: the real bytes are counted as they
 * come out of zlib) and its CRC-32 checked. The directory layout is first built as an in-memory
 * tree, so that conflicting entries and symlinks that escape (directly or through other symlinks
 * in the same archive) are caught the same way by validateZip, which writes nothing, and by
 * extractZip, which writes into a fresh temp dir and renames it into place only when all is well.
 */
import fs, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import yauzl from 'yauzl';
import { invalidParameter, LambdaError } from '../aws/errors.js';

export interface ZipLimits {
  maxUnzippedBytes: number;
  maxEntries: number;
}

/** AWS: 250 MB unzipped (262,144,000 bytes). The entry count is our own guard. */
export const AWS_ZIP_LIMITS: ZipLimits = Object.freeze({
  maxUnzippedBytes: 262_144_000,
  maxEntries: 100_000,
});

export interface ZipSummary {
  entries: number;
  unzippedBytes: number;
}

/** AWS's exact text for every package it cannot (or will not) unpack. */
const UNZIP_FAILED =
  'Could not unzip uploaded file. Please check your file, then try to upload again.';

const badZip = (cause?: unknown): LambdaError => {
  const err = invalidParameter(UNZIP_FAILED);
  if (cause !== undefined) err.cause = cause;
  return err;
};

const tooBig = (limits: ZipLimits): LambdaError =>
  invalidParameter(`Unzipped size must be smaller than ${limits.maxUnzippedBytes} bytes`);

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
/** Linux NAME_MAX and PATH_MAX: longer names could never be created. */
const NAME_MAX = 255;
const PATH_MAX = 4096;
/** Linux follows at most 40 symlinks while resolving one path (ELOOP beyond). */
const MAX_LINK_HOPS = 40;
/** Total path components we are willing to walk checking all symlinks of one archive. */
const LINK_CHECK_BUDGET = 10_000_000;
/** Inflate output chunk of large entries: big enough that the stream hops stay cheap. */
const INFLATE_CHUNK = 256 * 1024;
/** Entries up to this size (compressed and declared) are inflated in one synchronous call. */
const SMALL_ENTRY = 1024 * 1024;

type Node = DirNode | FileNode | LinkNode;
interface DirNode {
  kind: 'dir';
  children: Map<string, Node>;
  /** Permission bits to apply once everything inside is written. */
  mode: number;
  /** Whether it exists on disk yet (extractZip only). */
  created: boolean;
}
interface FileNode {
  kind: 'file';
}
interface LinkNode {
  kind: 'symlink';
  target: string;
}

const newDir = (mode = 0o755): DirNode => ({
  kind: 'dir',
  children: new Map(),
  mode,
  created: false,
});

/**
 * Inflates every entry in memory while counting bytes (never trusting the declared sizes),
 * writes nothing.
 */
export async function validateZip(
  zip: Buffer,
  limits: ZipLimits = AWS_ZIP_LIMITS,
): Promise<ZipSummary> {
  try {
    return await unpack(zip, limits, undefined);
  } catch (err) {
    throw classify(err);
  }
}

/**
 * Extracts into destDir atomically: into a sibling temp dir, then rename. If destDir already
 * exists, does nothing (content-addressed) but read the central directory for the summary. Same
 * checks as validateZip. On any failure removes the temp dir.
 */
export async function extractZip(
  zip: Buffer,
  destDir: string,
  limits: ZipLimits = AWS_ZIP_LIMITS,
): Promise<ZipSummary> {
  const dest = path.resolve(destDir);
  // Rule: content-addressed, so an existing tree already holds exactly this zip.
  if (await exists(dest)) return summarize(zip, limits);

  const parent = path.dirname(dest);
  await fs.mkdir(parent, { recursive: true });
  const tmp = await fs.mkdtemp(path.join(parent, `.${path.basename(dest)}.tmp-`));
  let renamed = false;
  try {
    const summary = await unpack(zip, limits, tmp).catch((err: unknown) => {
      throw classify(err);
    });
    await fs.chmod(tmp, 0o755); // mkdtemp makes it 0700
    try {
      // Rule: atomic, readers see the whole tree or none of it.
      await fs.rename(tmp, dest);
      renamed = true;
    } catch (err) {
      // Another extraction of the same content finished first: theirs is as good as ours.
      if (!isErrno(err, 'EEXIST', 'ENOTEMPTY')) throw err;
    }
    return summary;
  } finally {
    // Rule: on any failure (or a lost race) nothing but the finished tree is left behind.
    if (!renamed) await fs.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
  }
}

/**
 * The one pass over the archive that both entry points share. With `root` unset it only reads;
 * with `root` it writes files as they inflate and creates directories and symlinks.
 */
async function unpack(
  zip: Buffer,
  limits: ZipLimits,
  root: string | undefined,
): Promise<ZipSummary> {
  const zipfile = await openZip(zip);
  // Rule: more entries than maxEntries is refused before reading any of them.
  if (zipfile.entryCount > limits.maxEntries) throw badZip();

  const tree = newDir();
  tree.created = true;
  const links: Array<{ parent: string[]; node: LinkNode; where: string[] }> = [];
  const counter = { bytes: 0 };
  let entries = 0;

  for await (const entry of zipfile.eachEntry()) {
    // Rule: entryCount comes from the end record; never read past the limit whatever it said.
    if (++entries > limits.maxEntries) throw badZip();
    const mode = entry.externalFileAttributes >>> 16; // unix st_mode, 0 when the zip has none
    const type = mode & S_IFMT;
    const kind: Node['kind'] =
      entry.fileName.endsWith('/') || type === S_IFDIR
        ? 'dir'
        : type === S_IFLNK
          ? 'symlink'
          : 'file';
    const parts = entryParts(entry.fileName);
    if (parts.length === 0) {
      // Rule: the root itself may appear as "./"; anything else needs a name.
      if (kind !== 'dir') throw badZip();
      await drain(zipfile, zip, entry, counter, limits, undefined);
      continue;
    }

    const { node, ancestors } = place(tree, parts, kind);
    const where = root === undefined ? undefined : path.join(root, ...parts);
    if (root !== undefined) await makeDirs(root, parts, ancestors);

    if (node.kind === 'dir') {
      // Rule: dirs keep their unix permission bits (0755 without), but always stay u+rwx so the
      // store can write into them and delete them; setuid/setgid/sticky are stripped.
      if (mode !== 0) node.mode = (mode & 0o777) | 0o700;
      if (where !== undefined && !node.created) {
        await fs.mkdir(where, { recursive: true });
        node.created = true;
      }
      await drain(zipfile, zip, entry, counter, limits, undefined);
    } else if (node.kind === 'symlink') {
      const target = await drain(zipfile, zip, entry, counter, limits, 'collect');
      node.target = checkLinkTarget(target);
      links.push({ parent: parts.slice(0, -1), node, where: parts });
    } else {
      // Rule: files keep their unix permission bits (0644 without), minus setuid/setgid/sticky.
      const fileMode = mode !== 0 ? mode & 0o777 : 0o644;
      if (where === undefined) {
        await drain(zipfile, zip, entry, counter, limits, undefined);
      } else {
        // 'wx': O_CREAT|O_EXCL never follows a symlink nor reuses an existing file.
        const fh = await fs.open(where, 'wx', 0o600);
        try {
          await drain(zipfile, zip, entry, counter, limits, fh);
          await fh.chmod(fileMode); // fchmod: exact bits, no umask
        } finally {
          await fh.close();
        }
      }
    }
  }

  // Rule: a symlink must resolve inside the root, following the archive's other symlinks the
  // way the kernel would; escaping links are refused even if nothing in the zip uses them.
  const budget = { steps: LINK_CHECK_BUDGET };
  for (const link of links) {
    if (!resolvesInside(tree, link.parent, link.node.target, budget)) throw badZip();
  }

  if (root !== undefined) {
    // Symlinks are created last, so no file was ever written through one.
    for (const link of links) await fs.symlink(link.node.target, path.join(root, ...link.where));
    // Directory modes last, so that read-only ones did not stop us writing into them; every
    // directory gets one (mkdir's result depends on the umask).
    const pending: Array<[string, DirNode]> = [[root, tree]];
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      const [dirPath, dir] = next;
      if (dir !== tree) await fs.chmod(dirPath, dir.mode);
      for (const [name, child] of dir.children) {
        if (child.kind === 'dir') pending.push([path.join(dirPath, name), child]);
      }
    }
  }
  return { entries, unzippedBytes: counter.bytes };
}

function openZip(zip: Buffer): Promise<yauzl.ZipFile> {
  // Rule: not a zip / corrupt end record → "Could not unzip" (via classify).
  return yauzl.fromBufferPromise(zip, {
    lazyEntries: true,
    // Rule: entry sizes that lie — stored entries whose two sizes differ are refused up front
    // (deflated ones are counted in drain, as we inflate them ourselves).
    validateEntrySizes: true,
    // Backslashes become '/' (what .NET 4.5 zips mean) and yauzl then refuses '..' segments and
    // absolute names; entryParts checks again.
    strictFileNames: false,
    decodeStrings: true,
  });
}

/** The unzipped size a stored (already validated) zip declares in its central directory. */
export async function declaredUnzippedBytes(zip: Buffer): Promise<number> {
  return (await summarize(zip, AWS_ZIP_LIMITS)).unzippedBytes;
}

/** Entry count and declared sizes from the central directory (checked at first extraction). */
async function summarize(zip: Buffer, limits: ZipLimits): Promise<ZipSummary> {
  try {
    const zipfile = await openZip(zip);
    if (zipfile.entryCount > limits.maxEntries) throw badZip();
    let entries = 0;
    let unzippedBytes = 0;
    for await (const entry of zipfile.eachEntry()) {
      entries += 1;
      unzippedBytes += entry.uncompressedSize;
    }
    return { entries, unzippedBytes };
  } catch (err) {
    throw classify(err);
  }
}

/**
 * Inflates one entry, counting every byte against the archive-wide limit and checking its CRC-32.
 * `sink` is where the bytes go: an open file, 'collect' (symlink targets, at most PATH_MAX), or
 * nowhere.
 */
async function drain(
  zipfile: yauzl.ZipFile,
  zip: Buffer,
  entry: yauzl.Entry,
  counter: { bytes: number },
  limits: ZipLimits,
  sink: FileHandle | 'collect' | undefined,
): Promise<string> {
  // Rule: encrypted entries and compression methods other than stored/deflate cannot be unzipped.
  if (entry.isEncrypted() || (entry.compressionMethod !== 0 && entry.compressionMethod !== 8)) {
    throw badZip();
  }
  const collected: Buffer[] = [];
  let entryBytes = 0;
  let crc = 0;
  /** Takes the next inflated chunk; an error means stop. */
  const take = async (chunk: Buffer): Promise<void> => {
    entryBytes += chunk.length;
    counter.bytes += chunk.length;
    // Rule: entry sizes that lie — more bytes than declared stops at once (fewer: see below).
    if (entryBytes > entry.uncompressedSize) throw badZip();
    // Rule: zip bombs — the real inflated total is checked per chunk, so inflating stops one
    // chunk past the limit, however big the output would have been.
    if (counter.bytes > limits.maxUnzippedBytes) throw tooBig(limits);
    crc = zlib.crc32(chunk, crc);
    if (sink === 'collect') {
      // Rule: a symlink target longer than PATH_MAX cannot be a real one.
      if (entryBytes >= PATH_MAX) throw badZip();
      collected.push(chunk);
    } else if (sink !== undefined) {
      await writeAll(sink, chunk);
    }
  };

  if (entry.compressedSize <= SMALL_ENTRY && entry.uncompressedSize <= SMALL_ENTRY) {
    // Small entries (nearly all of them) in one go: a stream and a zlib thread-pool round trip
    // per entry would cost more than the inflating.
    const { fileDataStart } = await zipfile.readLocalFileHeaderPromise(entry, { minimal: true });
    const data = zip.subarray(fileDataStart, fileDataStart + entry.compressedSize);
    if (entry.compressionMethod === 0) {
      await take(data);
    } else if (data.length > 0) {
      // maxOutputLength bounds what zlib may allocate: one byte past the declared size is
      // enough to tell a lie (zlib throws, or take() sees the extra byte).
      const maxOutputLength = Math.min(entry.uncompressedSize, limits.maxUnzippedBytes) + 1;
      await take(zlib.inflateRawSync(data, { maxOutputLength }));
    } // else: some tools write an empty deflated entry with no deflate data, which zlib refuses.
  } else {
    // We inflate ourselves rather than through yauzl: zlib's default 16 KB chunks make the
    // stream machinery, not inflating, the cost of a 250 MB package (~7x slower).
    const raw = await zipfile.openReadStreamPromise(entry, { decodeFileData: false });
    const out = new Writable({
      write(chunk: Buffer, _encoding, done) {
        take(chunk).then(() => done(), done);
      },
    });
    if (entry.compressionMethod === 8) {
      await pipeline(raw, zlib.createInflateRaw({ chunkSize: INFLATE_CHUNK }), out);
    } else {
      await pipeline(raw, out);
    }
  }
  // Rule: entry sizes that lie — fewer bytes than declared.
  if (entryBytes !== entry.uncompressedSize) throw badZip();
  // Rule: corrupt data → bad CRC → "Could not unzip" (yauzl does not check CRCs itself).
  if (crc >>> 0 !== entry.crc32 >>> 0) throw badZip();
  return Buffer.concat(collected).toString('utf8');
}

async function writeAll(fh: FileHandle, chunk: Buffer): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await fh.write(chunk, offset, chunk.length - offset);
    offset += bytesWritten;
  }
}

/** The path segments of an entry name, or "Could not unzip" for any name that could escape. */
function entryParts(fileName: string): string[] {
  // Rule: zip-slip — NUL bytes would truncate the name the kernel sees.
  if (fileName.includes('\0')) throw badZip();
  // Rule: zip-slip — backslashes are separators (yauzl already converted them; belt and braces).
  const name = fileName.replace(/\\/g, '/');
  // Rule: zip-slip — absolute names, POSIX or Windows drive letters.
  if (name.startsWith('/') || /^[a-zA-Z]:/.test(name)) throw badZip();
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  // Rule: zip-slip — no '..' segments at all, even ones that would stay inside.
  if (parts.includes('..')) throw badZip();
  // Rule: names the file system cannot hold are refused here, not half-way through extraction.
  if (Buffer.byteLength(name) >= PATH_MAX) throw badZip();
  if (parts.some((p) => Buffer.byteLength(p) > NAME_MAX)) throw badZip();
  return parts;
}

/**
 * Adds an entry to the tree, creating the directories its path implies.
 * Rule: no entry may live under a file or a symlink entry (so nothing is ever written through a
 * symlink), and a path may hold only one file or symlink; repeated directory entries are fine.
 */
function place(
  tree: DirNode,
  parts: string[],
  kind: Node['kind'],
): { node: Node; ancestors: DirNode[] } {
  const ancestors: DirNode[] = [];
  let dir = tree;
  for (const part of parts.slice(0, -1)) {
    let next = dir.children.get(part);
    if (next === undefined) {
      next = newDir();
      dir.children.set(part, next);
    } else if (next.kind !== 'dir') {
      throw badZip();
    }
    ancestors.push(next);
    dir = next;
  }
  const last = parts[parts.length - 1]!;
  const existing = dir.children.get(last);
  if (existing !== undefined) {
    if (existing.kind === 'dir' && kind === 'dir') return { node: existing, ancestors };
    throw badZip();
  }
  const node: Node = kind === 'dir' ? newDir() : kind === 'file' ? { kind } : { kind, target: '' };
  dir.children.set(last, node);
  return { node, ancestors };
}

/** Creates the implied parent directories of an entry that do not exist yet. */
async function makeDirs(root: string, parts: string[], ancestors: DirNode[]): Promise<void> {
  const missing = ancestors.findIndex((d) => !d.created);
  if (missing === -1) return;
  await fs.mkdir(path.join(root, ...parts.slice(0, ancestors.length)), {
    recursive: true,
  });
  for (const dir of ancestors) dir.created = true;
}

function checkLinkTarget(target: string): string {
  // Rule: symlink targets — empty, NUL, backslashes (a separator elsewhere) and absolute targets
  // (always outside the root) are refused.
  if (target === '' || target.includes('\0') || target.includes('\\')) throw badZip();
  if (target.startsWith('/')) throw badZip();
  return target;
}

/**
 * Resolves a symlink target on the in-memory tree, component by component, expanding the
 * archive's own symlinks as the kernel would, and reports whether it never climbs above the root.
 * Components that do not exist are taken lexically (the kernel would fail there: ENOENT).
 */
function resolvesInside(
  tree: DirNode,
  linkParent: string[],
  target: string,
  budget: { steps: number },
): boolean {
  const stack: Array<Node | undefined> = [];
  let cur: Node | undefined = tree;
  for (const part of linkParent) {
    cur = cur?.kind === 'dir' ? cur.children.get(part) : undefined;
    stack.push(cur);
  }
  const queue = target.split('/').reverse();
  let hops = 0;
  while (queue.length > 0) {
    if (--budget.steps < 0) throw badZip();
    const part = queue.pop()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (stack.length === 0) return false;
      stack.pop();
      continue;
    }
    const parent = stack.length === 0 ? tree : stack[stack.length - 1];
    const child = parent?.kind === 'dir' ? parent.children.get(part) : undefined;
    if (child?.kind === 'symlink') {
      // Rule: a symlink loop (ELOOP) is as unusable as an escape.
      if (++hops > MAX_LINK_HOPS) throw badZip();
      if (child.target.startsWith('/')) return false;
      queue.push(...child.target.split('/').reverse());
      continue;
    }
    stack.push(child);
  }
  return true;
}

/**
 * Our own LambdaErrors pass through, as do I/O errors of our file system (disk full is not the
 * caller's fault); anything else yauzl or zlib threw means the zip is bad.
 */
function classify(err: unknown): unknown {
  if (err instanceof LambdaError) return err;
  if (isErrno(err, 'ENAMETOOLONG')) return badZip(err);
  if (err instanceof Error && typeof (err as NodeJS.ErrnoException).syscall === 'string') {
    return err;
  }
  return badZip(err);
}

function isErrno(err: unknown, ...codes: string[]): boolean {
  return err instanceof Error && codes.includes((err as NodeJS.ErrnoException).code ?? '');
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return false;
    throw err;
  }
}
