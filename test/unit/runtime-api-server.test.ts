import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import protocol from '../../src/runtime-api/protocol.json' with { type: 'json' };
import {
  MAX_RESPONSE_BYTES,
  RuntimeApiServer,
  type RuntimeListener,
} from '../../src/runtime-api/runtime-api-server.js';

/** Records what the runtime told the server, in order. */
function recorder() {
  const events: string[] = [];
  const listener: RuntimeListener = {
    polled: () => events.push('polled'),
    response: (id, body) => events.push(`response ${id} ${body.toString()}`),
    error: (id, body, type) => events.push(`error ${id} ${type} ${body.toString()}`),
    initError: (body, type) => events.push(`init-error ${type} ${body.toString()}`),
    responseTooLarge: (id) => events.push(`too-large ${id}`),
    responseStream: (id, contentType) => {
      events.push(`stream ${id} ${contentType}`);
      return {
        write: (chunk) => void events.push(`chunk ${chunk.toString()}`),
        end: (ending) =>
          void events.push(
            ending.kind === 'error'
              ? `end error ${ending.errorType} ${ending.body.toString()}`
              : `end ${ending.kind}`,
          ),
      };
    },
  };
  return { events, listener };
}

describe('Runtime API server (status codes as AWS documents them)', () => {
  let api: RuntimeApiServer;
  let base: string;
  const { events, listener } = recorder();
  before(async () => {
    api = await RuntimeApiServer.start(listener);
    base = `http://${api.address}`;
  });
  after(() => api.close());

  const post = (path: string, body: string | Buffer, headers: Record<string, string> = {}) =>
    fetch(base + path, {
      method: 'POST',
      body: typeof body === 'string' ? body : new Uint8Array(body),
      headers,
    });
  const responsePath = (id: string) => protocol.paths.response.replace('{requestId}', id);
  const errorPath = (id: string) => protocol.paths.error.replace('{requestId}', id);

  it('accepts an init error only during init (202, then 403)', async () => {
    const first = await post(protocol.paths.initError, '{"errorType":"Runtime.X"}', {
      [protocol.headers.functionErrorType]: 'Runtime.X',
    });
    assert.equal(first.status, 202);
    assert.deepEqual(events.splice(0), ['init-error Runtime.X {"errorType":"Runtime.X"}']);
  });

  it('long-polls /next and hands over the invocation with its headers', async () => {
    const poll = fetch(base + protocol.paths.next);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(events.splice(0), ['polled']);
    api.offer({
      requestId: 'req-1',
      payload: Buffer.from('{"a":1}'),
      deadlineMs: 1234,
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
      traceId: 'Root=1-2-3',
      clientContext: '{"custom":{}}',
    });
    const res = await poll;
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '{"a":1}');
    assert.equal(res.headers.get(protocol.headers.requestId), 'req-1');
    assert.equal(res.headers.get(protocol.headers.deadlineMs), '1234');
    assert.equal(
      res.headers.get(protocol.headers.invokedFunctionArn),
      'arn:aws:lambda:us-east-1:000000000000:function:f',
    );
    assert.equal(res.headers.get(protocol.headers.traceId), 'Root=1-2-3');
    assert.equal(res.headers.get(protocol.headers.clientContext), '{"custom":{}}');
    const late = await post(protocol.paths.initError, '{}');
    assert.equal(late.status, 403);
    assert.equal(
      ((await late.json()) as { errorType: string }).errorType,
      'InvalidStateTransition',
    );
  });

  it('rejects an unknown request id with 400, then accepts the response once (202, then 403)', async () => {
    const unknown = await post(responsePath('nope'), '1');
    assert.equal(unknown.status, 400);
    assert.deepEqual(await unknown.json(), {
      errorMessage: 'Invalid request ID',
      errorType: 'InvalidRequestID',
    });
    const ok = await post(responsePath('req-1'), '"done"');
    assert.equal(ok.status, 202);
    assert.deepEqual(events.splice(0), ['response req-1 "done"']);
    const twice = await post(errorPath('req-1'), '{}');
    assert.equal(twice.status, 403);
  });

  it('refuses a response over 6 MB with 413 and tells the environment', async () => {
    const poll = fetch(base + protocol.paths.next);
    await new Promise((resolve) => setTimeout(resolve, 50));
    api.offer({
      requestId: 'req-2',
      payload: Buffer.from('{}'),
      deadlineMs: 1,
      invokedFunctionArn: 'a',
      traceId: 't',
    });
    await (await poll).text();
    events.splice(0);
    const big = await post(responsePath('req-2'), Buffer.alloc(MAX_RESPONSE_BYTES + 10, 0x61));
    assert.equal(big.status, 413);
    assert.equal(((await big.json()) as { errorType: string }).errorType, 'RequestEntityTooLarge');
    assert.deepEqual(events.splice(0), ['too-large req-2']);
  });

  it('answers unknown paths with 404', async () => {
    const res = await fetch(`${base}/2018-06-01/runtime/whatever`);
    assert.equal(res.status, 404);
  });
});
