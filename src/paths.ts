import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root, found the same way whether we run from src/ (tsx) or dist/ (built). */
function findRoot(start: string): string {
  let dir = start;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`package.json not found above ${start}`);
    dir = parent;
  }
  return dir;
}

export const PACKAGE_ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));

/** The bootstraps we ship stay plain JavaScript and Python under src/runtimes/, built or not. */
export const RUNTIMES_DIR = path.join(PACKAGE_ROOT, 'src', 'runtimes');
