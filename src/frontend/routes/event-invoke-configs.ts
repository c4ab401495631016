import type { Request } from 'express';
import {
  EventInvokeConfigBody,
  type EventInvokeConfigService,
} from '../../control-plane/event-invoke-configs.js';
import { readShape } from '../body.js';
import { pathParam, queryInteger, queryString, sendJson, type Operation } from '../operation.js';
import { namespaceOf } from '../request-context.js';

const PATH = '/2019-09-25/functions/{FunctionName}/event-invoke-config';

/** Asynchronous invocation settings: Put/Update/Get/Delete/ListFunctionEventInvokeConfig(s). */
export function eventInvokeConfigOperations(configs: EventInvokeConfigService): Operation[] {
  const body = (req: Request, operation: string) =>
    readShape(req, EventInvokeConfigBody, operation);
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
        const page = await configs.list(namespaceOf(res), pathParam(req, 'FunctionName'), {
          Marker: queryString(req, 'Marker'),
          MaxItems: queryInteger(req, 'MaxItems'),
        });
        sendJson(res, 200, page);
      },
    },
  ];
}
