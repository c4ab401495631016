import type { NextFunction, Request, Response } from 'express';
import { LambdaError } from '../aws/errors.js';

/**
 * The one place that turns errors into responses, in AWS's form: the status, the error code in
 * `x-amzn-ErrorType` (the SDKs read it first) and the JSON body. Anything that is not a
 * LambdaError is a bug of ours and answers as AWS's ServiceException.
 */
export function errorWriter(log: (line: string) => void) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const error = err instanceof LambdaError ? err : internalError(err, log);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // A body refused half-way cannot be drained cheaply; the client must not reuse the socket.
    if (!req.complete) res.setHeader('connection', 'close');
    res
      .status(error.status)
      .setHeader('x-amzn-ErrorType', error.code)
      .setHeader('content-type', 'application/json')
      .send(JSON.stringify(error.body()));
  };
}

function internalError(err: unknown, log: (line: string) => void): LambdaError {
  log(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return new LambdaError('ServiceException', 'An internal error occurred. Try again later.');
}
