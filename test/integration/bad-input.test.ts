import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { buildZip } from '../helpers/zip-builder.js';
import { lambdaClient, ROLE, startTestServer } from '../helpers/server.js';

/**
 * One test per class of bad input: each asserts AWS's status, error code (x-amzn-ErrorType) and
 * message, and that nothing was stored — no function, no code blob, no extracted tree.
 */
describe('bad input gets AWS errors and stores nothing', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  const good = () => ({
    FunctionName: 'victim',
    Runtime: 'nodejs20.x',
    Handler: 'index.handler',
    Role: ROLE,
    Code: {
      ZipFile: buildZip({ 'index.js': 'exports.handler = async () => 1;' }).toString('base64'),
    },
  });

  async function post(body: string | Buffer, headers: Record<string, string> = {}) {
    const res = await fetch(`${server.url}/2015-03-31/functions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : new Uint8Array(body),
    });
    return {
      status: res.status,
      type: res.headers.get('x-amzn-errortype'),
      body: (await res.json()) as Record<string, string>,
    };
  }

  async function assertNothingStored() {
    const list = await lambdaClient(server.url).send(new ListFunctionsCommand({}));
    assert.deepEqual(list.Functions, []);
    const code = path.join(server.dataDir, 'code');
    assert.deepEqual(await fs.readdir(path.join(code, 'blobs')), []);
    assert.deepEqual(await fs.readdir(path.join(code, 'trees')), []);
    const metadata = await fs
      .readFile(path.join(server.dataDir, 'metadata.json'), 'utf8')
      .catch(() => '{"functions":{}}');
    assert.deepEqual(JSON.parse(metadata).functions, {});
  }

  async function expectError(
    body: unknown,
    status: number,
    type: string,
    message: RegExp | string,
  ) {
    const res = await post(typeof body === 'string' ? body : JSON.stringify(body));
    assert.equal(res.status, status, JSON.stringify(res.body));
    assert.equal(res.type, type);
    assert.equal(res.body.Type, 'User');
    const text = res.body.message ?? res.body.Message;
    if (typeof message === 'string') assert.equal(text, message);
    else assert.match(text as string, message);
    await assertNothingStored();
  }

  it('malformed JSON', async () => {
    await expectError(
      '{"FunctionName": ',
      400,
      'InvalidRequestContentException',
      /^Could not parse request body into json/,
    );
  });

  it('wrong JSON types', async () => {
    await expectError(
      { ...good(), Timeout: 'three' },
      400,
      'InvalidRequestContentException',
      /Timeout/,
    );
    await expectError(
      { ...good(), Environment: { Variables: { A: 1 } } },
      400,
      'InvalidRequestContentException',
      /Environment/,
    );
  });

  it('missing required members', async () => {
    const { Role: _role, ...noRole } = good();
    await expectError(
      noRole,
      400,
      'ValidationException',
      "1 validation error detected: Value null at 'role' failed to satisfy constraint: Member must not be null",
    );
  });

  it('out-of-range values', async () => {
    await expectError(
      { ...good(), MemorySize: 64 },
      400,
      'ValidationException',
      "1 validation error detected: Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128",
    );
    await expectError(
      { ...good(), Timeout: 901 },
      400,
      'ValidationException',
      /at 'timeout' .* less than or equal to 900/,
    );
    await expectError(
      { ...good(), EphemeralStorage: { Size: 20000 } },
      400,
      'ValidationException',
      /ephemeralStorage.size/,
    );
    await expectError(
      { ...good(), MemorySize: 20000 },
      400,
      'InvalidParameterValueException',
      /10240/,
    );
    await expectError(
      { ...good(), Description: 'x'.repeat(257) },
      400,
      'ValidationException',
      /at 'description'/,
    );
  });

  it('names that break the AWS patterns', async () => {
    await expectError(
      { ...good(), FunctionName: 'has space' },
      400,
      'ValidationException',
      /at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern/,
    );
    await expectError(
      { ...good(), FunctionName: 'a'.repeat(65) },
      400,
      'ValidationException',
      /functionName/,
    );
    await expectError({ ...good(), Role: 'not-a-role' }, 400, 'ValidationException', /at 'role'/);
  });

  it('unknown and deprecated runtimes', async () => {
    await expectError(
      { ...good(), Runtime: 'cobol85' },
      400,
      'ValidationException',
      /at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: \[nodejs,/,
    );
    await expectError(
      { ...good(), Runtime: 'python2.7' },
      400,
      'InvalidParameterValueException',
      'The runtime parameter of python2.7 is no longer supported for creating or updating AWS Lambda functions. We recommend you use the new runtime (python3.14) while creating or updating functions.',
    );
  });

  it('reserved and oversized environment variables', async () => {
    await expectError(
      { ...good(), Environment: { Variables: { AWS_REGION: 'x' } } },
      400,
      'InvalidParameterValueException',
      /reserved keys .* AWS_REGION/,
    );
    await expectError(
      { ...good(), Environment: { Variables: { BIG: 'x'.repeat(5000) } } },
      400,
      'InvalidParameterValueException',
      /exceeded the 4KB limit/,
    );
  });

  it('S3 sources, which do not exist here', async () => {
    await expectError(
      { ...good(), Code: { S3Bucket: 'bucket', S3Key: 'key.zip' } },
      400,
      'InvalidParameterValueException',
      /NoSuchBucket/,
    );
  });

  const UNZIP = 'Could not unzip uploaded file. Please check your file, then try to upload again.';
  const withZip = (zip: Buffer) => ({ ...good(), Code: { ZipFile: zip.toString('base64') } });

  it('corrupt zips', async () => {
    await expectError(
      withZip(Buffer.from('this is not a zip at all')),
      400,
      'InvalidParameterValueException',
      UNZIP,
    );
    const truncated = buildZip({ 'index.js': 'x'.repeat(1000) }).subarray(0, 60);
    await expectError(withZip(truncated), 400, 'InvalidParameterValueException', UNZIP);
  });

  it('zip entries escaping the root (zip-slip)', async () => {
    for (const name of ['../evil.js', '/etc/evil.js', 'a/../../evil.js']) {
      await expectError(
        withZip(buildZip([{ name, content: 'x' }])),
        400,
        'InvalidParameterValueException',
        UNZIP,
      );
    }
    await expectError(
      withZip(buildZip([{ name: 'link', symlinkTarget: '../../etc/passwd' }])),
      400,
      'InvalidParameterValueException',
      UNZIP,
    );
  });

  it('zip bombs and packages over 250 MB unzipped', async () => {
    // 300 MB of zeros deflates to about 300 KB: small on the wire, too big once unpacked.
    const zeros = Buffer.alloc(30 * 1024 * 1024);
    const entries = Array.from({ length: 10 }, (_, i) => ({
      name: `zero-${i}.bin`,
      content: zeros,
    }));
    await expectError(
      withZip(buildZip(entries)),
      400,
      'InvalidParameterValueException',
      'Unzipped size must be smaller than 262144000 bytes',
    );
    assert.ok(deflateRawSync(Buffer.alloc(10)).length > 0);
  });

  it('uploads over 50 MB zipped', async () => {
    const res = await post(Buffer.alloc(70_000_000, 0x20));
    assert.equal(res.status, 413);
    assert.equal(res.type, 'RequestEntityTooLargeException');
    assert.equal(
      res.body.message,
      'Request must be smaller than 69905067 bytes for the CreateFunction operation',
    );
    await assertNothingStored();
  });

  it('duplicate names', async () => {
    const client = lambdaClient(server.url);
    assert.equal((await post(JSON.stringify(good()))).status, 201);
    const res = await post(JSON.stringify(good()));
    assert.equal(res.status, 409);
    assert.equal(res.type, 'ResourceConflictException');
    assert.equal(res.body.message, 'Function already exist: victim');
    const list = await client.send(new ListFunctionsCommand({}));
    assert.equal(list.Functions?.length, 1);
    await fetch(`${server.url}/2015-03-31/functions/victim`, { method: 'DELETE' });
  });

  it('unknown functions', async () => {
    for (const [method, suffix] of [
      ['GET', ''],
      ['GET', '/configuration'],
      ['DELETE', ''],
      ['PUT', '/configuration'],
    ] as const) {
      const res = await fetch(`${server.url}/2015-03-31/functions/ghost${suffix}`, {
        method,
        ...(method === 'PUT' ? { body: '{"Timeout": 5}' } : {}),
      });
      assert.equal(res.status, 404);
      assert.equal(res.headers.get('x-amzn-errortype'), 'ResourceNotFoundException');
      assert.deepEqual(await res.json(), {
        Type: 'User',
        Message: 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:ghost',
      });
    }
    await assertNothingStored();
  });

  it('unknown operations', async () => {
    const res = await fetch(`${server.url}/2099-01-01/nothing-here`);
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('x-amzn-errortype'), 'UnknownOperationException');
    assert.ok(res.headers.get('x-amzn-requestid'));
  });
});
