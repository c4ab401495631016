import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { extractZip, validateZip, type ZipSummary } from './zip.js';

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
  /** Blobs written by a request that has not yet stored the metadata that refers to them. */
  private readonly pinned = new Map<string, number>();

  constructor(readonly root: string) {}

  async init(): Promise<void> {
    await fs.mkdir(path.join(this.root, 'blobs'), { recursive: true });
    await fs.mkdir(path.join(this.root, 'trees'), { recursive: true });
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

  /** Removes blobs and trees no function refers to, and temp files a crash left behind. */
  async collectGarbage(referenced: Set<string>): Promise<void> {
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

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}
