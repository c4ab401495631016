import {
  PutProvisionedConcurrencyConfigBody,
  type ProvisionedConcurrencyService,
} from '../../control-plane/provisioned-concurrency.js';
import { readShape } from '../body.js';
import { pathParam, queryInteger, queryString, sendJson, type Operation } from '../operation.js';
import { namespaceOf } from '../request-context.js';

const PATH = '/2019-09-30/functions/{FunctionName}/provisioned-concurrency';

/**
 * Provisioned concurrency: Put/Get/DeleteProvisionedConcurrencyConfig and
 * ListProvisionedConcurrencyConfigs, which AWS serves on the same path with `?List=ALL`.
 */
export function provisionedConcurrencyOperations(
  provisioned: ProvisionedConcurrencyService,
): Operation[] {
  return [
    {
      name: 'ListProvisionedConcurrencyConfigs',
      method: 'GET',
      path: `${PATH}?List=ALL`,
      async handle(req, res) {
        const page = await provisioned.list(namespaceOf(res), pathParam(req, 'FunctionName'), {
          Marker: queryString(req, 'Marker'),
          MaxItems: queryInteger(req, 'MaxItems'),
        });
        sendJson(res, 200, page);
      },
    },
    {
      name: 'PutProvisionedConcurrencyConfig',
      method: 'PUT',
      path: PATH,
      async handle(req, res) {
        const body = await readShape(
          req,
          PutProvisionedConcurrencyConfigBody,
          'PutProvisionedConcurrencyConfig',
        );
        const config = await provisioned.put(
          namespaceOf(res),
          pathParam(req, 'FunctionName'),
          queryString(req, 'Qualifier'),
          body.ProvisionedConcurrentExecutions,
        );
        sendJson(res, 202, config);
      },
    },
    {
      name: 'GetProvisionedConcurrencyConfig',
      method: 'GET',
      path: PATH,
      async handle(req, res) {
        const config = await provisioned.get(
          namespaceOf(res),
          pathParam(req, 'FunctionName'),
          queryString(req, 'Qualifier'),
        );
        sendJson(res, 200, config);
      },
    },
    {
      name: 'DeleteProvisionedConcurrencyConfig',
      method: 'DELETE',
      path: PATH,
      async handle(req, res) {
        await provisioned.delete(
          namespaceOf(res),
          pathParam(req, 'FunctionName'),
          queryString(req, 'Qualifier'),
        );
        res.status(204).end();
      },
    },
  ];
}
