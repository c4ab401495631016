import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { deploy, invoke } from '../helpers/functions.js';
import { executorsUnderTest, type ExecutorUnderTest } from '../helpers/executors.js';
import { lambdaClient, startTestServer, useTestServer } from '../helpers/server.js';

const PY = { Runtime: 'python3.11', Handler: 'app.handler' } as const;

/** A custom runtime in shell: the Runtime API loop with curl, as AWS's tutorial writes it. */
const SHELL_BOOTSTRAP = `#!/bin/sh
set -eu
API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
while true; do
  HEADERS="$(mktemp)"
  EVENT="$(curl -sS -LD "$HEADERS" "$API/invocation/next")"
  REQUEST_ID="$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)"
  case "$EVENT" in
    *fail*) curl -sS -X POST "$API/invocation/$REQUEST_ID/error" -H "Lambda-Runtime-Function-Error-Type: Custom.Failure" \\
              -d '{"errorMessage":"asked to fail","errorType":"Custom.Failure"}' > /dev/null ;;
    *) echo "handled by $_HANDLER"
       curl -sS -X POST "$API/invocation/$REQUEST_ID/response" -d "{\\"shell\\":$EVENT,\\"fn\\":\\"$AWS_LAMBDA_FUNCTION_NAME\\"}" > /dev/null ;;
  esac
done
`;

// The same suite under each executor (the docker executor's skips, saying why, with no engine).
for (const executor of executorsUnderTest()) {
  describe(
    `Invoke of Python and provided (custom runtime) functions${executor.suffix}`,
    { skip: executor.skip },
    () => pythonProvidedSuite(executor),
  );
}

