import type { Namespace } from '../aws/arn.js';
import { LambdaError } from '../aws/errors.js';

/** Held for the length of one invocation; released exactly once, whatever happens. */
export interface ConcurrencyLease {
  release(): void;
}

export interface ConcurrencyDemand {
  ns: Namespace;
  functionName: string;
  /** The function's reserved concurrency, if it has one. */
  reserved?: number;
  /** The namespace's reserved concurrency in total, which the unreserved pool gives up. */
  reservedTotal: number;
}

/**
 * AWS's concurrency rules: a function with reserved concurrency runs at most that many at once;
 * the others share what the account limit leaves unreserved. A refused lease is a 429
 * TooManyRequestsException with AWS's Reason. The counts live here, behind this small
 * interface, because they are the state that moves to a shared store when frontends multiply.
 */
export class CounterService {
  /** In-flight invocations per function (`account/region/name`). */
  private readonly perFunction = new Map<string, number>();
  /** In-flight invocations of unreserved functions per namespace (`account/region`). */
  private readonly unreserved = new Map<string, number>();

  constructor(readonly accountLimit: number) {}

  acquire(demand: ConcurrencyDemand): ConcurrencyLease {
    const space = `${demand.ns.account}/${demand.ns.region}`;
    const fn = `${space}/${demand.functionName}`;
    const running = this.perFunction.get(fn) ?? 0;
    if (demand.reserved !== undefined) {
      if (running >= demand.reserved)
        throw throttled('ReservedFunctionConcurrentInvocationLimitExceeded');
    } else {
      const pool = Math.max(0, this.accountLimit - demand.reservedTotal);
      if ((this.unreserved.get(space) ?? 0) >= pool)
        throw throttled('ConcurrentInvocationLimitExceeded');
      increment(this.unreserved, space, 1);
    }
    increment(this.perFunction, fn, 1);
    const shared = demand.reserved === undefined;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        increment(this.perFunction, fn, -1);
        if (shared) increment(this.unreserved, space, -1);
      },
    };
  }

  /** In-flight invocations of one function, for tests and the admin view. */
  running(ns: Namespace, functionName: string): number {
    return this.perFunction.get(`${ns.account}/${ns.region}/${functionName}`) ?? 0;
  }
}

function increment(counts: Map<string, number>, key: string, by: number): void {
  const next = (counts.get(key) ?? 0) + by;
  if (next <= 0) counts.delete(key);
  else counts.set(key, next);
}

/** AWS answers throttles with "Rate Exceeded." and names which limit was hit in Reason. */
export function throttled(reason: string): LambdaError {
  return new LambdaError('TooManyRequestsException', 'Rate Exceeded.', { Reason: reason });
}
