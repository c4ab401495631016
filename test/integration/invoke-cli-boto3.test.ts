import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { aws, boto3 } from '../helpers/cli.js';
import { deploy } from '../helpers/functions.js';
import { lambdaClient, startTestServer } from '../helpers/server.js';

describe('Invoke through the aws CLI and boto3', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let dir: string;
  before(async () => {
    server = await startTestServer({ inMemory: true });
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'asimov-invoke-cli-'));
    const client = lambdaClient(server.url);
    await deploy(client, 'node-echo', {
      'index.js':
        'exports.handler = async (e) => { console.log("seen", e.n); return { n: e.n }; };',
    });
    await deploy(
      client,
      'py-echo',
      {
        'app.py':
          'def handler(e, c):\n    print("py seen", e.get("n"))\n    return {"n": e.get("n"), "fn": c.function_name}\n',
      },
      { Runtime: 'python3.11', Handler: 'app.handler' },
    );
    await deploy(
      client,
      'py-fail',
      { 'app.py': 'def handler(e, c):\n    raise KeyError("missing")\n' },
      { Runtime: 'python3.11', Handler: 'app.handler' },
    );
  });
  after(async () => {
    await server.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('aws lambda invoke writes the payload to a file and reports status, version and Tail logs', async () => {
    const out = path.join(dir, 'out.json');
    const result = await aws(server.url, [
      'lambda',
      'invoke',
      '--function-name',
      'node-echo',
      '--payload',
      '{"n": 7}',
      '--log-type',
      'Tail',
      out,
    ]);
    assert.equal(result.code, 0, result.stderr);
    const meta = JSON.parse(result.stdout);
    assert.equal(meta.StatusCode, 200);
    assert.equal(meta.ExecutedVersion, '$LATEST');
    assert.match(
      Buffer.from(meta.LogResult, 'base64').toString(),
      /INFO\tseen 7\n[\s\S]*REPORT RequestId/,
    );
    assert.deepEqual(JSON.parse(await fs.readFile(out, 'utf8')), { n: 7 });
  });

  it('aws lambda invoke reports a function error', async () => {
    const out = path.join(dir, 'err.json');
    const result = await aws(server.url, ['lambda', 'invoke', '--function-name', 'py-fail', out]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).FunctionError, 'Unhandled');
    const body = JSON.parse(await fs.readFile(out, 'utf8'));
    assert.equal(body.errorType, 'KeyError');
    assert.equal(body.errorMessage, "'missing'");
  });

  it('boto3 invokes Python and Node.js functions, with errors and Tail logs', async () => {
    const printed = await boto3(
      server.url,
      `out = {}
for name in ("py-echo", "node-echo", "py-fail"):
    r = client.invoke(FunctionName=name, Payload=json.dumps({"n": 3}), LogType="Tail")
    out[name] = {
        "status": r["StatusCode"],
        "error": r.get("FunctionError"),
        "payload": json.loads(r["Payload"].read()),
        "log": base64.b64decode(r["LogResult"]).decode(),
    }
try:
    client.invoke(FunctionName="ghost")
except client.exceptions.ResourceNotFoundException as e:
    out["ghost"] = e.response["Error"]["Message"]
print(json.dumps(out))
`,
    );
    const out = JSON.parse(printed);
    assert.deepEqual(out['py-echo'].payload, { n: 3, fn: 'py-echo' });
    assert.match(out['py-echo'].log, /py seen 3/);
    assert.deepEqual(out['node-echo'].payload, { n: 3 });
    assert.equal(out['py-fail'].error, 'Unhandled');
    assert.equal(out['py-fail'].payload.errorType, 'KeyError');
    assert.equal(
      out.ghost,
      'Function not found: arn:aws:lambda:us-east-1:000000000000:function:ghost',
    );
  });
});
