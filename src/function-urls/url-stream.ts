import type { Response } from 'express';
import type { InvokeResponse } from '../invocation/invocation-service.js';
import type { ResponseSink } from '../workers/execution-environment.js';
import { internalServerError, isObject, responseHead, type UrlAnswer } from './url-response.js';

/**
 * `awslambda.HttpResponseStream`'s content type: a JSON prelude (statusCode, headers, cookies),
 * 8 NUL bytes, then the body.
 */
export const HTTP_INTEGRATION_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response';
const DELIMITER = Buffer.alloc(8);

/** Adds what the URL's config adds to every response (CORS headers). */
export type Decorate = (head: UrlAnswer) => UrlAnswer;

/**
 * A RESPONSE_STREAM function URL's answer: the HTTP response opens with the first byte the
 * function writes (status and headers from its prelude, or 200 and its stream's content type),
 * and each piece goes to the client as it arrives. A function that fails before writing anything
 * gets the buffered URL's 502; one that fails after has its response cut off, as a truncated
 * chunked body.
 */
export class UrlStreamWriter {
  private contentType: string | undefined;
  /** Bytes of an http-integration response before its delimiter has arrived. */
  private prelude: Buffer | undefined;
  private failed = false;

  constructor(
    private readonly res: Response,
    private readonly decorate: Decorate,
  ) {}

  sink(): ResponseSink {
    return {
      start: (contentType) => {
        this.contentType = contentType;
        if (contentType === HTTP_INTEGRATION_CONTENT_TYPE) this.prelude = Buffer.alloc(0);
      },
      write: (chunk) => this.write(chunk),
    };
  }

  /**
   * After the invocation: null when the response was written here, else the answer to write (a
   * buffered function's payload, as the bytes it returned; an error before any byte).
   */
  finish(result: InvokeResponse): UrlAnswer | null {
    const res = this.res;
    if (result.functionError || this.failed) {
      if (!res.headersSent) return internalServerError();
      res.destroy();
      return null;
    }
    if (this.contentType === undefined) return rawAnswer(result.payload);
    if (this.prelude !== undefined && !res.headersSent) return internalServerError();
    if (!res.headersSent) this.open({ status: 200, headers: this.streamHeaders(), body: EMPTY });
    res.end();
    return null;
  }

  private write(chunk: Buffer): Promise<void> | void {
    if (this.failed) return;
    if (this.prelude === undefined) {
      if (!this.res.headersSent) {
        this.open({ status: 200, headers: this.streamHeaders(), body: EMPTY });
      }
      return this.send(chunk);
    }
    const buffered = Buffer.concat([this.prelude, chunk]);
    const end = buffered.indexOf(DELIMITER);
    if (end === -1) {
      this.prelude = buffered;
      return;
    }
    this.prelude = undefined;
    const head = preludeHead(buffered.subarray(0, end));
    if (!head) {
      this.failed = true;
      return;
    }
    this.open(head);
    const body = buffered.subarray(end + DELIMITER.length);
    return body.length > 0 ? this.send(body) : undefined;
  }

  private streamHeaders(): [string, string][] {
    return [['content-type', this.contentType ?? 'application/octet-stream']];
  }

  private open(head: UrlAnswer): void {
    const answer = this.decorate(head);
    this.res.status(answer.status);
    for (const [name, value] of answer.headers) this.res.appendHeader(name, value);
    this.res.flushHeaders();
  }

  private send(bytes: Buffer): Promise<void> | void {
    const res = this.res;
    if (res.destroyed) return;
    if (res.write(bytes)) return;
    return new Promise((resolve) => {
      res.once('drain', resolve);
      res.once('close', resolve);
    });
  }
}

const EMPTY = Buffer.alloc(0);

/** The prelude's status, headers and cookies; a body's default type is application/octet-stream. */
function preludeHead(json: Buffer): UrlAnswer | null {
  let prelude: unknown;
  try {
    prelude = JSON.parse(json.toString('utf8'));
  } catch {
    return null;
  }
  if (!isObject(prelude)) return null;
  const head = responseHead(prelude, 'application/octet-stream');
  return head && { ...head, body: EMPTY };
}

/** A function that did not stream: its response is the body, as it returned it. */
function rawAnswer(payload: Buffer): UrlAnswer {
  return { status: 200, headers: [['content-type', 'application/json']], body: payload };
}
