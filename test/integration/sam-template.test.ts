import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  GetFunctionConfigurationCommand,
  GetFunctionUrlConfigCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { aws } from '../helpers/cli.js';
import { curl } from '../helpers/curl.js';
import { invoke } from '../helpers/functions.js';
import { fastestOf, untilNewResult } from '../helpers/hot-reload.js';
import { copyFixture, pythonFlags, serveCli, type ServeProcess } from '../helpers/sam-app.js';
import { lambdaClient } from '../helpers/server.js';

interface Body {
  message: string;
  runtime: string;
  stage: string;
  logLevel: string;
  alarmMode?: string;
  env: Record<string, string>;
}

/** The fixture's handlers answer like API Gateway proxies: the interesting part is the body. */
const bodyOf = (result: unknown): Body => JSON.parse((result as { body: string }).body) as Body;

describe('asimov serve --template', () => {
  let dir: string;
  let served: ServeProcess;
  let client: LambdaClient;

  before(async () => {
    dir = await copyFixture();
    served = await serveCli([
      ...pythonFlags(),
      '--template',
      path.join(dir, 'template.yaml'),
      '--env-vars',
      path.join(dir, 'env.json'),
      '--parameter-overrides',
      'Stage=test',
      'ParameterKey=Greeting,ParameterValue=Bonjour',
    ]);
    client = lambdaClient(served.url);
  });
  after(() => served?.stop());

  it('prints the functions, the layer and what is not run here', () => {
    const out = served.output();
    assert.match(out, /Serving .*template\.yaml: 2 functions, 1 layer/);
    assert.match(out, /HelloWorldFunction {2}http:\/\/[a-z0-9]{32}\.lambda-url\.us-east-1\./);
    assert.match(
      out,
      /GreetingLayer {2}arn:aws:lambda:us-east-1:000000000000:layer:greeting-test:1/,
    );
    assert.match(
      out,
      /Not run here:\n {2}- HelloWorldFunction: events not delivered here: HelloWorld \(Api\)/,
    );
    assert.match(out, /HelloPythonFunction: events not delivered here: HelloPython \(Api\)/);
    assert.match(
      out,
      /Invoke: aws lambda invoke --endpoint-url http:\/\/127\.0\.0\.1:\d+ --function-name HelloWorldFunction out\.json/,
    );
  });

  it('invokes both functions by logical ID through the aws CLI', async () => {
    for (const [name, runtime] of [
      ['HelloWorldFunction', 'nodejs'],
      ['HelloPythonFunction', 'python'],
    ] as const) {
      const outFile = path.join(dir, `${name}.out.json`);
      const result = await aws(served.url, ['lambda', 'invoke', '--function-name', name, outFile]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(JSON.parse(result.stdout).StatusCode, 200);
      const body = bodyOf(JSON.parse(await fs.readFile(outFile, 'utf8')));
      assert.equal(body.runtime, runtime);
      assert.equal(body.message, 'Bonjour world', 'the layer, with the Greeting parameter');
    }
  });

  it('--parameter-overrides and --env-vars reach the functions through the SDK', async () => {
    const node = bodyOf((await invoke(client, 'HelloWorldFunction')).json);
    const python = bodyOf((await invoke(client, 'HelloPythonFunction')).json);
    // Parameters: Stage=test through Ref, FindInMap and a Condition; Greeting in the long form.
    assert.equal(python.stage, 'test');
    assert.equal(python.logLevel, 'INFO');
    assert.equal(node.alarmMode, 'log');
    assert.equal(node.env.GREETING, 'Bonjour');
    // env.json: the function's block wins over the template and over Parameters…
    assert.equal(node.stage, 'overridden-for-node');
    assert.equal(node.env.FUNCTION_LANGUAGE, 'javascript');
    // …the Parameters block reaches every function…
    assert.equal(node.env.SHARED_SETTING, 'from-parameters-block');
    assert.equal(python.env.SHARED_SETTING, 'from-parameters-block');
    // …and variables the template never declared reach the function too (unlike sam local).
    assert.equal(node.env.UNDECLARED_IN_TEMPLATE, 'still-reaches-the-function');
    assert.equal(python.env.TABLE_NAME, 'local-table');
    assert.equal(python.env.MAX_ITEMS, '25');
    assert.equal(python.env.UNDECLARED_IN_TEMPLATE, undefined, 'only its own block');
  });

  it('fills Globals and SAM defaults into the configuration', async () => {
    const node = await client.send(
      new GetFunctionConfigurationCommand({ FunctionName: 'HelloWorldFunction' }),
    );
    const python = await client.send(
      new GetFunctionConfigurationCommand({ FunctionName: 'HelloPythonFunction' }),
    );
    assert.equal(node.Timeout, 10, 'Globals');
    assert.equal(python.Timeout, 5, 'the function over Globals');
    assert.equal(node.MemorySize, 256);
    assert.equal(node.Handler, 'app.lambdaHandler');
    assert.equal(python.Runtime, 'python3.12');
    assert.equal(node.CodeSha256, 'hot-reloading-hash-not-available');
    assert.deepEqual(
      node.Layers?.map((layer) => layer.Arn),
      ['arn:aws:lambda:us-east-1:000000000000:layer:greeting-test:1'],
    );
    assert.equal(node.Role, 'arn:aws:iam::000000000000:role/HelloWorldFunctionRole');
    assert.equal(node.Environment?.Variables?.LOG_LEVEL, 'INFO');
  });

  it('serves the FunctionUrlConfig', async () => {
    const config = await client.send(
      new GetFunctionUrlConfigCommand({ FunctionName: 'HelloWorldFunction' }),
    );
    assert.equal(config.AuthType, 'NONE');
    const urlId = /^http:\/\/([a-z0-9]{32})\./.exec(config.FunctionUrl ?? '')?.[1];
    const response = await curl([`${served.url}/_asimov/lambda-url/${urlId}/hello`]);
    assert.equal(response.status, 200);
    assert.equal((response.json() as Body).message, 'Bonjour world');
  });

  it('runs an edited handler at the next invoke, within 300 ms of the write', async () => {
    const file = path.join(dir, 'hello-world', 'app.js');
    const original = await fs.readFile(file, 'utf8');
    assert.equal(bodyOf((await invoke(client, 'HelloWorldFunction')).json).runtime, 'nodejs');
    try {
      const { best, all } = await fastestOf(3, (i) =>
        untilNewResult(
          () => fs.writeFile(file, original.replace("runtime: 'nodejs'", `runtime: 'edit ${i}'`)),
          async () => bodyOf((await invoke(client, 'HelloWorldFunction')).json).runtime,
          `edit ${i}`,
        ),
      );
      console.log(`# hot reload: new result ${all.join(', ')} ms after the writes`);
      assert.ok(best < 300, `the new code ran ${all.join(', ')} ms after the writes`);
    } finally {
      await fs.writeFile(file, original);
    }
  });

  it('runs an edited Python handler too', async () => {
    const file = path.join(dir, 'hello-python', 'app.py');
    const original = await fs.readFile(file, 'utf8');
    try {
      const { best, all } = await fastestOf(3, (i) =>
        untilNewResult(
          () => fs.writeFile(file, original.replace('"runtime": "python"', `"runtime": "py${i}"`)),
          async () => bodyOf((await invoke(client, 'HelloPythonFunction')).json).runtime,
          `py${i}`,
        ),
      );
      assert.ok(best < 300, `${all.join(', ')} ms`);
    } finally {
      await fs.writeFile(file, original);
    }
  });

  it('picks up a change to the template file itself', async () => {
    const file = path.join(dir, 'template.yaml');
    const original = await fs.readFile(file, 'utf8');
    await fs.writeFile(file, original.replace('Timeout: 10', 'Timeout: 12'));
    const deadline = Date.now() + 10_000;
    let timeout: number | undefined;
    while (Date.now() < deadline) {
      timeout = (
        await client.send(
          new GetFunctionConfigurationCommand({ FunctionName: 'HelloWorldFunction' }),
        )
      ).Timeout;
      if (timeout === 12) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(timeout, 12);
    assert.match(
      served.output(),
      /template\.yaml changed: serving HelloWorldFunction, HelloPythonFunction/,
    );
    assert.equal(
      bodyOf((await invoke(client, 'HelloWorldFunction')).json).message,
      'Bonjour world',
    );
  });

  it('keeps serving when a template edit is broken, saying what is wrong', async () => {
    const file = path.join(dir, 'template.yaml');
    const original = await fs.readFile(file, 'utf8');
    await fs.writeFile(file, original.replace('Runtime: python3.12', 'Runtime: [python3.12]'));
    const deadline = Date.now() + 10_000;
    while (!/changed, not applied/.test(served.output()) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    assert.match(
      served.output(),
      /changed, not applied: resource HelloPythonFunction, property Runtime: must be a string/,
    );
    assert.equal(bodyOf((await invoke(client, 'HelloPythonFunction')).json).runtime, 'python');
    await fs.writeFile(file, original);
  });

  it('hot-reloads a function created through the hot-reload bucket with the aws CLI', async () => {
    const folder = path.join(dir, 'cli-function');
    await fs.mkdir(folder, { mode: 0o755 });
    await fs.writeFile(path.join(folder, 'index.js'), 'exports.handler = async () => "one";');
    const created = await aws(served.url, [
      'lambda',
      'create-function',
      '--function-name',
      'cli-hot',
      '--runtime',
      'nodejs22.x',
      '--handler',
      'index.handler',
      '--role',
      'arn:aws:iam::000000000000:role/r',
      '--code',
      `S3Bucket=hot-reload,S3Key=${folder}`,
    ]);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(JSON.parse(created.stdout).CodeSha256, 'hot-reloading-hash-not-available');
    await aws(served.url, ['lambda', 'wait', 'function-active-v2', '--function-name', 'cli-hot']);
    const outFile = path.join(dir, 'cli-hot.json');
    const cliInvoke = async (): Promise<unknown> => {
      await aws(served.url, ['lambda', 'invoke', '--function-name', 'cli-hot', outFile]);
      return JSON.parse(await fs.readFile(outFile, 'utf8'));
    };
    assert.equal(await cliInvoke(), 'one');
    await untilNewResult(
      () => fs.writeFile(path.join(folder, 'index.js'), 'exports.handler = async () => "two";'),
      cliInvoke,
      'two',
    );
  });
});
