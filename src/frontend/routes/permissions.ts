import { AddPermissionBody } from '../../aws/permissions.js';
import type { PermissionService } from '../../control-plane/permissions.js';
import { readShape } from '../body.js';
import { pathParam, queryString, sendJson, type Operation } from '../operation.js';
import { namespaceOf } from '../request-context.js';

const PATH = '/2015-03-31/functions/{FunctionName}/policy';

/** Resource policies: AddPermission, GetPolicy, RemovePermission. */
export function permissionOperations(permissions: PermissionService): Operation[] {
  return [
    {
      name: 'AddPermission',
      method: 'POST',
      path: PATH,
      async handle(req, res) {
        const input = await readShape(req, AddPermissionBody, 'AddPermission');
        const name = pathParam(req, 'FunctionName');
        const qualifier = queryString(req, 'Qualifier');
        sendJson(res, 201, await permissions.add(namespaceOf(res), name, qualifier, input));
      },
    },
    {
      name: 'GetPolicy',
      method: 'GET',
      path: PATH,
      async handle(req, res) {
        const name = pathParam(req, 'FunctionName');
        const qualifier = queryString(req, 'Qualifier');
        sendJson(res, 200, await permissions.get(namespaceOf(res), name, qualifier));
      },
    },
    {
      name: 'RemovePermission',
      method: 'DELETE',
      path: `${PATH}/{StatementId}`,
      async handle(req, res) {
        await permissions.remove(
          namespaceOf(res),
          pathParam(req, 'FunctionName'),
          pathParam(req, 'StatementId'),
          queryString(req, 'Qualifier'),
          queryString(req, 'RevisionId'),
        );
        res.status(204).end();
      },
    },
  ];
}
