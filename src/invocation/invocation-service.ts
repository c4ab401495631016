import { functionArn, type Namespace } from '../aws/arn.js';
import { conflict, LambdaError } from '../aws/errors.js';
import { Constraints } from '../aws/validation.js';
import { routedVersion } from '../control-plane/aliases.js';
import type { FunctionService } from '../control-plane/functions.js';
import type { FunctionRecord, VersionRecord } from '../store/records.js';
import type { ResponseSink } from '../workers/execution-environment.js';
import { logTail } from '../workers/invocation-log.js';
import type { FunctionRunner } from './function-runner.js';
import { checkEventPayload, checkPayload, decodeClientContext } from './payload.js';

export interface InvokeRequest {
  functionName: string;
  qualifier?: string;
  payload: Buffer;
  invocationType?: string;
  logType?: string;
  /** The X-Amz-Client-Context header: base64 of a JSON object. */
  clientContext?: string;
  /** The request id the frontend answers with; it is also the function's awsRequestId. */
  requestId: string;
}

export interface InvokeResponse {
  statusCode: 200 | 202 | 204;
  payload: Buffer;
  executedVersion?: string;
  functionError?: string;
  logResult?: string;
}

/** A request resolved to the version that runs it, and checked. */
interface Target {
  record: FunctionRecord;
  qualifier?: string;
  version: VersionRecord;
  clientContext?: string;
}

/** InvokeWithResponseStream takes only these (ResponseStreamingInvocationType). */
const STREAMING_INVOCATION_TYPES = ['RequestResponse', 'DryRun'];

/** Where Event invocations go: a queue that keeps them until they are done. */
export interface AsyncInvoker {
  accept(event: {
    ns: Namespace;
    functionName: string;
    qualifier?: string;
    payload: Buffer;
    requestId: string;
  }): Promise<void>;
}

/**
 * Invoke: resolves the qualifier to a version, checks the request as AWS does, and runs it
 * (RequestResponse), only checks it (DryRun), or queues it (Event).
 */
export class InvocationService {
  constructor(
    private readonly functions: FunctionService,
    private readonly runner: FunctionRunner,
    private readonly events: AsyncInvoker,
    private readonly faithfulPending: boolean,
  ) {}

  async invoke(ns: Namespace, request: InvokeRequest): Promise<InvokeResponse> {
    const target = await this.target(ns, request, ['Event', 'RequestResponse', 'DryRun']);
    const { record, qualifier, version } = target;
    if (request.invocationType === 'DryRun') {
      return { statusCode: 204, payload: Buffer.alloc(0), executedVersion: version.Version };
    }
    if (request.invocationType === 'Event') {
      checkEventPayload(request.payload);
      await this.events.accept({
        ns,
        functionName: record.name,
        qualifier,
        payload: request.payload,
        requestId: request.requestId,
      });
      return { statusCode: 202, payload: Buffer.alloc(0) };
    }
    return this.run(ns, request, target);
  }

  /**
   * InvokeWithResponseStream: checked and resolved as Invoke is; a streamed response goes to the
   * sink `sinkFor` opens (for the version that runs) as the function writes it. The result holds
   * what did not stream: a buffered function's response, or the function's error.
   */
  async invokeWithResponseStream(
    ns: Namespace,
    request: InvokeRequest,
    sinkFor: (executedVersion: string) => ResponseSink,
  ): Promise<InvokeResponse> {
    const target = await this.target(ns, request, STREAMING_INVOCATION_TYPES);
    const executedVersion = target.version.Version;
    if (request.invocationType === 'DryRun') {
      return { statusCode: 204, payload: Buffer.alloc(0), executedVersion };
    }
    return this.run(ns, request, target, sinkFor(executedVersion));
  }

  /** The request's checks, in AWS's order, and the version it runs. */
  private async target(
    ns: Namespace,
    request: InvokeRequest,
    invocationTypes: string[],
  ): Promise<Target> {
    new Constraints()
      .oneOf(request.invocationType, 'invocationType', invocationTypes)
      .oneOf(request.logType, 'logType', ['None', 'Tail'])
      .check();
    const found = await this.functions.find(ns, request.functionName, request.qualifier);
    const { record, qualifier } = found;
    this.refuseUnready(found.version.State, functionArn(ns, record.name));
    checkPayload(request.payload);
    const clientContext = decodeClientContext(request.clientContext);
    const version = routedVersion(record, found.version, qualifier);
    return { record, qualifier, version, clientContext };
  }

  private async run(
    ns: Namespace,
    request: InvokeRequest,
    { record, qualifier, version, clientContext }: Target,
    sink?: ResponseSink,
  ): Promise<InvokeResponse> {
    const result = await this.runner.run({
      ns,
      record,
      version,
      qualifier,
      requestId: request.requestId,
      payload: request.payload,
      clientContext,
      sink,
    });
    return {
      statusCode: 200,
      payload: result.payload,
      executedVersion: version.Version,
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
