import type { Request } from 'express';
import { z } from 'zod';
import type { TagService } from '../../control-plane/tags.js';
import { readShape } from '../body.js';
import { pathParam, sendJson, type Operation } from '../operation.js';
import { namespaceOf } from '../request-context.js';

const PATH = '/2017-03-31/tags/{Resource}';

/** TagResource's body (service model members, JSON types only). */
export const TagResourceBody = z.object({ Tags: z.record(z.string(), z.string()).optional() });

/** Tags of functions and code signing configs: TagResource, UntagResource, ListTags. */
export function tagOperations(tags: TagService): Operation[] {
  return [
    {
      name: 'TagResource',
      method: 'POST',
      path: PATH,
      async handle(req, res) {
        const input = await readShape(req, TagResourceBody, 'TagResource');
        await tags.tag(namespaceOf(res), pathParam(req, 'Resource'), input.Tags);
        res.status(204).end();
      },
    },
    {
      name: 'UntagResource',
      method: 'DELETE',
      path: PATH,
      async handle(req, res) {
        await tags.untag(namespaceOf(res), pathParam(req, 'Resource'), tagKeys(req));
        res.status(204).end();
      },
    },
    {
      name: 'ListTags',
      method: 'GET',
      path: PATH,
      async handle(req, res) {
        sendJson(res, 200, await tags.list(namespaceOf(res), pathParam(req, 'Resource')));
      },
    },
  ];
}

/** `?tagKeys=a&tagKeys=b`, the list query member as the SDKs send it. */
function tagKeys(req: Request): string[] | undefined {
  const value = req.query.tagKeys;
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value : [value]).map(String);
}
