import type { Request } from 'express';
import { invalidParameter } from '../../aws/errors.js';
import { parseShape } from '../../aws/validation.js';
import {
  EventInvokeConfigBody,
  type EventInvokeConfigService,
} from '../../control-plane/event-invoke-configs.js';
import { DEFAULT_BODY_LIMIT, parseJsonBody, readBody } from '../body.js';
import { pathParam, queryString, sendJson, type Operation } from '../operation.js';
import { namespaceOf } from '../request-context.js';

const PATH = '/2019-09-25/functions/{FunctionName}/event-invoke-config';

/** Asynchronous invocation settings: Put/Update/Get/Delete/ListFunctionEventInvokeConfig(s). */
export function eventInvokeConfigOperations(configs: EventInvokeConfigService): Operation[] {
  const body = async (req: Request, operation: string) =>
    parseShape(
      EventInvokeConfigBody,
      parseJsonBody(await readBody(req, DEFAULT_BODY_LIMIT, operation)),
    );
  return [
    {
      name: 'PutFunctionEventInvokeConfig',
      method: 'PUT',
      path: PATH,
      async handle(req, res) {
        const input = await body(req, 'PutFunctionEventInvokeConfig');
        const name = pathParam(req, 'FunctionName');
        const qualifier = queryString(req, 'Qualifier');
        sendJson(res, 200, await configs.put(namespaceOf(res), name, qualifier, input));
      },
    },
    {
      name: 'UpdateFunctionEventInvokeConfig',
      method: 'POST',
      path: PATH,
      async handle(req, res) {
        const input = await body(req, 'UpdateFunctionEventInvokeConfig');
        const name = pathParam(req, 'FunctionName');
        const qualifier = queryString(req, 'Qualifier');
        sendJson(res, 200, await configs.update(namespaceOf(res), name, qualifier, input));
      },
    },
    {
      name: 'GetFunctionEventInvokeConfig',
      method: 'GET',
      path: PATH,
      async handle(req, res) {
        const name = pathParam(req, 'FunctionName');
        const qualifier = queryString(req, 'Qualifier');
        sendJson(res, 200, await configs.get(namespaceOf(res), name, qualifier));
      },
    },
    {
      name: 'DeleteFunctionEventInvokeConfig',
      method: 'DELETE',
      path: PATH,
      async handle(req, res) {
        const name = pathParam(req, 'FunctionName');
        await configs.delete(namespaceOf(res), name, queryString(req, 'Qualifier'));
        res.status(204).end();
      },
    },
    {
      name: 'ListFunctionEventInvokeConfigs',
      method: 'GET',
      path: `${PATH}/list`,
      async handle(req, res) {
        const maxItems = queryString(req, 'MaxItems');
        const page = await configs.list(namespaceOf(res), pathParam(req, 'FunctionName'), {
          Marker: queryString(req, 'Marker'),
          MaxItems: maxItems === undefined ? undefined : queryInteger(maxItems, 'MaxItems'),
        });
        sendJson(res, 200, page);
      },
    },
  ];
}

function queryInteger(value: string, name: string): number {
  if (!/^-?\d+$/.test(value)) throw invalidParameter(`Invalid value for ${name}: ${value}`);
  return Number(value);
}
