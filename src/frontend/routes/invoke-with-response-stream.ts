import type { InvocationService } from '../../invocation/invocation-service.js';
import { MAX_SYNC_PAYLOAD_BYTES } from '../../invocation/payload.js';
import { readBody } from '../body.js';
import { InvokeStreamWriter } from '../invoke-stream-writer.js';
import { pathParam, queryString, type Operation } from '../operation.js';
import { namespaceOf, requestIdOf } from '../request-context.js';

/** InvokeWithResponseStream (2021-11-15): Invoke's request, answered as an event stream. */
export function invokeWithResponseStreamOperations(invocations: InvocationService): Operation[] {
  return [
    {
      name: 'InvokeWithResponseStream',
      method: 'POST',
      path: '/2021-11-15/functions/{FunctionName}/response-streaming-invocations',
      async handle(req, res) {
        const payload = await readBody(req, MAX_SYNC_PAYLOAD_BYTES, 'InvokeWithResponseStream');
        const stream = new InvokeStreamWriter(res);
        const result = await invocations.invokeWithResponseStream(
          namespaceOf(res),
          {
            functionName: pathParam(req, 'FunctionName'),
            qualifier: queryString(req, 'Qualifier'),
            payload,
            invocationType: req.get('x-amz-invocation-type'),
            logType: req.get('x-amz-log-type'),
            clientContext: req.get('x-amz-client-context'),
            requestId: requestIdOf(res),
          },
          (executedVersion) => stream.sink(executedVersion),
        );
        if (result.statusCode !== 204) return stream.complete(result);
        res.status(204).setHeader('X-Amz-Executed-Version', result.executedVersion ?? '');
        res.end();
      },
    },
  ];
}
