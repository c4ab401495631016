import type { Namespace } from '../aws/arn.js';
import type { CodeSigningConfigRecord, FunctionRecord, LayerRecord } from './records.js';

/**
 * Where metadata lives. lowdb is the default; the interface is what a networked store
 * (PostgreSQL, for several frontends) implements later.
 */
export interface MetadataStore {
  getFunction(ns: Namespace, name: string): Promise<FunctionRecord | undefined>;
  /** The namespace's functions, sorted by name. */
  listFunctions(ns: Namespace): Promise<FunctionRecord[]>;
  /** Every function of every namespace (for start-up recovery and code garbage collection). */
  allFunctions(): Promise<FunctionRecord[]>;
  /**
   * Reads, changes and writes one function atomically: `change` sees the current record and
   * returns the next one (or null to delete it), never modifying `current` in place. If `change`
   * throws, or the write fails,
   * nothing is stored.
   */
  mutateFunction(
    ns: Namespace,
    name: string,
    change: (current: FunctionRecord | undefined) => FunctionRecord | null,
  ): Promise<FunctionRecord | null>;
  getLayer(ns: Namespace, name: string): Promise<LayerRecord | undefined>;
  /** The namespace's layers, sorted by name. */
  listLayers(ns: Namespace): Promise<LayerRecord[]>;
  /** Every layer of every namespace (for code garbage collection). */
  allLayers(): Promise<LayerRecord[]>;
  /** Reads, changes and writes one layer atomically, as mutateFunction does for functions. */
  mutateLayer(
    ns: Namespace,
    name: string,
    change: (current: LayerRecord | undefined) => LayerRecord | null,
  ): Promise<LayerRecord | null>;
  /** The sum of the namespace's reserved concurrency (AWS counts it per account and region). */
  reservedConcurrencyTotal(ns: Namespace): Promise<number>;
  getCodeSigningConfig(ns: Namespace, id: string): Promise<CodeSigningConfigRecord | undefined>;
  /** The namespace's code signing configs, sorted by id. */
  listCodeSigningConfigs(ns: Namespace): Promise<CodeSigningConfigRecord[]>;
  /** mutateFunction's contract, for one code signing config. */
  mutateCodeSigningConfig(
    ns: Namespace,
    id: string,
    change: (current: CodeSigningConfigRecord | undefined) => CodeSigningConfigRecord | null,
  ): Promise<CodeSigningConfigRecord | null>;
  close(): Promise<void>;
}
