import type { InvocationService } from '../../invocation/invocation-service.js';
import { MAX_SYNC_PAYLOAD_BYTES } from '../../invocation/payload.js';
import { readBody } from '../body.js';
import { pathParam, sendJson, type Operation } from '../operation.js';
import { namespaceOf, requestIdOf } from '../request-context.js';

/**
 * InvokeAsync (2014-11-13, deprecated): the body is the event; it joins the same queue as Invoke
 * with InvocationType Event, and the answer is 202 with `{"Status": 202}`.
 */
export function invokeAsyncOperations(invocations: InvocationService): Operation[] {
  return [
    {
      name: 'InvokeAsync',
      method: 'POST',
      path: '/2014-11-13/functions/{FunctionName}/invoke-async',
      async handle(req, res) {
        const payload = await readBody(req, MAX_SYNC_PAYLOAD_BYTES, 'InvokeAsync');
        await invocations.invoke(namespaceOf(res), {
          functionName: pathParam(req, 'FunctionName'),
          payload,
          invocationType: 'Event',
          requestId: requestIdOf(res),
        });
        sendJson(res, 202, { Status: 202 });
      },
    },
  ];
}
