import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import protocol from '../../src/runtime-api/protocol.json' with { type: 'json' };
import {
  MAX_RESPONSE_BYTES,
  RuntimeApiServer,
  type RuntimeListener,
} from '../../src/runtime-api/runtime-api-server.js';
import {
  forwardStreamedResponse,
  MAX_STREAMED_RESPONSE_BYTES,
} from '../../src/runtime-api/streamed-response.js';

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

/** A streamed response as a runtime sends it: chunked, written piece by piece, trailers at the end. */
function streamPost(base: string, path: string, contentType = 'text/plain') {
  const req = http.request(`${base}${path}`, {
    method: 'POST',
    headers: {
      [protocol.headers.responseMode]: 'streaming',
      'content-type': contentType,
      'transfer-encoding': 'chunked',
      trailer: `${protocol.headers.functionErrorType}, ${protocol.headers.errorBody}`,
    },
  });
  const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('error', reject);
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
  });
  return { req, answered };
}

const tick = (ms = 50) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Runtime API server: streamed responses (Lambda-Runtime-Function-Response-Mode)', () => {
  let api: RuntimeApiServer;
  let base: string;
  const { events, listener } = recorder();
  before(async () => {
    api = await RuntimeApiServer.start(listener);
    base = `http://${api.address}`;
  });
  after(() => api.close());

  const responsePath = (id: string) => protocol.paths.response.replace('{requestId}', id);
  async function invocation(requestId: string): Promise<void> {
    const poll = fetch(base + protocol.paths.next);
    await tick();
    api.offer({
      requestId,
      payload: Buffer.from('{}'),
      deadlineMs: 1,
      invokedFunctionArn: 'a',
      traceId: 't',
    });
    await (await poll).text();
    events.splice(0);
  }

  it('hands each chunk over as it arrives, then ends complete with 202', async () => {
    await invocation('s-1');
    const { req, answered } = streamPost(base, responsePath('s-1'), 'application/x-ndjson');
    req.write('first\n');
    await tick();
    assert.deepEqual(events.splice(0), ['stream s-1 application/x-ndjson', 'chunk first\n']);
    req.write('second\n');
    await tick();
    assert.deepEqual(events.splice(0), ['chunk second\n']);
    req.end();
    assert.deepEqual(await answered, { status: 202, body: '{"status":"OK"}' });
    assert.deepEqual(events.splice(0), ['end complete']);
  });

  it('reads an error from the trailers (type, and the base64 error body)', async () => {
    await invocation('s-2');
    const { req, answered } = streamPost(base, responsePath('s-2'));
    req.write('partial');
    const error = '{"errorType":"Error","errorMessage":"boom","trace":[]}';
    req.addTrailers({
      [protocol.headers.functionErrorType]: 'Error',
      [protocol.headers.errorBody]: Buffer.from(error).toString('base64'),
    });
    req.end();
    assert.equal((await answered).status, 202);
    assert.deepEqual(events.splice(0), [
      'stream s-2 text/plain',
      'chunk partial',
      `end error Error ${error}`,
    ]);
  });

  it('refuses a stream for an unknown request id (400) or out of turn (403)', async () => {
    await invocation('s-3');
    const unknown = streamPost(base, responsePath('nope'));
    unknown.req.end('x');
    assert.equal((await unknown.answered).status, 400);
    const first = streamPost(base, responsePath('s-3'));
    first.req.end('done');
    assert.equal((await first.answered).status, 202);
    const again = streamPost(base, responsePath('s-3'));
    again.req.end('again');
    assert.equal((await again.answered).status, 403);
    assert.deepEqual(events.splice(0), ['stream s-3 text/plain', 'chunk done', 'end complete']);
  });

  it('takes an error posted while the stream is open, and ignores the rest of the stream', async () => {
    await invocation('s-4');
    const { req, answered } = streamPost(base, responsePath('s-4'));
    req.write('before');
    await tick();
    const posted = await fetch(base + protocol.paths.error.replace('{requestId}', 's-4'), {
      method: 'POST',
      body: '{"errorType":"Runtime.UnhandledPromiseRejection","errorMessage":"x"}',
      headers: { [protocol.headers.functionErrorType]: 'Runtime.UnhandledPromiseRejection' },
    });
    assert.equal(posted.status, 202);
    req.end('after');
    await answered;
    assert.deepEqual(events.splice(0), [
      'stream s-4 text/plain',
      'chunk before',
      'error s-4 Runtime.UnhandledPromiseRejection {"errorType":"Runtime.UnhandledPromiseRejection","errorMessage":"x"}',
    ]);
  });
});

describe('forwardStreamedResponse: the streamed size limit', () => {
  it('answers 413 past the limit, ends too-large, and drops the rest', async () => {
    const seen: string[] = [];
    const server = http.createServer((req, res) =>
      forwardStreamedResponse(
        req,
        res,
        { write: (c) => void seen.push(`chunk ${c.length}`), end: (e) => void seen.push(e.kind) },
        10,
      ),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const { req, answered } = streamPost(`http://127.0.0.1:${port}`, '/');
    req.write('12345678');
    await tick();
    req.write('9012');
    const res = await answered;
    req.destroy();
    server.closeAllConnections();
    server.close();
    assert.equal(res.status, 413);
    assert.equal(JSON.parse(res.body).errorType, 'RequestEntityTooLarge');
    assert.deepEqual(seen, ['chunk 8', 'too-large']);
    assert.equal(MAX_STREAMED_RESPONSE_BYTES, 200 * 1024 * 1024);
  });
});
