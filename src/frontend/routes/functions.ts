import type { Request } from 'express';
import {
  CreateFunctionBody,
  UpdateFunctionCodeBody,
  UpdateFunctionConfigurationBody,
} from '../../aws/function-rules.js';
import { parseShape } from '../../aws/validation.js';
import { getAccountSettings } from '../../control-plane/account-settings.js';
import { listFunctions } from '../../control-plane/function-list.js';
import type { FunctionService } from '../../control-plane/functions.js';
import { imageLocation } from '../../control-plane/image-code.js';
import type { MetadataStore } from '../../store/metadata-store.js';
import { CODE_UPLOAD_BODY_LIMIT, DEFAULT_BODY_LIMIT, parseJsonBody, readBody } from '../body.js';
import { pathParam, queryInteger, queryString, sendJson, type Operation } from '../operation.js';
import { namespaceOf } from '../request-context.js';
import { codeLocation } from './code-download.js';

/** The function operations of the 2015-03-31 API family, plus GetAccountSettings. */
export function functionOperations(
  functions: FunctionService,
  store: MetadataStore,
  concurrencyLimit: number,
): Operation[] {
  const json = async (req: Request, limit: number, operation: string) =>
    parseJsonBody(await readBody(req, limit, operation));
  return [
    {
      name: 'CreateFunction',
      method: 'POST',
      path: '/2015-03-31/functions',
      async handle(req, res) {
        const body = parseShape(
          CreateFunctionBody,
          await json(req, CODE_UPLOAD_BODY_LIMIT, 'CreateFunction'),
        );
        sendJson(res, 201, await functions.create(namespaceOf(res), body));
      },
    },
    {
      name: 'ListFunctions',
      method: 'GET',
      path: '/2015-03-31/functions',
      async handle(req, res) {
        const page = await listFunctions(store, namespaceOf(res), {
          Marker: queryString(req, 'Marker'),
          MaxItems: queryInteger(req, 'MaxItems'),
          FunctionVersion: queryString(req, 'FunctionVersion'),
        });
        sendJson(res, 200, page);
      },
    },
    {
      name: 'GetFunction',
      method: 'GET',
      path: '/2015-03-31/functions/{FunctionName}',
      async handle(req, res) {
        const ns = namespaceOf(res);
        const found = await functions.get(
          ns,
          pathParam(req, 'FunctionName'),
          queryString(req, 'Qualifier'),
        );
        sendJson(res, 200, {
          Configuration: found.configuration,
          Code: found.image
            ? imageLocation(found.image)
            : { RepositoryType: 'S3', Location: codeLocation(req, found.codeSha256) },
          ...(Object.keys(found.tags).length > 0 ? { Tags: found.tags } : {}),
          ...(found.reservedConcurrency !== undefined
            ? { Concurrency: { ReservedConcurrentExecutions: found.reservedConcurrency } }
            : {}),
        });
      },
    },
    {
      name: 'DeleteFunction',
      method: 'DELETE',
      path: '/2015-03-31/functions/{FunctionName}',
      async handle(req, res) {
        await functions.delete(
          namespaceOf(res),
          pathParam(req, 'FunctionName'),
          queryString(req, 'Qualifier'),
        );
        res.status(204).end();
      },
    },
    {
      name: 'GetFunctionConfiguration',
      method: 'GET',
      path: '/2015-03-31/functions/{FunctionName}/configuration',
      async handle(req, res) {
        const ns = namespaceOf(res);
        const name = pathParam(req, 'FunctionName');
        sendJson(
          res,
          200,
          await functions.getConfiguration(ns, name, queryString(req, 'Qualifier')),
        );
      },
    },
    {
      name: 'UpdateFunctionConfiguration',
      method: 'PUT',
      path: '/2015-03-31/functions/{FunctionName}/configuration',
      async handle(req, res) {
        const raw = await json(req, DEFAULT_BODY_LIMIT, 'UpdateFunctionConfiguration');
        const body = parseShape(UpdateFunctionConfigurationBody, raw);
        const name = pathParam(req, 'FunctionName');
        sendJson(res, 200, await functions.updateConfiguration(namespaceOf(res), name, body));
      },
    },
    {
      name: 'UpdateFunctionCode',
      method: 'PUT',
      path: '/2015-03-31/functions/{FunctionName}/code',
      async handle(req, res) {
        const raw = await json(req, CODE_UPLOAD_BODY_LIMIT, 'UpdateFunctionCode');
        const body = parseShape(UpdateFunctionCodeBody, raw);
        const name = pathParam(req, 'FunctionName');
        sendJson(res, 200, await functions.updateCode(namespaceOf(res), name, body));
      },
    },
    {
      name: 'GetAccountSettings',
      method: 'GET',
      path: '/2016-08-19/account-settings',
      async handle(_req, res) {
        sendJson(res, 200, await getAccountSettings(store, namespaceOf(res), concurrencyLimit));
      },
    },
  ];
}
