import type { Request } from 'express';
import {
  CreateCodeSigningConfigBody,
  PutFunctionCodeSigningConfigBody,
  UpdateCodeSigningConfigBody,
} from '../../aws/code-signing.js';
import { invalidParameter } from '../../aws/errors.js';
import type { CodeSigningService } from '../../control-plane/code-signing.js';
import { readShape } from '../body.js';
import { pathParam, queryString, sendJson, type Operation } from '../operation.js';
import { namespaceOf } from '../request-context.js';

const CONFIGS = '/2020-04-22/code-signing-configs';
const CONFIG = `${CONFIGS}/{CodeSigningConfigArn}`;
const FUNCTION = '/2020-06-30/functions/{FunctionName}/code-signing-config';

/** Code signing configs and the functions' references to them. */
export function codeSigningOperations(signing: CodeSigningService): Operation[] {
  const arnOf = (req: Request) => pathParam(req, 'CodeSigningConfigArn');
  return [
    {
      name: 'CreateCodeSigningConfig',
      method: 'POST',
      path: CONFIGS,
      async handle(req, res) {
        const input = await readShape(req, CreateCodeSigningConfigBody, 'CreateCodeSigningConfig');
        sendJson(res, 201, { CodeSigningConfig: await signing.create(namespaceOf(res), input) });
      },
    },
    {
      name: 'ListCodeSigningConfigs',
      method: 'GET',
      path: CONFIGS,
      async handle(req, res) {
        sendJson(res, 200, await signing.list(namespaceOf(res), page(req)));
      },
    },
    {
      name: 'GetCodeSigningConfig',
      method: 'GET',
      path: CONFIG,
      async handle(req, res) {
        sendJson(res, 200, { CodeSigningConfig: await signing.get(namespaceOf(res), arnOf(req)) });
      },
    },
    {
      name: 'UpdateCodeSigningConfig',
      method: 'PUT',
      path: CONFIG,
      async handle(req, res) {
        const input = await readShape(req, UpdateCodeSigningConfigBody, 'UpdateCodeSigningConfig');
        const updated = await signing.update(namespaceOf(res), arnOf(req), input);
        sendJson(res, 200, { CodeSigningConfig: updated });
      },
    },
    {
      name: 'DeleteCodeSigningConfig',
      method: 'DELETE',
      path: CONFIG,
      async handle(req, res) {
        await signing.delete(namespaceOf(res), arnOf(req));
        res.status(204).end();
      },
    },
    {
      name: 'ListFunctionsByCodeSigningConfig',
      method: 'GET',
      path: `${CONFIG}/functions`,
      async handle(req, res) {
        sendJson(res, 200, await signing.listFunctions(namespaceOf(res), arnOf(req), page(req)));
      },
    },
    {
      name: 'PutFunctionCodeSigningConfig',
      method: 'PUT',
      path: FUNCTION,
      async handle(req, res) {
        const input = await readShape(
          req,
          PutFunctionCodeSigningConfigBody,
          'PutFunctionCodeSigningConfig',
        );
        const name = pathParam(req, 'FunctionName');
        const ns = namespaceOf(res);
        sendJson(res, 200, await signing.putFunction(ns, name, input.CodeSigningConfigArn));
      },
    },
    {
      name: 'GetFunctionCodeSigningConfig',
      method: 'GET',
      path: FUNCTION,
      async handle(req, res) {
        const name = pathParam(req, 'FunctionName');
        sendJson(res, 200, await signing.getFunction(namespaceOf(res), name));
      },
    },
    {
      name: 'DeleteFunctionCodeSigningConfig',
      method: 'DELETE',
      path: FUNCTION,
      async handle(req, res) {
        await signing.deleteFunction(namespaceOf(res), pathParam(req, 'FunctionName'));
        res.status(204).end();
      },
    },
  ];
}

function page(req: Request): { Marker?: string; MaxItems?: number } {
  const maxItems = queryString(req, 'MaxItems');
  if (maxItems !== undefined && !/^-?\d+$/.test(maxItems)) {
    throw invalidParameter(`Invalid value for MaxItems: ${maxItems}`);
  }
  return {
    Marker: queryString(req, 'Marker'),
    MaxItems: maxItems === undefined ? undefined : Number(maxItems),
  };
}
