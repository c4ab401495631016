import type { Namespace } from '../aws/arn.js';
import type { FunctionService } from '../control-plane/functions.js';
import type { EventQueueStore } from '../store/event-queue-store.js';
import type { QueuedEvent } from '../store/records.js';
import type { FunctionRunner } from './function-runner.js';
import type { AsyncInvoker } from './invocation-service.js';

/**
 * The asynchronous invocation queue: an accepted event is stored before the 202 goes out, run by
 * the worker pool, and removed from the store only once it is finished.
 */
export class AsyncQueue implements AsyncInvoker {
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly store: EventQueueStore,
    private readonly functions: FunctionService,
    private readonly runner: FunctionRunner,
    private readonly log: (line: string) => void,
  ) {}

  async accept(input: {
    ns: Namespace;
    functionName: string;
    qualifier?: string;
    payload: Buffer;
    requestId: string;
  }): Promise<void> {
    const now = Date.now();
    const event: QueuedEvent = {
      id: input.requestId,
      account: input.ns.account,
      region: input.ns.region,
      functionName: input.functionName,
      ...(input.qualifier ? { qualifier: input.qualifier } : {}),
      payload: input.payload.toString('base64'),
      acceptedAt: now,
      attempts: 0,
      notBefore: now,
    };
    await this.store.putEvent(event);
    this.schedule(event);
  }

  /** Events accepted before a restart run after it. */
  async resume(): Promise<void> {
    for (const event of await this.store.pendingEvents()) this.schedule(event);
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private schedule(event: QueuedEvent): void {
    if (this.closed) return;
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        void this.attempt(event);
      },
      Math.max(0, event.notBefore - Date.now()),
    );
    this.timers.add(timer);
  }

  private async attempt(event: QueuedEvent): Promise<void> {
    const ns = { account: event.account, region: event.region };
    try {
      const { record, version, qualifier } = await this.functions.find(
        ns,
        event.functionName,
        event.qualifier,
      );
      const result = await this.runner.run({
        ns,
        record,
        version,
        qualifier,
        requestId: event.id,
        payload: Buffer.from(event.payload, 'base64'),
      });
      if (result.functionError)
        this.log(`event ${event.id} to ${event.functionName}: function error`);
    } catch (err) {
      this.log(`event ${event.id} to ${event.functionName}: dropped: ${(err as Error).message}`);
    }
    if (!this.closed) await this.store.removeEvent(event.id);
  }
}
