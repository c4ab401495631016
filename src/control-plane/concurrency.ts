import { functionArn, type Namespace } from '../aws/arn.js';
import { invalidParameter, notFound } from '../aws/errors.js';
import { Constraints } from '../aws/validation.js';
import type { MetadataStore } from '../store/metadata-store.js';
import { parseFunctionName } from '../aws/names.js';
import type { FunctionService } from './functions.js';

/** AWS keeps at least this much of the account's concurrency unreserved. */
export const MIN_UNRESERVED = 100;

/** Put/Get/DeleteFunctionConcurrency: reserved concurrency on the function (not on a version). */
export class ConcurrencyService {
  constructor(
    private readonly store: MetadataStore,
    private readonly functions: FunctionService,
    private readonly accountLimit: number,
  ) {}

  async put(
    ns: Namespace,
    rawName: string,
    reserved: number | undefined,
  ): Promise<{ ReservedConcurrentExecutions: number }> {
    new Constraints()
      .required(reserved, 'reservedConcurrentExecutions')
      .range(reserved, 'reservedConcurrentExecutions', 0)
      .check();
    const name = this.unqualified(ns, rawName);
    const value = reserved as number;
    await this.checkRoom(ns, name, value);
    await this.store.mutateFunction(ns, name, (current) => {
      if (!current) throw notFound(`Function not found: ${functionArn(ns, name)}`);
      return { ...current, reservedConcurrency: value };
    });
    return { ReservedConcurrentExecutions: value };
  }

  /** Checked before the write: the rest of the account must keep MIN_UNRESERVED. */
  private async checkRoom(ns: Namespace, name: string, reserved: number): Promise<void> {
    const record = (await this.functions.find(ns, name)).record;
    const others =
      (await this.store.reservedConcurrencyTotal(ns)) - (record.reservedConcurrency ?? 0);
    if (this.accountLimit - others - reserved < MIN_UNRESERVED) {
      throw invalidParameter(
        `Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${MIN_UNRESERVED}].`,
      );
    }
  }

  async get(ns: Namespace, rawName: string): Promise<{ ReservedConcurrentExecutions?: number }> {
    const { record } = await this.functions.find(ns, this.unqualified(ns, rawName));
    return record.reservedConcurrency === undefined
      ? {}
      : { ReservedConcurrentExecutions: record.reservedConcurrency };
  }

  async delete(ns: Namespace, rawName: string): Promise<void> {
    const name = this.unqualified(ns, rawName);
    await this.store.mutateFunction(ns, name, (current) => {
      if (!current) throw notFound(`Function not found: ${functionArn(ns, name)}`);
      const { reservedConcurrency: _dropped, ...rest } = current;
      return rest;
    });
  }

  /** Reserved concurrency applies to the whole function; AWS refuses a qualified name. */
  private unqualified(ns: Namespace, rawName: string): string {
    const ref = parseFunctionName(rawName, ns);
    if (ref.qualifier !== undefined) {
      throw invalidParameter('This operation does not support a qualified function name.');
    }
    return ref.name;
  }
}
