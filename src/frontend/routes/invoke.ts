import type { Response } from 'express';
import { endWithBytes } from '../../http/end-with-bytes.js';
import type { InvocationService, InvokeResponse } from '../../invocation/invocation-service.js';
import { MAX_SYNC_PAYLOAD_BYTES } from '../../invocation/payload.js';
import { readBody } from '../body.js';
import { pathParam, queryString, type Operation } from '../operation.js';
import { namespaceOf, requestIdOf } from '../request-context.js';

/** Invoke (2015-03-31): the payload is the raw body; the options travel in X-Amz-* headers. */
export function invokeOperations(invocations: InvocationService): Operation[] {
  return [
    {
      name: 'Invoke',
      method: 'POST',
      path: '/2015-03-31/functions/{FunctionName}/invocations',
      async handle(req, res) {
        const payload = await readBody(req, MAX_SYNC_PAYLOAD_BYTES, 'InvokeFunction');
        const result = await invocations.invoke(namespaceOf(res), {
          functionName: pathParam(req, 'FunctionName'),
          qualifier: queryString(req, 'Qualifier'),
          payload,
          invocationType: req.get('x-amz-invocation-type'),
          logType: req.get('x-amz-log-type'),
          clientContext: req.get('x-amz-client-context'),
          requestId: requestIdOf(res),
        });
        writeInvokeResponse(res, result);
      },
    },
  ];
}

function writeInvokeResponse(res: Response, result: InvokeResponse): void {
  res.status(result.statusCode);
  if (result.executedVersion) res.setHeader('X-Amz-Executed-Version', result.executedVersion);
  if (result.functionError) res.setHeader('X-Amz-Function-Error', result.functionError);
  if (result.logResult) res.setHeader('X-Amz-Log-Result', result.logResult);
  if (result.statusCode === 200) res.setHeader('content-type', 'application/json');
  endWithBytes(res, result.payload);
}
