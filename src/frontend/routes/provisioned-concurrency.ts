import { invalidParameter } from '../../aws/errors.js';
import { parseShape } from '../../aws/validation.js';
import {
  PutProvisionedConcurrencyConfigBody,
  type ProvisionedConcurrencyService,
} from '../../control-plane/provisioned-concurrency.js';
import { DEFAULT_BODY_LIMIT, parseJsonBody, readBody } from '../body.js';
import { pathParam, queryString, sendJson, type Operation } from '../operation.js';
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
        const maxItems = queryString(req, 'MaxItems');
        const page = await provisioned.list(namespaceOf(res), pathParam(req, 'FunctionName'), {
          Marker: queryString(req, 'Marker'),
          MaxItems: maxItems === undefined ? undefined : queryInteger(maxItems, 'MaxItems'),
        });
        sendJson(res, 200, page);
      },
    },
    {
      name: 'PutProvisionedConcurrencyConfig',
      method: 'PUT',
      path: PATH,
      async handle(req, res) {
        const raw = parseJsonBody(
          await readBody(req, DEFAULT_BODY_LIMIT, 'PutProvisionedConcurrencyConfig'),
        );
        const body = parseShape(PutProvisionedConcurrencyConfigBody, raw);
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

/** A query integer that does not parse is refused before the model's range is checked. */
function queryInteger(value: string, name: string): number {
  if (!/^-?\d+$/.test(value)) throw invalidParameter(`Invalid value for ${name}: ${value}`);
  return Number(value);
}
