import type { Request } from 'express';
import { CreateAliasBody, UpdateAliasBody } from '../../aws/alias-rules.js';
import type { AliasService } from '../../control-plane/aliases.js';
import { readShape } from '../body.js';
import { pathParam, queryInteger, queryString, sendJson, type Operation } from '../operation.js';
import { namespaceOf } from '../request-context.js';

const PATH = '/2015-03-31/functions/{FunctionName}/aliases';

/** CreateAlias, ListAliases, GetAlias, UpdateAlias, DeleteAlias. */
export function aliasOperations(aliases: AliasService): Operation[] {
  const fn = (req: Request) => pathParam(req, 'FunctionName');
  return [
    {
      name: 'CreateAlias',
      method: 'POST',
      path: PATH,
      async handle(req, res) {
        const input = await readShape(req, CreateAliasBody, 'CreateAlias');
        sendJson(res, 201, await aliases.create(namespaceOf(res), fn(req), input));
      },
    },
    {
      name: 'ListAliases',
      method: 'GET',
      path: PATH,
      async handle(req, res) {
        const page = await aliases.list(namespaceOf(res), fn(req), {
          FunctionVersion: queryString(req, 'FunctionVersion'),
          Marker: queryString(req, 'Marker'),
          MaxItems: queryInteger(req, 'MaxItems'),
        });
        sendJson(res, 200, page);
      },
    },
    {
      name: 'GetAlias',
      method: 'GET',
      path: `${PATH}/{Name}`,
      async handle(req, res) {
        const name = pathParam(req, 'Name');
        sendJson(res, 200, await aliases.get(namespaceOf(res), fn(req), name));
      },
    },
    {
      name: 'UpdateAlias',
      method: 'PUT',
      path: `${PATH}/{Name}`,
      async handle(req, res) {
        const input = await readShape(req, UpdateAliasBody, 'UpdateAlias');
        const name = pathParam(req, 'Name');
        sendJson(res, 200, await aliases.update(namespaceOf(res), fn(req), name, input));
      },
    },
    {
      name: 'DeleteAlias',
      method: 'DELETE',
      path: `${PATH}/{Name}`,
      async handle(req, res) {
        await aliases.delete(namespaceOf(res), fn(req), pathParam(req, 'Name'));
        res.status(204).end();
      },
    },
  ];
}
