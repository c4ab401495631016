import type { Express, NextFunction, Request, Response } from 'express';

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

export function mount(app: Express, operations: readonly Operation[]): void {
  for (const op of operations) {
    const method = op.method.toLowerCase() as 'get' | 'post' | 'put' | 'delete';
    app[method](expressPath(op.path), (req: Request, res: Response, next: NextFunction) => {
      op.handle(req, res).catch(next);
    });
  }
}

/** A single-valued query parameter, as the SDKs send them. */
export function queryString(req: Request, name: string): string | undefined {
  const value = req.query[name];
  return typeof value === 'string' ? value : undefined;
}

/** A path parameter; express has already percent-decoded it (ARNs arrive with %3A). */
export const pathParam = (req: Request, name: string): string => String(req.params[name] ?? '');

export function sendJson(res: Response, status: number, body: unknown): void {
  res.status(status).setHeader('content-type', 'application/json').send(JSON.stringify(body));
}
