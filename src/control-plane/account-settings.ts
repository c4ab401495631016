import type { Namespace } from '../aws/arn.js';
import type { MetadataStore } from '../store/metadata-store.js';

/** AWS's default quotas, as GetAccountSettings reports them. */
export const ACCOUNT_LIMITS = {
  TotalCodeSize: 80_530_636_800,
  CodeSizeUnzipped: 262_144_000,
  CodeSizeZipped: 52_428_800,
  ConcurrentExecutions: 1000,
  UnreservedConcurrentExecutions: 1000,
} as const;

/** GetAccountSettings: the limits, and the usage summed over the namespace's functions and versions. */
export async function getAccountSettings(store: MetadataStore, ns: Namespace) {
  const functions = await store.listFunctions(ns);
  let totalCodeSize = 0;
  for (const record of functions) {
    for (const version of [record.latest, ...Object.values(record.versions)])
      totalCodeSize += version.CodeSize;
  }
  return {
    AccountLimit: { ...ACCOUNT_LIMITS },
    AccountUsage: { TotalCodeSize: totalCodeSize, FunctionCount: functions.length },
  };
}
