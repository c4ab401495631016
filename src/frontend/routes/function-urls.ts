import type { Request } from 'express';
import { FunctionUrlConfigBody } from '../../aws/function-url-rules.js';
import type { FunctionUrlService } from '../../control-plane/function-urls.js';
import { readShape } from '../body.js';
import { pathParam, queryInteger, queryString, sendJson, type Operation } from '../operation.js';
import { namespaceOf } from '../request-context.js';

const PATH = '/2021-10-31/functions/{FunctionName}/url';

/** Function URL configurations: Create/Get/Update/Delete/ListFunctionUrlConfig(s). */
export function functionUrlOperations(urls: FunctionUrlService): Operation[] {
  const body = (req: Request, operation: string) =>
    readShape(req, FunctionUrlConfigBody, operation);
  return [
    {
      name: 'CreateFunctionUrlConfig',
      method: 'POST',
      path: PATH,
      async handle(req, res) {
        const input = await body(req, 'CreateFunctionUrlConfig');
        const name = pathParam(req, 'FunctionName');
        const qualifier = queryString(req, 'Qualifier');
        sendJson(res, 201, await urls.create(namespaceOf(res), name, qualifier, input));
      },
    },
    {
      name: 'GetFunctionUrlConfig',
      method: 'GET',
      path: PATH,
      async handle(req, res) {
        const name = pathParam(req, 'FunctionName');
        const qualifier = queryString(req, 'Qualifier');
        sendJson(res, 200, await urls.get(namespaceOf(res), name, qualifier));
      },
    },
    {
      name: 'UpdateFunctionUrlConfig',
      method: 'PUT',
      path: PATH,
      async handle(req, res) {
        const input = await body(req, 'UpdateFunctionUrlConfig');
        const name = pathParam(req, 'FunctionName');
        const qualifier = queryString(req, 'Qualifier');
        sendJson(res, 200, await urls.update(namespaceOf(res), name, qualifier, input));
      },
    },
    {
      name: 'DeleteFunctionUrlConfig',
      method: 'DELETE',
      path: PATH,
      async handle(req, res) {
        const name = pathParam(req, 'FunctionName');
        await urls.delete(namespaceOf(res), name, queryString(req, 'Qualifier'));
        res.status(204).end();
      },
    },
    {
      name: 'ListFunctionUrlConfigs',
      method: 'GET',
      path: `${PATH}s`,
      async handle(req, res) {
        const page = await urls.list(namespaceOf(res), pathParam(req, 'FunctionName'), {
          Marker: queryString(req, 'Marker'),
          MaxItems: queryInteger(req, 'MaxItems'),
        });
        sendJson(res, 200, page);
      },
    },
  ];
}
