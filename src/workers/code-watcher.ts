import fs from 'node:fs';

/** Quiet time after the last change before listeners are told again (a save is several writes). */
const SETTLE_MS = 25;

interface Watch {
  watcher: fs.FSWatcher;
  listeners: Map<string, () => void>;
  settle?: NodeJS.Timeout;
}

/**
 * Hot reload: watches the local folders functions run from (task root or /opt) and tells their
 * listeners when anything under them changes. Listeners are told at the first change, so an
 * invocation after a save already misses the old environments, and again once the writes settle,
 * so an environment started between two writes of one save does not outlive it.
 */
export class CodeWatcher {
  private readonly watches = new Map<string, Watch>();

  constructor(private readonly log: (line: string) => void) {}

  /** Calls `onChange` (once per key and folder, the latest wins) whenever the folder changes. */
  watch(folder: string, key: string, onChange: () => void): void {
    const existing = this.watches.get(folder);
    if (existing) {
      existing.listeners.set(key, onChange);
      return;
    }
    let watcher: fs.FSWatcher;
    try {
      watcher = fs.watch(folder, { recursive: true, persistent: false });
    } catch (err) {
      this.log(`hot reload: cannot watch ${folder}: ${(err as Error).message}`);
      return;
    }
    const watch: Watch = { watcher, listeners: new Map([[key, onChange]]) };
    watcher.on('change', () => this.changed(watch));
    // A folder removed or replaced (a rebuild) is watched again by the next environment start.
    watcher.on('error', () => this.unwatch(folder, watch));
    this.watches.set(folder, watch);
  }

  close(): void {
    for (const [folder, watch] of this.watches) this.unwatch(folder, watch);
  }

  private changed(watch: Watch): void {
    if (watch.settle === undefined) this.tell(watch);
    clearTimeout(watch.settle);
    watch.settle = setTimeout(() => {
      watch.settle = undefined;
      this.tell(watch);
    }, SETTLE_MS);
  }

  private tell(watch: Watch): void {
    for (const listener of watch.listeners.values()) listener();
  }

  private unwatch(folder: string, watch: Watch): void {
    clearTimeout(watch.settle);
    watch.watcher.close();
    if (this.watches.get(folder) === watch) this.watches.delete(folder);
  }
}
