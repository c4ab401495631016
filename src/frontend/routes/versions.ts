import { PublishVersionBody } from '../../aws/alias-rules.js';
import type { VersionService } from '../../control-plane/versions.js';
import { readShape } from '../body.js';
import { pathParam, queryInteger, queryString, sendJson, type Operation } from '../operation.js';
import { namespaceOf } from '../request-context.js';

const PATH = '/2015-03-31/functions/{FunctionName}/versions';

/** PublishVersion and ListVersionsByFunction. */
export function versionOperations(versions: VersionService): Operation[] {
  return [
    {
      name: 'PublishVersion',
      method: 'POST',
      path: PATH,
      async handle(req, res) {
        const input = await readShape(req, PublishVersionBody, 'PublishVersion');
        const name = pathParam(req, 'FunctionName');
        sendJson(res, 201, await versions.publish(namespaceOf(res), name, input));
      },
    },
    {
      name: 'ListVersionsByFunction',
      method: 'GET',
      path: PATH,
      async handle(req, res) {
        const page = await versions.list(namespaceOf(res), pathParam(req, 'FunctionName'), {
          Marker: queryString(req, 'Marker'),
          MaxItems: queryInteger(req, 'MaxItems'),
        });
        sendJson(res, 200, page);
      },
    },
  ];
}
