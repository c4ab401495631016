import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { declaredUnzippedBytes, extractZip, validateZip, type ZipSummary } from './zip.js';

export interface StoredCode {
  /** Base64 of the SHA-256, as AWS reports CodeSha256. */
  sha256: string;
  size: number;
  unzippedBytes: number;
}

/** Blobs are named by hex digest: base64 has '/' in it. */
const hex = (sha256: string): string => Buffer.from(sha256, 'base64').toString('hex');

/**
 * Code packages as content-addressed blobs (`blobs/<sha>.zip`) plus one extracted tree per blob
 * (`trees/<sha>/`), which execution environments mount read-only as /var/task. Identical zips
 * are stored once, whichever function or account uploads them.
 */
export class CodeStore {
  private readonly extracting = new Map<string, Promise<string>>();
  private readonly merging = new Map<string, Promise<string>>();
  /** Blobs written by a request that has not yet stored the metadata that refers to them. */
  private readonly pinned = new Map<string, number>();

  constructor(readonly root: string) {}

  async init(): Promise<void> {
    await fs.mkdir(path.join(this.root, 'blobs'), { recursive: true });
    await fs.mkdir(path.join(this.root, 'trees'), { recursive: true });
    await fs.mkdir(path.join(this.root, 'merged'), { recursive: true });
  }

  /**
   * Validates the zip completely (the AWS rules in zip.ts) before anything is written. The blob
   * stays pinned against garbage collection until the caller calls `unpin`.
   */
  async put(zip: Buffer): Promise<StoredCode> {
    const stored = await this.inspect(zip);
    const { sha256 } = stored;
    this.pinned.set(sha256, (this.pinned.get(sha256) ?? 0) + 1);
    const blob = this.blobPath(sha256);
    if (!(await exists(blob))) {
      // Unique per write: two uploads of the same zip may race to store the same blob.
      const tmp = `${blob}.${randomBytes(8).toString('hex')}.tmp`;
      await fs.writeFile(tmp, zip);
      await fs.rename(tmp, blob);
    }
    return stored;
  }

  /** What `put` would store, without writing anything (UpdateFunctionCode's DryRun). */
  async inspect(zip: Buffer): Promise<StoredCode> {
    const summary: ZipSummary = await validateZip(zip);
    const sha256 = createHash('sha256').update(zip).digest('base64');
    return { sha256, size: zip.length, unzippedBytes: summary.unzippedBytes };
  }

  unpin(sha256: string): void {
    const count = (this.pinned.get(sha256) ?? 1) - 1;
    if (count > 0) this.pinned.set(sha256, count);
    else this.pinned.delete(sha256);
  }

  /** Removes one package if nothing refers to it any more (after a delete or an update). */
  async release(sha256: string, stillReferenced: boolean): Promise<void> {
    if (stillReferenced) return;
    await this.extracting.get(sha256)?.catch(() => undefined);
    if (this.pinned.has(sha256)) return;
    await fs.rm(this.blobPath(sha256), { force: true });
    await fs.rm(this.treePath(sha256), { recursive: true, force: true });
    const part = mergedPart(sha256);
    for (const entry of await fs.readdir(path.join(this.root, 'merged'))) {
      if (entry.split('-').includes(part))
        await fs.rm(path.join(this.root, 'merged', entry), { recursive: true, force: true });
    }
  }

  /**
   * A stored package's unzipped size, from its central directory (derived, not kept: the blob is
   * the truth). 0 for what is not a blob here (a hot-reload folder, an image's digest).
   */
  async unzippedBytes(sha256: string): Promise<number> {
    let zip: Buffer;
    try {
      zip = await fs.readFile(this.blobPath(sha256));
    } catch {
      return 0;
    }
    return declaredUnzippedBytes(zip);
  }

  blobPath(sha256: string): string {
    return path.join(this.root, 'blobs', `${hex(sha256)}.zip`);
  }

  treePath(sha256: string): string {
    return path.join(this.root, 'trees', hex(sha256));
  }

  async readBlob(sha256: string): Promise<Buffer> {
    return fs.readFile(this.blobPath(sha256));
  }

