import type { NextFunction, Request, Response } from 'express';
import { DEFAULT_ACCOUNT, type Namespace } from '../aws/arn.js';
import { newRequestId } from '../aws/formats.js';

/** `Credential=<access key>/<date>/<region>/<service>/aws4_request`, in a header or a presigned URL. */
const CREDENTIAL = /Credential=([^/,\s]+)\/\d{8}\/([^/,\s]+)\/[^/,\s]+\/aws4_request/;
/** A 12-digit access key id names the account (our convention; real keys never look like that). */
const ACCOUNT_KEY = /^\d{12}$/;

/**
 * Every request gets a request id and a namespace (account + region) read from its SigV4
 * credential scope. Unsigned requests fall in the default account and region.
 */
export function requestContext(defaultRegion: string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const requestId = newRequestId();
    res.locals.requestId = requestId;
    res.setHeader('x-amzn-RequestId', requestId);
    res.locals.ns = namespaceFrom(req, defaultRegion);
    next();
  };
}

function namespaceFrom(req: Request, defaultRegion: string): Namespace {
  const auth = req.headers.authorization ?? '';
  // req.query parses the query string again at every access, and most requests have none.
  const credential = req.originalUrl.includes('?') ? req.query['X-Amz-Credential'] : undefined;
  const presigned = typeof credential === 'string' ? `Credential=${credential}` : '';
  const scope = CREDENTIAL.exec(auth) ?? CREDENTIAL.exec(presigned);
  if (!scope) return { account: DEFAULT_ACCOUNT, region: defaultRegion };
  const [, accessKey, region] = scope as unknown as [string, string, string];
  return { account: ACCOUNT_KEY.test(accessKey) ? accessKey : DEFAULT_ACCOUNT, region };
}

export const namespaceOf = (res: Response): Namespace => res.locals.ns as Namespace;
export const requestIdOf = (res: Response): string => res.locals.requestId as string;