function pythonProvidedSuite(executor: ExecutorUnderTest): void {
  let client: LambdaClient;
  useTestServer({ inMemory: true, ...executor.config }, (_server, c) => {
    client = c;
  });

  it('echoes the payload and exposes the context, in a package module', async () => {
    await deploy(
      client,
      'py-context',
      {
        'pkg/__init__.py': '',
        'pkg/app.py': `import os
calls = 0
def handler(event, context):
    global calls
    calls += 1
    print("printed", event.get("x"))
    return {
        "event": event,
        "calls": calls,
        "aws_request_id": context.aws_request_id,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "remaining": context.get_remaining_time_in_millis(),
        "custom": context.client_context.custom if context.client_context else None,
        "env": {k: os.environ.get(k) for k in ("AWS_EXECUTION_ENV", "_HANDLER", "AWS_LAMBDA_FUNCTION_NAME", "AWS_REGION", "MY_VAR")},
    }
`,
      },
      { ...PY, Handler: 'pkg/app.handler', Environment: { Variables: { MY_VAR: 'py' } } },
    );
    const clientContext = Buffer.from(JSON.stringify({ custom: { k: 'v' } })).toString('base64');
    const out = await invoke(client, 'py-context', { x: 42 }, { ClientContext: clientContext });
    assert.equal(out.functionError, undefined, out.text);
    const body = out.json as Record<string, unknown>;
    assert.deepEqual(body.event, { x: 42 });
    assert.equal(body.function_name, 'py-context');
    assert.equal(body.function_version, '$LATEST');
    assert.equal(
      body.invoked_function_arn,
      'arn:aws:lambda:us-east-1:000000000000:function:py-context',
    );
    assert.equal(body.memory_limit_in_mb, '128');
    assert.equal(body.log_group_name, '/aws/lambda/py-context');
    assert.match(body.aws_request_id as string, /^[0-9a-f-]{36}$/);
    assert.ok((body.remaining as number) > 0 && (body.remaining as number) <= 3000);
    assert.deepEqual(body.custom, { k: 'v' });
    assert.deepEqual(body.env, {
      AWS_EXECUTION_ENV: 'AWS_Lambda_python3.11',
      _HANDLER: 'pkg/app.handler',
      AWS_LAMBDA_FUNCTION_NAME: 'py-context',
      AWS_REGION: 'us-east-1',
      MY_VAR: 'py',
    });
    assert.match(out.log, /printed 42\n/);
    assert.match(out.log, /REPORT RequestId: .*Init Duration/);
    assert.equal(
      ((await invoke(client, 'py-context')).json as { calls: number }).calls,
      2,
      'module state kept warm',
    );
  });

  it('returns Python errors as AWS serializes them', async () => {
    await deploy(
      client,
      'py-raise',
      { 'app.py': 'def handler(e, c):\n    raise ValueError("bad value")\n' },
      PY,
    );
    const out = await invoke(client, 'py-raise');
    assert.equal(out.functionError, 'Unhandled');
    const body = out.json as {
      errorMessage: string;
      errorType: string;
      requestId: string;
      stackTrace: string[];
    };
    assert.equal(body.errorMessage, 'bad value');
    assert.equal(body.errorType, 'ValueError');
    assert.match(body.requestId, /^[0-9a-f-]{36}$/);
    assert.ok(body.stackTrace.some((frame) => frame.includes('raise ValueError("bad value")')));
  });

  it('reports Python init errors', async () => {
    await deploy(
      client,
      'py-missing',
      { 'app.py': 'x = 1\n' },
      { ...PY, Handler: 'nomod.handler' },
    );
    assert.deepEqual(await invoke(client, 'py-missing').then((o) => o.json), {
      errorMessage: "Unable to import module 'nomod': No module named 'nomod'",
      errorType: 'Runtime.ImportModuleError',
      requestId: '',
      stackTrace: [],
    });
    await deploy(client, 'py-nohandler', { 'app.py': 'x = 1\n' }, PY);
    const noHandler = (await invoke(client, 'py-nohandler')).json as {
      errorType: string;
      errorMessage: string;
    };
    assert.equal(noHandler.errorType, 'Runtime.HandlerNotFound');
    assert.equal(noHandler.errorMessage, "Handler 'handler' missing on module 'app'");
    await deploy(client, 'py-syntax', { 'app.py': 'def handler(e, c)\n    return 1\n' }, PY);
    const syntax = (await invoke(client, 'py-syntax')).json as {
      errorType: string;
      errorMessage: string;
    };
    assert.equal(syntax.errorType, 'Runtime.UserCodeSyntaxError');
    assert.match(syntax.errorMessage, /^Syntax error in module 'app': .*\(app\.py, line 1\)$/);
  });

  it('times out and crashes Python functions as AWS does', async () => {
    await deploy(
      client,
      'py-slow',
      {
        'app.py':
          'import time, os\ndef handler(e, c):\n    if e.get("exit"):\n        os._exit(7)\n    time.sleep(e.get("sleep", 0))\n    return "done"\n',
      },
      { ...PY, Timeout: 1 },
    );
    const slow = (await invoke(client, 'py-slow', { sleep: 3 })).json as {
      errorType: string;
      errorMessage: string;
    };
    assert.equal(slow.errorType, 'Sandbox.Timedout');
    assert.match(slow.errorMessage, /Task timed out after 1\.00 seconds$/);
    const exited = (await invoke(client, 'py-slow', { exit: true })).json as {
      errorType: string;
      errorMessage: string;
    };
    assert.equal(exited.errorType, 'Runtime.ExitError');
    assert.match(exited.errorMessage, /Runtime exited with error: exit status 7$/);
    assert.equal((await invoke(client, 'py-slow')).json, 'done');
  });

  it('runs a provided.al2023 function whose bootstrap speaks the Runtime API with curl', async () => {
    await deploy(client, 'shell', [{ name: 'bootstrap', content: SHELL_BOOTSTRAP, mode: 0o755 }], {
      Runtime: 'provided.al2023',
      Handler: 'function.handler',
    });
    const out = await invoke(client, 'shell', { n: 1 });
    assert.equal(out.functionError, undefined, out.text);
    assert.deepEqual(out.json, { shell: { n: 1 }, fn: 'shell' });
    assert.match(out.log, /handled by function\.handler\n/);
    const failed = await invoke(client, 'shell', { please: 'fail' });
    assert.equal(failed.functionError, 'Unhandled');
    assert.deepEqual(failed.json, { errorMessage: 'asked to fail', errorType: 'Custom.Failure' });
  });

  it('reports a provided function without an executable bootstrap as AWS does', async () => {
    await deploy(
      client,
      'no-bootstrap',
      { 'README.txt': 'nothing to run' },
      { Runtime: 'provided.al2' },
    );
    const out = await invoke(client, 'no-bootstrap');
    assert.equal(out.functionError, 'Unhandled');
    const body = out.json as { errorType: string; errorMessage: string };
    assert.equal(body.errorType, 'Runtime.InvalidEntrypoint');
    assert.match(
      body.errorMessage,
      /Couldn't find valid bootstrap\(s\): \[\/var\/task\/bootstrap \/opt\/bootstrap\]$/,
    );
  });
}

describe('interpreters per runtime', () => {
  it('answers InvalidRuntimeException for a runtime with no interpreter, and honours a mapping', async () => {
    const server = await startTestServer({
      inMemory: true,
      interpreters: { 'python3.13': 'python3.11' },
    });
    try {
      const client = lambdaClient(server.url);
      await deploy(
        client,
        'java',
        { 'Handler.class': 'not really java' },
        { Runtime: 'java21', Handler: 'example.Handler::handleRequest' },
      );
      const res = await fetch(`${server.url}/2015-03-31/functions/java/invocations`, {
        method: 'POST',
        body: '{}',
      });
      assert.equal(res.status, 502);
      assert.equal(res.headers.get('x-amzn-errortype'), 'InvalidRuntimeException');
      assert.match(
        ((await res.json()) as { Message: string }).Message,
        /The runtime java21 has no interpreter on this machine/,
      );
      await deploy(
        client,
        'mapped',
        { 'app.py': 'import sys\ndef handler(e, c):\n    return sys.version_info[1]\n' },
        { Runtime: 'python3.13', Handler: 'app.handler' },
      );
      assert.equal((await invoke(client, 'mapped')).json, 11);
    } finally {
      await server.close();
    }
  });
});