  /** The extracted tree of a blob, extracting it once even when many callers ask at the same time. */
  async ensureTree(sha256: string): Promise<string> {
    const tree = this.treePath(sha256);
    const pending = this.extracting.get(sha256);
    if (pending) return pending;
    if (await exists(tree)) return tree;
    const work = this.readBlob(sha256)
      .then((zip) => extractZip(zip, tree))
      .then(() => tree)
      .finally(() => this.extracting.delete(sha256));
    this.extracting.set(sha256, work);
    return work;
  }

  /**
   * The layers of a function merged into one tree, in order, later layers over earlier ones (as
   * AWS extracts them into /opt): one layer is its own tree; several are merged once per ordered
   * list and kept under `merged/` until one of their blobs is released.
   */
  async ensureMergedTree(shas: readonly string[]): Promise<string | undefined> {
    if (shas.length === 0) return undefined;
    if (shas.length === 1) return this.ensureTree(shas[0] as string);
    const id = shas.map(mergedPart).join('-');
    const target = path.join(this.root, 'merged', id);
    const pending = this.merging.get(id);
    if (pending) return pending;
    if (await exists(target)) return target;
    const work = this.merge(shas, target).finally(() => this.merging.delete(id));
    this.merging.set(id, work);
    return work;
  }

  private async merge(shas: readonly string[], target: string): Promise<string> {
    const trees = [];
    for (const sha of shas) trees.push(await this.ensureTree(sha));
    const tmp = `${target}.${randomBytes(8).toString('hex')}.tmp`;
    try {
      await fs.mkdir(tmp, { mode: 0o755 });
      for (const tree of trees) await overlay(tree, tmp);
      await fs.rename(tmp, target);
    } catch (err) {
      await fs.rm(tmp, { recursive: true, force: true });
      if (!(await exists(target))) throw err;
    }
    return target;
  }

  /** Removes blobs and trees no function or layer refers to, and temp files a crash left behind. */
  async collectGarbage(referenced: Set<string>): Promise<void> {
    const parts = new Set([...referenced].map(mergedPart));
    for (const entry of await fs.readdir(path.join(this.root, 'merged'))) {
      if (entry.endsWith('.tmp') || !entry.split('-').every((part) => parts.has(part)))
        await fs.rm(path.join(this.root, 'merged', entry), { recursive: true, force: true });
    }
    const keep = new Set([...referenced].map(hex));
    for (const dir of ['blobs', 'trees']) {
      for (const entry of await fs.readdir(path.join(this.root, dir))) {
        const id = entry.replace(/\.zip$/, '');
        if (!keep.has(id) && !this.isBusy(id)) {
          await fs.rm(path.join(this.root, dir, entry), { recursive: true, force: true });
        }
      }
    }
  }

  private isBusy(hexId: string): boolean {
    return [...this.extracting.keys(), ...this.pinned.keys()].some((sha) => hex(sha) === hexId);
  }
}

/** A blob's part of a merged tree's name: 128 bits of its digest keep five within NAME_MAX. */
const mergedPart = (sha256: string): string => hex(sha256).slice(0, 32);

/**
 * Copies `from` over `into`: files and symlinks replace whatever was at their path, directories
 * merge. Nothing already in `into` is followed (a symlink an earlier layer put where this one has
 * a directory is replaced by the directory), so every write stays inside `into`. Files are
 * hard-linked where possible: the extracted trees are never written to.
 */
async function overlay(from: string, into: string): Promise<void> {
  for (const entry of await fs.readdir(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const dest = path.join(into, entry.name);
    const existing = await fs.lstat(dest).catch(() => undefined);
    if (entry.isDirectory()) {
      if (existing && !existing.isDirectory()) await fs.rm(dest, { recursive: true, force: true });
      if (!existing?.isDirectory()) await fs.mkdir(dest, { mode: 0o755 });
      await overlay(source, dest);
      continue;
    }
    if (existing) await fs.rm(dest, { recursive: true, force: true });
    if (entry.isSymbolicLink()) await fs.symlink(await fs.readlink(source), dest);
    else await fs.link(source, dest).catch(() => fs.copyFile(source, dest));
  }
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}
