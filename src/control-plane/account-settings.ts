import type { Namespace } from '../aws/arn.js';
import type { MetadataStore } from '../store/metadata-store.js';

/** AWS's default code-size quotas, as GetAccountSettings reports them. */
export const ACCOUNT_LIMITS = {
  TotalCodeSize: 80_530_636_800,
  CodeSizeUnzipped: 262_144_000,
  CodeSizeZipped: 52_428_800,
} as const;

/**
 * GetAccountSettings: the limits (concurrency as configured, less what functions reserve), and
 * the usage summed over the namespace's functions, versions and layer versions.
 */
export async function getAccountSettings(
  store: MetadataStore,
  ns: Namespace,
  concurrencyLimit: number,
) {
  const functions = await store.listFunctions(ns);
  const reserved = await store.reservedConcurrencyTotal(ns);
  let totalCodeSize = 0;
  for (const record of functions) {
    for (const version of [record.latest, ...Object.values(record.versions)])
      totalCodeSize += version.CodeSize;
  }
  // AWS counts layer archives too (AccountUsage.TotalCodeSize: "deployment packages and layer archives").
  for (const layer of await store.listLayers(ns)) {
    for (const version of Object.values(layer.versions))
      if (!version.deleted) totalCodeSize += version.CodeSize;
  }
  return {
    AccountLimit: {
      ...ACCOUNT_LIMITS,
      ConcurrentExecutions: concurrencyLimit,
      UnreservedConcurrentExecutions: concurrencyLimit - reserved,
    },
    AccountUsage: { TotalCodeSize: totalCodeSize, FunctionCount: functions.length },
  };
}
