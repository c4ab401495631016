import fs from 'node:fs';
import path from 'node:path';

/** A burst of writes (an editor's save) settles within this; then the files are read once. */
const SETTLE_MS = 50;

/**
 * Calls `onChange` after any of the files changes. Each file's folder is watched rather than the
 * file, because editors save by writing a new file and renaming it over the old one.
 */
export function watchFiles(files: readonly string[], onChange: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const fire = () => {
    clearTimeout(timer);
    timer = setTimeout(onChange, SETTLE_MS);
  };
  const byDir = new Map<string, Set<string>>();
  for (const file of files.map((f) => path.resolve(f))) {
    const names = byDir.get(path.dirname(file)) ?? new Set<string>();
    names.add(path.basename(file));
    byDir.set(path.dirname(file), names);
  }
  const watchers = [...byDir].map(([dir, names]) =>
    fs.watch(dir, { persistent: false }, (_event, name) => {
      if (name === null || names.has(name.toString())) fire();
    }),
  );
  return () => {
    clearTimeout(timer);
    for (const watcher of watchers) watcher.close();
  };
}
