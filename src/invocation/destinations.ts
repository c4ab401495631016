import { createHash } from 'node:crypto';
import { functionArn } from '../aws/arn.js';
import { LATEST } from '../control-plane/versions.js';
import { parseFunctionArn } from '../control-plane/event-invoke-configs.js';
import type { EventOutcome, QueuedEvent } from '../store/records.js';
import type { AcceptRequest } from './async-queue.js';

export type DestinationKind = 'OnSuccess' | 'OnFailure';

/**
 * AWS's invocation record, the event a destination receives:
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
 */
export interface InvocationRecord {
  version: '1.0';
  timestamp: string;
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: EventOutcome['condition'];
    approximateInvokeCount: number;
  };
  requestPayload: unknown;
  responseContext?: { statusCode: 200; executedVersion: string; functionError?: string };
  responsePayload?: unknown;
}

export function invocationRecord(event: QueuedEvent, outcome: EventOutcome): InvocationRecord {
  const ns = { account: event.account, region: event.region };
  const record: InvocationRecord = {
    version: '1.0',
    timestamp: new Date(outcome.at).toISOString(),
    requestContext: {
      requestId: event.id,
      functionArn: functionArn(ns, event.functionName, event.qualifier ?? LATEST),
      condition: outcome.condition,
      approximateInvokeCount: event.attempts,
    },
    requestPayload: json(Buffer.from(event.payload, 'base64'), {}),
  };
  if (outcome.executedVersion !== undefined) {
    record.responseContext = {
      statusCode: 200,
      executedVersion: outcome.executedVersion,
      ...(outcome.functionError ? { functionError: outcome.functionError } : {}),
    };
    record.responsePayload = json(Buffer.from(outcome.response ?? '', 'base64'), null);
  }
  return record;
}

/**
 * The request id of the invocation a destination function receives: derived from the event's,
 * so that delivering the same record again (after a restart) finds it already queued.
 */
export function destinationRequestId(eventId: string, kind: DestinationKind): string {
  const h = createHash('sha256').update(`${eventId}/${kind}`).digest('hex');
  const variant = ((parseInt(h.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Delivers invocation records. A Lambda function destination is invoked asynchronously through
 * the same queue (stored now, started by the caller once the source event is gone). SQS, SNS,
 * EventBridge and S3 do not exist here: such a record is logged as not delivered, never dropped
 * silently.
 */
export class DestinationDispatcher {
  constructor(
    private readonly enqueue: (request: AcceptRequest) => Promise<QueuedEvent>,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * Returns the queued destination event, not yet started, if one was queued. `queued` holds the
   * ids already in the queue (after a restart), so a record is never queued twice.
   */
  async deliver(
    event: QueuedEvent,
    outcome: EventOutcome,
    kind: DestinationKind,
    arn: string,
    queued?: ReadonlySet<string>,
  ): Promise<QueuedEvent | undefined> {
    const service = arn.split(':')[2] ?? '';
    if (service !== 'lambda') {
      this.log(
        `event ${event.id}: ${kind} destination ${arn} not delivered: no such service here (${service})`,
      );
      return undefined;
    }
    const target = parseFunctionArn(arn);
    if (!target) {
      this.log(`event ${event.id}: ${kind} destination ${arn} not delivered: not a function ARN`);
      return undefined;
    }
    const requestId = destinationRequestId(event.id, kind);
    if (queued?.has(requestId)) return undefined;
    const record = invocationRecord(event, outcome);
    const queuedEvent = await this.enqueue({
      ns: target.ns,
      functionName: target.name,
      ...(target.qualifier ? { qualifier: target.qualifier } : {}),
      payload: Buffer.from(JSON.stringify(record)),
      requestId,
    });
    this.log(`event ${event.id}: ${kind} record sent to ${arn} as event ${requestId}`);
    return queuedEvent;
  }

  /** A function's DeadLetterConfig target: SQS and SNS only, neither of which exists here. */
  deadLetter(event: QueuedEvent, arn: string): void {
    const service = arn.split(':')[2] ?? '';
    this.log(
      `event ${event.id}: dead-letter queue ${arn} not delivered: no such service here (${service})`,
    );
  }
}

/** Lambda passes JSON; a response that is not JSON is kept as its text. */
function json(bytes: Buffer, empty: unknown): unknown {
  if (bytes.length === 0) return empty;
  const text = bytes.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
