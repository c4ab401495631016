import type { Response } from 'express';
import type { InvokeResponse } from '../invocation/invocation-service.js';
import type { ResponseSink } from '../workers/execution-environment.js';
import {
  EVENT_STREAM_CONTENT_TYPE,
  invokeComplete,
  payloadChunk,
  type InvokeComplete,
} from './event-stream.js';

/**
 * InvokeWithResponseStream's response: 200 and the event stream's headers once the function
 * starts answering, a PayloadChunk for each piece it writes (sent at once, never gathered), then
 * InvokeComplete. Errors before the function runs are ordinary API errors; the function's own
 * errors, and those of the platform while it runs, are InvokeComplete's ErrorCode/ErrorDetails.
 */
export class InvokeStreamWriter {
  private executedVersion: string | undefined;

  constructor(private readonly res: Response) {}

  /** The sink for the version that runs; it opens the response when the stream starts. */
  sink(executedVersion: string): ResponseSink {
    this.executedVersion = executedVersion;
    return {
      start: () => {
        this.open();
        this.res.flushHeaders();
      },
      write: (chunk) => this.send(payloadChunk(chunk)),
    };
  }

  /** What did not stream (a buffered function's response), then InvokeComplete. */
  complete(result: InvokeResponse): void {
    this.open();
    if (!result.functionError && result.payload.length > 0) {
      this.res.write(payloadChunk(result.payload));
    }
    const fields: InvokeComplete = result.functionError ? errorFields(result.payload) : {};
    if (result.logResult !== undefined) fields.LogResult = result.logResult;
    this.res.end(invokeComplete(fields));
  }

  private open(): void {
    if (this.res.headersSent) return;
    this.res.status(200);
    if (this.executedVersion) this.res.setHeader('X-Amz-Executed-Version', this.executedVersion);
    this.res.setHeader('content-type', EVENT_STREAM_CONTENT_TYPE);
  }

  /** Writes a frame; while the client's socket is full, the runtime waits (its body is paused). */
  private send(frame: Buffer): Promise<void> | void {
    const res = this.res;
    if (res.destroyed) return;
    if (res.write(frame)) return;
    return new Promise((resolve) => {
      res.once('drain', resolve);
      res.once('close', resolve);
    });
  }
}

/** The error JSON a function (or the platform) answered with, as InvokeComplete reports it. */
function errorFields(payload: Buffer): InvokeComplete {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload.toString('utf8'));
  } catch {
    return { ErrorCode: 'Unhandled', ErrorDetails: payload.toString('utf8') };
  }
  const { errorType, errorMessage } = (parsed ?? {}) as Record<string, unknown>;
  return {
    ErrorCode: typeof errorType === 'string' ? errorType : 'Unhandled',
    ErrorDetails: typeof errorMessage === 'string' ? errorMessage : JSON.stringify(parsed),
  };
}
