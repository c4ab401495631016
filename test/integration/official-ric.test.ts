import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InvokeWithResponseStreamCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { deploy, invoke } from '../helpers/functions.js';
import { lambdaClient, startTestServer } from '../helpers/server.js';

/** .ci/run builds the official client here; a developer can point ASIMOV_RIC_DIR elsewhere. */
const RIC_DIR =
  process.env.ASIMOV_RIC_DIR ?? path.resolve('.ci/cache/ric/node_modules/aws-lambda-ric');
const RIC_ENTRY = path.join(RIC_DIR, 'index.mjs');
const missing = fs.existsSync(RIC_ENTRY)
  ? false
  : `aws-lambda-ric is not installed at ${RIC_DIR} (.ci/run builds it; set ASIMOV_RIC_DIR to use another copy)`;
if (missing) console.log(`# skipping the official runtime client test: ${missing}`);

describe(
  'the official AWS Node.js runtime interface client against our Runtime API',
  { skip: missing },
  () => {
    let server: Awaited<ReturnType<typeof startTestServer>>;
    let client: LambdaClient;
    before(async () => {
      // The client is built under .ci/cache, outside any function package: a sandbox would hide it.
      server = await startTestServer({ inMemory: true, sandbox: 'none' });
      client = lambdaClient(server.url);
      // A custom runtime whose bootstrap hands over to aws-lambda-ric, as AWS's docs show.
      const bootstrap = `#!/bin/sh\nexec "${process.execPath}" "${RIC_ENTRY}"\n`;
      await deploy(
        client,
        'ric',
        [
          { name: 'bootstrap', content: bootstrap, mode: 0o755 },
          {
            name: 'index.mjs',
            content:
              'let n = 0;\nexport const handler = async (event, context) => {\n  if (event.fail) throw new TypeError("ric failure");\n  console.log("from ric");\n  return { n: ++n, event, fn: context.functionName, arn: context.invokedFunctionArn };\n};\n',
          },
        ],
        { Runtime: 'provided.al2023', Handler: 'index.handler' },
      );
      await deploy(
        client,
        'ric-stream',
        [
          { name: 'bootstrap', content: bootstrap, mode: 0o755 },
          {
            name: 'index.mjs',
            content: `export const handler = awslambda.streamifyResponse(async (event, stream) => {
  stream = awslambda.HttpResponseStream.from(stream, { statusCode: 201 });
  for (const part of ['a;', 'b;', 'c;']) { stream.write(part); await new Promise((r) => setTimeout(r, 50)); }
  if (event.fail) throw new TypeError('ric stream failure');
  stream.end();
});\n`,
          },
        ],
        { Runtime: 'provided.al2023', Handler: 'index.handler' },
      );
    });
    after(() => server?.close());

    it('runs invocations, keeps state warm and reports errors', async () => {
      const first = await invoke(client, 'ric', { hello: 1 });
      assert.equal(first.functionError, undefined, first.text);
      assert.deepEqual(first.json, {
        n: 1,
        event: { hello: 1 },
        fn: 'ric',
        arn: 'arn:aws:lambda:us-east-1:000000000000:function:ric',
      });
      assert.match(first.log, /from ric/);
      assert.equal(((await invoke(client, 'ric', {})).json as { n: number }).n, 2);
      const failed = await invoke(client, 'ric', { fail: true });
      assert.equal(failed.functionError, 'Unhandled');
      const body = failed.json as { errorType: string; errorMessage: string };
      assert.equal(body.errorType, 'TypeError');
      assert.equal(body.errorMessage, 'ric failure');
    });

    it("streams through our Runtime API's streamed responses (trailers for errors)", async () => {
      const read = async (payload: unknown) => {
        const out = await client.send(
          new InvokeWithResponseStreamCommand({
            FunctionName: 'ric-stream',
            Payload: Buffer.from(JSON.stringify(payload)),
          }),
        );
        let text = '';
        let complete: unknown;
        for await (const event of out.EventStream ?? []) {
          if (event.PayloadChunk) text += Buffer.from(event.PayloadChunk.Payload ?? []).toString();
          if (event.InvokeComplete) complete = event.InvokeComplete;
        }
        return { text, complete };
      };
      const prelude = `{"statusCode":201}${'\0'.repeat(8)}`;
      assert.deepEqual(await read({}), { text: `${prelude}a;b;c;`, complete: {} });
      assert.deepEqual(await read({ fail: true }), {
        text: `${prelude}a;b;c;`,
        complete: { ErrorCode: 'TypeError', ErrorDetails: 'ric stream failure' },
      });
    });
  },
);
