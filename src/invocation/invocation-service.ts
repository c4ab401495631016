import { randomBytes } from 'node:crypto';
import { functionArn, type Namespace } from '../aws/arn.js';
import { conflict, LambdaError } from '../aws/errors.js';
import { newRequestId } from '../aws/formats.js';
import { Constraints } from '../aws/validation.js';
import type { FunctionService } from '../control-plane/functions.js';
import { logTail } from '../workers/invocation-log.js';
import type { WorkerManager } from '../workers/worker-manager.js';
import { checkPayload, decodeClientContext } from './payload.js';

export interface InvokeRequest {
  functionName: string;
  qualifier?: string;
  payload: Buffer;
  invocationType?: string;
  logType?: string;
  /** The X-Amz-Client-Context header: base64 of a JSON object. */
  clientContext?: string;
}

export interface InvokeResponse {
  statusCode: 200 | 202 | 204;
  payload: Buffer;
  executedVersion: string;
  functionError?: string;
  logResult?: string;
}

/**
 * Invoke: resolves the qualifier to a version, checks the request as AWS does, and runs it
 * (RequestResponse), only checks it (DryRun), or hands it off (Event).
 */
export class InvocationService {
  constructor(
    private readonly functions: FunctionService,
    private readonly workers: WorkerManager,
    private readonly faithfulPending: boolean,
    private readonly log: (line: string) => void,
  ) {}

  async invoke(ns: Namespace, request: InvokeRequest): Promise<InvokeResponse> {
    new Constraints()
      .oneOf(request.invocationType, 'invocationType', ['Event', 'RequestResponse', 'DryRun'])
      .oneOf(request.logType, 'logType', ['None', 'Tail'])
      .check();
    const { record, version, qualifier } = await this.functions.find(
      ns,
      request.functionName,
      request.qualifier,
    );
    this.refuseUnready(version.State, functionArn(ns, record.name));
    checkPayload(request.payload);
    const clientContext = decodeClientContext(request.clientContext);
    const executedVersion = version.Version;
    if (request.invocationType === 'DryRun')
      return { statusCode: 204, payload: Buffer.alloc(0), executedVersion };

    const target = { ns, functionName: record.name, version };
    const invocation = {
      requestId: newRequestId(),
      payload: request.payload.length > 0 ? request.payload : Buffer.from('{}'),
      invokedFunctionArn: functionArn(ns, record.name, qualifier),
      traceId: traceId(),
      clientContext,
    };
    if (request.invocationType === 'Event') {
      this.workers
        .invoke(target, invocation)
        .catch((err: Error) => this.log(`event ${invocation.requestId}: ${err.message}`));
      return { statusCode: 202, payload: Buffer.alloc(0), executedVersion };
    }
    const result = await this.workers.invoke(target, invocation);
    return {
      statusCode: 200,
      payload: result.payload,
      executedVersion,
      ...(result.functionError ? { functionError: result.functionError } : {}),
      ...(request.logType === 'Tail' ? { logResult: logTail(result.log) } : {}),
    };
  }

  /**
   * AWS refuses to invoke a function that is not Active. Our Pending lasts only while the code is
   * unpacked, which the worker manager awaits anyway, so it refuses only when AWS-like delays are on.
   */
  private refuseUnready(state: string, arn: string): void {
    if (state === 'Active' || (state === 'Pending' && !this.faithfulPending)) return;
    if (state === 'Failed') {
      throw new LambdaError(
        'ResourceConflictException',
        `Lambda is unable to invoke the function because it is in the Failed state: ${arn}`,
      );
    }
    throw conflict(
      `The operation cannot be performed at this time. The function is currently in the following state: ${state}`,
    );
  }
}

/** X-Ray's trace header format: Root=1-<epoch seconds hex>-<96 bits hex>;Parent=<64 bits>;Sampled=0. */
function traceId(): string {
  const seconds = Math.floor(Date.now() / 1000).toString(16);
  return `Root=1-${seconds}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=0`;
}
