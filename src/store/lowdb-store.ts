import fs from 'node:fs/promises';
import path from 'node:path';
import { Low, Memory } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import type { Namespace } from '../aws/arn.js';
import type { MetadataStore } from './metadata-store.js';
import type { EventQueueStore } from './event-queue-store.js';
import type {
  CodeSigningConfigRecord,
  FunctionRecord,
  LayerRecord,
  QueuedEvent,
} from './records.js';

interface Data {
  functions: Record<string, FunctionRecord>;
  events: Record<string, QueuedEvent>;
  codeSigningConfigs: Record<string, CodeSigningConfigRecord>;
  layers: Record<string, LayerRecord>;
}

const key = (ns: Namespace, name: string): string => `${ns.account}/${ns.region}/${name}`;

/** lowdb keeps the whole document in memory and rewrites the file atomically (temp file + rename). */
export class LowdbStore implements MetadataStore, EventQueueStore {
  /** Derived from the records, per `account/region/`; dropped whenever a record there changes. */
  private readonly reservedTotals = new Map<string, number>();

  private constructor(private readonly db: Low<Data>) {}

  static async open(dataDir: string | null): Promise<LowdbStore> {
    const initial: Data = { functions: {}, events: {}, codeSigningConfigs: {}, layers: {} };
    let db: Low<Data>;
    if (dataDir === null) {
      db = new Low<Data>(new Memory<Data>(), initial);
    } else {
      await fs.mkdir(dataDir, { recursive: true });
      db = new Low<Data>(new JSONFile<Data>(path.join(dataDir, 'metadata.json')), initial);
    }
    await db.read();
    db.data ??= initial;
    db.data.functions ??= {};
    db.data.events ??= {};
    db.data.codeSigningConfigs ??= {};
    db.data.layers ??= {};
    return new LowdbStore(db);
  }

  async getFunction(ns: Namespace, name: string): Promise<FunctionRecord | undefined> {
    return this.db.data.functions[key(ns, name)];
  }

  async listFunctions(ns: Namespace): Promise<FunctionRecord[]> {
    const prefix = `${ns.account}/${ns.region}/`;
    return Object.entries(this.db.data.functions)
      .filter(([k]) => k.startsWith(prefix))
      .map(([, record]) => record)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async allFunctions(): Promise<FunctionRecord[]> {
    return Object.values(this.db.data.functions);
  }

  async mutateFunction(
    ns: Namespace,
    name: string,
    change: (current: FunctionRecord | undefined) => FunctionRecord | null,
  ): Promise<FunctionRecord | null> {
    const k = key(ns, name);
    const functions = this.db.data.functions;
    this.reservedTotals.delete(`${ns.account}/${ns.region}/`);
    const before = functions[k];
    const next = change(before);
    if (next === null) delete functions[k];
    else functions[k] = next;
    try {
      await this.db.write();
    } catch (err) {
      if (before === undefined) delete functions[k];
      else functions[k] = before;
      throw err;
    }
    return next;
  }

  async getLayer(ns: Namespace, name: string): Promise<LayerRecord | undefined> {
    return this.db.data.layers[key(ns, name)];
  }

  async listLayers(ns: Namespace): Promise<LayerRecord[]> {
    const prefix = `${ns.account}/${ns.region}/`;
    return Object.entries(this.db.data.layers)
      .filter(([k]) => k.startsWith(prefix))
      .map(([, record]) => record)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async allLayers(): Promise<LayerRecord[]> {
    return Object.values(this.db.data.layers);
  }

  async mutateLayer(
    ns: Namespace,
    name: string,
    change: (current: LayerRecord | undefined) => LayerRecord | null,
  ): Promise<LayerRecord | null> {
    const k = key(ns, name);
    const layers = this.db.data.layers;
    const before = layers[k];
    const next = change(before);
    if (next === null) delete layers[k];
    else layers[k] = next;
    try {
      await this.db.write();
    } catch (err) {
      if (before === undefined) delete layers[k];
      else layers[k] = before;
      throw err;
    }
    return next;
  }

  /** Asked on every invoke of an unreserved function, so it is kept until the namespace changes. */
  async reservedConcurrencyTotal(ns: Namespace): Promise<number> {
    const space = `${ns.account}/${ns.region}/`;
    const cached = this.reservedTotals.get(space);
    if (cached !== undefined) return cached;
    let total = 0;
    for (const [k, record] of Object.entries(this.db.data.functions)) {
      if (k.startsWith(space)) total += record.reservedConcurrency ?? 0;
    }
    this.reservedTotals.set(space, total);
    return total;
  }

  async getCodeSigningConfig(
    ns: Namespace,
    id: string,
  ): Promise<CodeSigningConfigRecord | undefined> {
    return this.db.data.codeSigningConfigs[key(ns, id)];
  }

  async listCodeSigningConfigs(ns: Namespace): Promise<CodeSigningConfigRecord[]> {
    const prefix = `${ns.account}/${ns.region}/`;
    return Object.entries(this.db.data.codeSigningConfigs)
      .filter(([k]) => k.startsWith(prefix))
      .map(([, record]) => record)
      .sort((a, b) => (a.CodeSigningConfigId < b.CodeSigningConfigId ? -1 : 1));
  }

  async mutateCodeSigningConfig(
    ns: Namespace,
    id: string,
    change: (current: CodeSigningConfigRecord | undefined) => CodeSigningConfigRecord | null,
  ): Promise<CodeSigningConfigRecord | null> {
    const k = key(ns, id);
    const configs = this.db.data.codeSigningConfigs;
    const before = configs[k];
    const next = change(before);
    if (next === null) delete configs[k];
    else configs[k] = next;
    try {
      await this.db.write();
    } catch (err) {
      if (before === undefined) delete configs[k];
      else configs[k] = before;
      throw err;
    }
    return next;
  }

  async putEvent(event: QueuedEvent): Promise<void> {
    this.db.data.events[event.id] = event;
    await this.db.write();
  }

  async removeEvent(id: string): Promise<void> {
    delete this.db.data.events[id];
    await this.db.write();
  }

  async pendingEvents(): Promise<QueuedEvent[]> {
    return Object.values(this.db.data.events).sort((a, b) => a.acceptedAt - b.acceptedAt);
  }

  async close(): Promise<void> {
    await this.db.write();
  }
}
