import { PutFunctionConcurrencyBody } from '../../aws/function-rules.js';
import type { ConcurrencyService } from '../../control-plane/concurrency.js';
import { readShape } from '../body.js';
import { pathParam, sendJson, type Operation } from '../operation.js';
import { namespaceOf } from '../request-context.js';

/** Reserved concurrency: PutFunctionConcurrency, GetFunctionConcurrency, DeleteFunctionConcurrency. */
export function concurrencyOperations(concurrency: ConcurrencyService): Operation[] {
  return [
    {
      name: 'PutFunctionConcurrency',
      method: 'PUT',
      path: '/2017-10-31/functions/{FunctionName}/concurrency',
      async handle(req, res) {
        const body = await readShape(req, PutFunctionConcurrencyBody, 'PutFunctionConcurrency');
        const name = pathParam(req, 'FunctionName');
        sendJson(
          res,
          200,
          await concurrency.put(namespaceOf(res), name, body.ReservedConcurrentExecutions),
        );
      },
    },
    {
      name: 'GetFunctionConcurrency',
      method: 'GET',
      path: '/2019-09-30/functions/{FunctionName}/concurrency',
      async handle(req, res) {
        sendJson(res, 200, await concurrency.get(namespaceOf(res), pathParam(req, 'FunctionName')));
      },
    },
    {
      name: 'DeleteFunctionConcurrency',
      method: 'DELETE',
      path: '/2017-10-31/functions/{FunctionName}/concurrency',
      async handle(req, res) {
        await concurrency.delete(namespaceOf(res), pathParam(req, 'FunctionName'));
        res.status(204).end();
      },
    },
  ];
}
