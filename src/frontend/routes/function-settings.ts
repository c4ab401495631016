import {
  PutFunctionRecursionConfigBody,
  type RecursionService,
} from '../../control-plane/recursion.js';
import {
  PutRuntimeManagementConfigBody,
  type RuntimeManagementService,
} from '../../control-plane/runtime-management.js';
import { readShape } from '../body.js';
import { pathParam, queryString, sendJson, type Operation } from '../operation.js';
import { namespaceOf } from '../request-context.js';

const RUNTIME = '/2021-07-20/functions/{FunctionName}/runtime-management-config';
const RECURSION = '/2024-08-31/functions/{FunctionName}/recursion-config';

/** Get/PutRuntimeManagementConfig and Get/PutFunctionRecursionConfig. */
export function functionSettingOperations(
  runtime: RuntimeManagementService,
  recursion: RecursionService,
): Operation[] {
  return [
    {
      name: 'GetRuntimeManagementConfig',
      method: 'GET',
      path: RUNTIME,
      async handle(req, res) {
        const name = pathParam(req, 'FunctionName');
        const qualifier = queryString(req, 'Qualifier');
        sendJson(res, 200, await runtime.get(namespaceOf(res), name, qualifier));
      },
    },
    {
      name: 'PutRuntimeManagementConfig',
      method: 'PUT',
      path: RUNTIME,
      async handle(req, res) {
        const input = await readShape(
          req,
          PutRuntimeManagementConfigBody,
          'PutRuntimeManagementConfig',
        );
        const name = pathParam(req, 'FunctionName');
        const qualifier = queryString(req, 'Qualifier');
        sendJson(res, 200, await runtime.put(namespaceOf(res), name, qualifier, input));
      },
    },
    {
      name: 'GetFunctionRecursionConfig',
      method: 'GET',
      path: RECURSION,
      async handle(req, res) {
        sendJson(res, 200, await recursion.get(namespaceOf(res), pathParam(req, 'FunctionName')));
      },
    },
    {
      name: 'PutFunctionRecursionConfig',
      method: 'PUT',
      path: RECURSION,
      async handle(req, res) {
        const input = await readShape(
          req,
          PutFunctionRecursionConfigBody,
          'PutFunctionRecursionConfig',
        );
        const name = pathParam(req, 'FunctionName');
        sendJson(res, 200, await recursion.put(namespaceOf(res), name, input.RecursiveLoop));
      },
    },
  ];
}
