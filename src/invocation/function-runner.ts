import { functionArn, type Namespace } from '../aws/arn.js';
import { randomHex } from '../aws/formats.js';
import type { MetadataStore } from '../store/metadata-store.js';
import type { FunctionRecord, VersionRecord } from '../store/records.js';
import type { CounterService } from '../workers/counter-service.js';
import type { EnvironmentResult, ResponseSink } from '../workers/execution-environment.js';
import type { WorkerManager } from '../workers/worker-manager.js';

export interface RunRequest {
  ns: Namespace;
  record: FunctionRecord;
  version: VersionRecord;
  /** The qualifier the caller used, which shapes the invoked function ARN. */
  qualifier?: string;
  requestId: string;
  payload: Buffer;
  clientContext?: string;
  /** Where a streamed response goes as it arrives (InvokeWithResponseStream, streaming URLs). */
  sink?: ResponseSink;
}

/**
 * Runs one invocation of a resolved function version: takes a concurrency lease (or throws AWS's
 * throttle), runs it in an execution environment, and always gives the lease back. Synchronous
 * Invoke and the asynchronous queue both come through here.
 */
export class FunctionRunner {
  constructor(
    private readonly store: MetadataStore,
    private readonly counter: CounterService,
    private readonly workers: WorkerManager,
  ) {}

  async run(request: RunRequest): Promise<EnvironmentResult> {
    const { ns, record, version } = request;
    const reserved = record.reservedConcurrency;
    const reservedTotal =
      reserved === undefined ? await this.store.reservedConcurrencyTotal(ns) : 0;
    const lease = this.counter.acquire({ ns, functionName: record.name, reserved, reservedTotal });
    try {
      return await this.workers.invoke(
        { ns, functionName: record.name, version },
        {
          requestId: request.requestId,
          payload: request.payload.length > 0 ? request.payload : Buffer.from('{}'),
          invokedFunctionArn: functionArn(ns, record.name, request.qualifier),
          traceId: traceId(),
          clientContext: request.clientContext,
          sink: request.sink,
        },
      );
    } finally {
      lease.release();
    }
  }
}

/** X-Ray's trace header format: Root=1-<epoch seconds hex>-<96 bits hex>;Parent=<64 bits>;Sampled=0. */
function traceId(): string {
  const seconds = Math.floor(Date.now() / 1000).toString(16);
  const random = randomHex(20);
  return `Root=1-${seconds}-${random.slice(0, 24)};Parent=${random.slice(24)};Sampled=0`;
}
