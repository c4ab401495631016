import type { Express, NextFunction, Request, Response } from 'express';
import { invalidParameter } from '../aws/errors.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * One API operation as served: its AWS name, method and path (OpenAPI form, `{Param}`), and a
 * thin handler. The table of operations is what the server mounts and what the OpenAPI test
 * compares with `openapi/`.
 */
export interface Operation {
  name: string;
  method: HttpMethod;
  path: string;
  handle(req: Request, res: Response): Promise<void>;
}

/** `/functions/{FunctionName}` → `/functions/:FunctionName` (express 5 syntax). */
export const expressPath = (path: string): string => path.replace(/\{([^}]+)\}/g, ':$1');

/**
 * A path may end in a constant query member, as AWS's request URIs do
 * (`…/provisioned-concurrency?List=ALL`): that operation answers only requests carrying it, and
 * is mounted before the operations on the same path without it.
 */
export function mount(app: Express, operations: readonly Operation[]): void {
  const literalFirst = [...operations].sort(
    (a, b) => Number(b.path.includes('?')) - Number(a.path.includes('?')),
  );
  for (const op of literalFirst) {
    const method = op.method.toLowerCase() as 'get' | 'post' | 'put' | 'delete';
    const [route = op.path, literal] = op.path.split('?');
    const [key, value] = literal?.split('=') ?? [];
    app[method](expressPath(route), (req: Request, res: Response, next: NextFunction) => {
      if (key !== undefined && req.query[key] !== value) return next();
      op.handle(req, res).catch(next);
    });
  }
}

/** A single-valued query parameter, as the SDKs send them. */
export function queryString(req: Request, name: string): string | undefined {
  // req.query parses the query string again at every access, and most requests have none.
  if (!req.originalUrl.includes('?')) return undefined;
  const value = req.query[name];
  return typeof value === 'string' ? value : undefined;
}

/** A path parameter; express has already percent-decoded it (ARNs arrive with %3A). */
export const pathParam = (req: Request, name: string): string => String(req.params[name] ?? '');

export function sendJson(res: Response, status: number, body: unknown): void {
  res.status(status).setHeader('content-type', 'application/json').send(JSON.stringify(body));
}

/** An integer query member (MaxItems); anything else is refused as AWS refuses it. */
export function queryInteger(req: Request, name: string): number | undefined {
  const value = queryString(req, name);
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw invalidParameter(`Invalid value for ${name}: ${value}`);
  return Number(value);
}
