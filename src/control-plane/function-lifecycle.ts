import type { Namespace } from '../aws/arn.js';
import { newRevisionId } from '../aws/formats.js';
import { HOT_RELOAD_SHA256 } from './code-source.js';
import { isImageDigest } from '../aws/image-rules.js';
import type { CodeStore } from '../store/code-store.js';
import type { MetadataStore } from '../store/metadata-store.js';
import type { FunctionRecord, VersionRecord } from '../store/records.js';

/**
 * AWS's function states: a new function is Pending until its code is ready, then Active; an
 * update is InProgress, then Successful (or Failed). Here "ready" means the package is
 * extracted to its tree, plus an optional delay that imitates AWS's seconds of latency.
 */
export class FunctionLifecycle {
  constructor(
    private readonly store: MetadataStore,
    private readonly code: CodeStore,
    private readonly delayMs: number,
    private readonly log: (line: string) => void,
  ) {}

  /** Settles every Pending or InProgress version of the function that runs this code. */
  settle(ns: Namespace, name: string, sha256: string): void {
    void this.run(ns, name, sha256);
  }

  /** After a restart, finishes what the previous process left Pending or InProgress. */
  async resume(): Promise<void> {
    for (const record of await this.store.allFunctions()) {
      for (const version of [record.latest, ...Object.values(record.versions)]) {
        if (isUnsettled(version)) this.settle(record, record.name, version.CodeSha256);
      }
    }
  }

  private async run(ns: Namespace, name: string, sha256: string): Promise<void> {
    let failure: string | undefined;
    try {
      if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      // A hot-reload folder has nothing to extract, and an image was found on the engine before
      // it was stored; a zip is extracted now.
      if (sha256 !== HOT_RELOAD_SHA256 && !isImageDigest(sha256))
        await this.code.ensureTree(sha256);
    } catch (err) {
      failure = (err as Error).message;
      this.log(`function ${name}: code could not be prepared: ${failure}`);
    }
    await this.store
      .mutateFunction(ns, name, (current) => (current ? settled(current, sha256, failure) : null))
      .catch((err: Error) => this.log(`function ${name}: state not saved: ${err.message}`));
  }
}

function isUnsettled(version: VersionRecord): boolean {
  return version.State === 'Pending' || version.LastUpdateStatus === 'InProgress';
}

function settled(record: FunctionRecord, sha256: string, failure?: string): FunctionRecord {
  const settle = (version: VersionRecord): VersionRecord => {
    if (!isUnsettled(version) || version.CodeSha256 !== sha256) return version;
    const { StateReason: _r, StateReasonCode: _c, ...rest } = version;
    if (failure) {
      return {
        ...rest,
        State: version.State === 'Pending' ? 'Failed' : version.State,
        LastUpdateStatus: 'Failed',
        LastUpdateStatusReason: failure,
        LastUpdateStatusReasonCode: 'InternalError',
        RevisionId: newRevisionId(),
      };
    }
    return {
      ...rest,
      State: 'Active',
      LastUpdateStatus: 'Successful',
      RevisionId: newRevisionId(),
    };
  };
  const versions = Object.fromEntries(
    Object.entries(record.versions).map(([k, v]) => [k, settle(v)]),
  );
  return { ...record, latest: settle(record.latest), versions };
}
