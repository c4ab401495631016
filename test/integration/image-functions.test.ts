import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import {
  CreateFunctionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  PublishVersionCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
  type CreateFunctionCommandInput,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { deploy, invoke, WAIT } from '../helpers/functions.js';
import { executorsUnderTest } from '../helpers/executors.js';
import { lambdaClient, ROLE, startTestServer, useTestServer } from '../helpers/server.js';
import { aws } from '../helpers/cli.js';

const docker = executorsUnderTest().find((e) => e.name === 'docker')!;

/** The function images this file builds, from local Dockerfiles (no registry). */
const IMAGES = {
  v1: 'asimov-test/image-fn:v1',
  v2: 'asimov-test/image-fn:v2',
  pinned: 'asimov-test/image-fn:pinned',
  custom: 'asimov-test/image-custom:1',
};

const handlerSource = (version: string): string => `
exports.handler = async (event) => ({
  version: '${version}',
  handler: process.env._HANDLER,
  taskRoot: process.env.LAMBDA_TASK_ROOT,
  cwd: process.cwd(),
  uid: process.getuid(),
  greeting: process.env.GREETING,
  functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
  event,
});
exports.other = async () => ({ other: '${version}' });
`;

/** A provided-style runtime in shell and curl, as the image's own ENTRYPOINT. */
const CURL_BOOTSTRAP = `#!/bin/sh
set -eu
API="http://\${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation"
while true; do
  HEADERS=$(mktemp)
  EVENT=$(curl -sS -D "$HEADERS" "$API/next")
  ID=$(grep -i '^lambda-runtime-aws-request-id:' "$HEADERS" | tr -d '\\r' | cut -d' ' -f2)
  echo "custom runtime got $ID"
  printf '{"handler":"%s","pwd":"%s","args":"%s","event":%s}' "$_HANDLER" "$(pwd)" "$*" "$EVENT" |
    curl -sS -X POST "$API/$ID/response" -d @- >/dev/null
done
`;

function dockerCli(args: string[]): string {
  const run = spawnSync('docker', args, {
    encoding: 'utf8',
    env: { ...process.env, DOCKER_BUILDKIT: '0' },
  });
  if (run.status !== 0) throw new Error(`docker ${args.join(' ')}: ${run.stderr}`);
  return run.stdout.trim();
}

/** Builds a tag from a Dockerfile and files in a scratch context. */
function buildImage(tag: string, files: Record<string, string>): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'asimov-image-'));
  try {
    for (const [name, text] of Object.entries(files)) {
      fs.writeFileSync(path.join(dir, name), text, { mode: 0o755 });
    }
    dockerCli(['build', '-q', '-t', tag, dir]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const imageId = (tag: string): string =>
  dockerCli(['image', 'inspect', '--format', '{{.Id}}', tag]).replace(/^sha256:/, '');

function buildTestImages(): void {
  for (const version of ['v1', 'v2'] as const) {
    buildImage(IMAGES[version], {
      Dockerfile: [
        'FROM asimov/lambda-nodejs:local',
        'COPY index.js ${LAMBDA_TASK_ROOT}/',
        'CMD ["index.handler"]',
      ].join('\n'),
      'index.js': handlerSource(version),
    });
  }
  buildImage(IMAGES.custom, {
    Dockerfile: [
      'FROM asimov/lambda-provided:al2023-local',
      'COPY bootstrap /usr/local/bin/bootstrap',
      'WORKDIR /var/task',
      'ENTRYPOINT ["/usr/local/bin/bootstrap"]',
      'CMD ["greet.handler"]',
    ].join('\n'),
    bootstrap: CURL_BOOTSTRAP,
  });
}

async function createImageFunction(
  client: LambdaClient,
  name: string,
  imageUri: string,
  extra: Partial<CreateFunctionCommandInput> = {},
) {
  const created = await client.send(
    new CreateFunctionCommand({
      FunctionName: name,
      PackageType: 'Image',
      Code: { ImageUri: imageUri },
      Role: ROLE,
      ...extra,
    }),
  );
  await waitUntilFunctionActiveV2({ client, ...WAIT }, { FunctionName: name });
  return created;
}

async function refused(
  promise: Promise<unknown>,
  code: string,
  message: RegExp | string,
): Promise<void> {
  await assert.rejects(promise, (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(err.name, code);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

describe('PackageType Image functions', { skip: docker.skip }, () => {
  let client: LambdaClient;
  let url: string;
  before(() => buildTestImages());
  // The process executor: Image functions get a docker executor of their own.
  useTestServer({ inMemory: true }, (server, c) => {
    client = c;
    url = server.url;
  });

  it('creates an image function as AWS shows one: digest as CodeSha256, CodeSize 0, no runtime', async () => {
    const created = await createImageFunction(client, 'img', IMAGES.v1, {
      Environment: { Variables: { GREETING: 'hello' } },
    });
    const digest = imageId(IMAGES.v1);
    assert.equal(created.PackageType, 'Image');
    assert.equal(created.CodeSha256, digest);
    assert.equal(created.CodeSize, 0);
    assert.equal(created.Runtime, undefined);
    assert.equal(created.Handler, undefined);
    assert.equal(created.ImageConfigResponse, undefined);
    assert.equal(created.State, 'Pending');
    const got = await client.send(new GetFunctionCommand({ FunctionName: 'img' }));
    assert.deepEqual(got.Code, {
      RepositoryType: 'ECR',
      ImageUri: IMAGES.v1,
      ResolvedImageUri: `asimov-test/image-fn@sha256:${digest}`,
    });
    assert.equal(got.Configuration?.State, 'Active');
    assert.equal(got.Configuration?.RuntimeVersionConfig, undefined);
  });

  it("runs the image's own ENTRYPOINT and CMD as sbx_user1051, with Lambda's variables", async () => {
    const result = await invoke(client, 'img', { n: 1 });
    assert.equal(result.functionError, undefined, result.text);
    assert.deepEqual(result.json, {
      version: 'v1',
      handler: 'index.handler',
      taskRoot: '/var/task',
      cwd: '/var/task',
      uid: 993,
      greeting: 'hello',
      functionName: 'img',
      event: { n: 1 },
    });
    assert.match(result.log, /START RequestId: .*\nEND RequestId: .*\nREPORT RequestId: /s);
  });

  it('pins the digest: a tag moved afterwards changes nothing until UpdateFunctionCode', async () => {
    dockerCli(['tag', IMAGES.v1, IMAGES.pinned]);
    await createImageFunction(client, 'pinned', IMAGES.pinned);
    dockerCli(['tag', IMAGES.v2, IMAGES.pinned]);
    assert.equal(((await invoke(client, 'pinned')).json as { version: string }).version, 'v1');
    const updated = await client.send(
      new UpdateFunctionCodeCommand({ FunctionName: 'pinned', ImageUri: IMAGES.pinned }),
    );
    assert.equal(updated.CodeSha256, imageId(IMAGES.v2));
    await waitUntilFunctionUpdatedV2({ client, ...WAIT }, { FunctionName: 'pinned' });
    assert.equal(((await invoke(client, 'pinned')).json as { version: string }).version, 'v2');
  });

  it('updates code to another tag; a published version keeps its image', async () => {
    const published = await client.send(new PublishVersionCommand({ FunctionName: 'img' }));
    assert.equal(published.CodeSha256, imageId(IMAGES.v1));
    const dryRun = await client.send(
      new UpdateFunctionCodeCommand({ FunctionName: 'img', ImageUri: IMAGES.v2, DryRun: true }),
    );
    assert.equal(dryRun.CodeSha256, imageId(IMAGES.v2));
    assert.equal(((await invoke(client, 'img')).json as { version: string }).version, 'v1');
    await client.send(new UpdateFunctionCodeCommand({ FunctionName: 'img', ImageUri: IMAGES.v2 }));
    await waitUntilFunctionUpdatedV2({ client, ...WAIT }, { FunctionName: 'img' });
    const got = await client.send(new GetFunctionCommand({ FunctionName: 'img' }));
    assert.equal(got.Code?.ImageUri, IMAGES.v2);
    assert.equal(got.Configuration?.CodeSha256, imageId(IMAGES.v2));
    assert.equal(((await invoke(client, 'img')).json as { version: string }).version, 'v2');
    const v1 = await invoke(client, 'img', {}, { Qualifier: published.Version });
    assert.equal((v1.json as { version: string }).version, 'v1');
  });

  it('ImageConfig overrides CMD and WORKDIR, and shows as ImageConfigResponse', async () => {
    const updated = await client.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'img',
        ImageConfig: { Command: ['index.other'], WorkingDirectory: '/tmp' },
      }),
    );
    assert.deepEqual(updated.ImageConfigResponse, {
      ImageConfig: { Command: ['index.other'], WorkingDirectory: '/tmp' },
    });
    await waitUntilFunctionUpdatedV2({ client, ...WAIT }, { FunctionName: 'img' });
    assert.deepEqual((await invoke(client, 'img')).json, { other: 'v2' });
    const config = await client.send(new GetFunctionConfigurationCommand({ FunctionName: 'img' }));
    assert.deepEqual(config.ImageConfigResponse?.ImageConfig?.Command, ['index.other']);
  });

  it('runs an image with its own ENTRYPOINT (a shell and curl runtime), CMD as _HANDLER', async () => {
    await createImageFunction(client, 'custom', IMAGES.custom);
    const result = await invoke(client, 'custom', { hi: 'there' });
    assert.equal(result.functionError, undefined, result.text);
    assert.deepEqual(result.json, {
      handler: 'greet.handler',
      pwd: '/var/task',
      args: 'greet.handler',
      event: { hi: 'there' },
    });
    assert.match(result.log, /custom runtime got [0-9a-f-]{36}/);

    await client.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'custom',
        ImageConfig: { EntryPoint: ['/usr/local/bin/bootstrap', 'extra'], WorkingDirectory: '/' },
      }),
    );
    await waitUntilFunctionUpdatedV2({ client, ...WAIT }, { FunctionName: 'custom' });
    assert.deepEqual((await invoke(client, 'custom', 1)).json, {
      handler: 'greet.handler',
      pwd: '/',
      args: 'extra greet.handler',
      event: 1,
    });
  });

  it('GetFunction through the aws CLI shows the ECR code location', async () => {
    const cli = await aws(url, ['lambda', 'get-function', '--function-name', 'img']);
    assert.equal(cli.code, 0, cli.stderr);
    const got = JSON.parse(cli.stdout) as { Code: Record<string, string> };
    assert.equal(got.Code.RepositoryType, 'ECR');
    assert.equal(got.Code.ImageUri, IMAGES.v2);
  });

  describe("AWS's errors", () => {
    const base = { FunctionName: 'bad', Role: ROLE, PackageType: 'Image' as const };
    const onlyImage =
      "Please don't provide Handler or Runtime or Layer when the intended function PackageType is Image.";

    it('refuses Runtime, Handler or Layers with an image', async () => {
      const code = { ImageUri: IMAGES.v1 };
      for (const extra of [
        { Runtime: 'nodejs20.x' as const },
        { Handler: 'index.handler' },
        { Layers: ['arn:aws:lambda:us-east-1:000000000000:layer:l:1'] },
      ]) {
        await refused(
          client.send(new CreateFunctionCommand({ ...base, Code: code, ...extra })),
          'InvalidParameterValueException',
          onlyImage,
        );
      }
      await refused(
        client.send(
          new UpdateFunctionConfigurationCommand({ FunctionName: 'img', Runtime: 'nodejs20.x' }),
        ),
        'InvalidParameterValueException',
        onlyImage,
      );
    });

    it('wants an ImageUri with PackageType Image, and an image that exists', async () => {
      await refused(
        client.send(new CreateFunctionCommand({ ...base, Code: {} })),
        'InvalidParameterValueException',
        'Please provide ImageUri when PackageType is Image.',
      );
      await refused(
        client.send(
          new CreateFunctionCommand({ ...base, Code: { ImageUri: 'asimov-test/missing:nope' } }),
        ),
        'InvalidParameterValueException',
        'Source image asimov-test/missing:nope does not exist. Provide a valid source image.',
      );
      await refused(
        client.send(
          new UpdateFunctionCodeCommand({
            FunctionName: 'img',
            ImageUri: 'asimov-test/missing:nope',
          }),
        ),
        'InvalidParameterValueException',
        'Source image asimov-test/missing:nope does not exist. Provide a valid source image.',
      );
    });

    it('keeps the package type: an ImageUri for an image, never for a zip', async () => {
      await deploy(client, 'zipped', { 'index.js': 'exports.handler = async () => 1;' });
      await refused(
        client.send(new UpdateFunctionCodeCommand({ FunctionName: 'zipped', ImageUri: IMAGES.v1 })),
        'InvalidParameterValueException',
        "Please don't provide ImageUri when updating a function with packageType Zip.",
      );
      await refused(
        client.send(
          new UpdateFunctionCodeCommand({ FunctionName: 'img', ZipFile: Buffer.from('PK') }),
        ),
        'InvalidParameterValueException',
        'Please provide ImageUri when updating a function with packageType Image.',
      );
      await refused(
        client.send(
          new UpdateFunctionConfigurationCommand({
            FunctionName: 'zipped',
            ImageConfig: { Command: ['x'] },
          }),
        ),
        'InvalidParameterValueException',
        "Please don't provide ImageConfig when the intended function PackageType is Zip.",
      );
      await refused(
        client.send(
          new CreateFunctionCommand({
            FunctionName: 'bad',
            Role: ROLE,
            Runtime: 'nodejs20.x',
            Handler: 'index.handler',
            Code: { ImageUri: IMAGES.v1 },
          }),
        ),
        'InvalidParameterValueException',
        'Please provide a source for function code.',
      );
    });

    it('checks the model constraints of PackageType and ImageConfig', async () => {
      await refused(
        client.send(
          new CreateFunctionCommand({
            ...base,
            PackageType: 'Container' as 'Image',
            Code: { ImageUri: IMAGES.v1 },
          }),
        ),
        'ValidationException',
        "1 validation error detected: Value 'Container' at 'packageType' failed to satisfy constraint: Member must satisfy enum value set: [Zip, Image]",
      );
      await refused(
        client.send(
          new CreateFunctionCommand({
            ...base,
            Code: { ImageUri: IMAGES.v1 },
            ImageConfig: { WorkingDirectory: 'x'.repeat(1001) },
          }),
        ),
        'ValidationException',
        /at 'imageConfig.workingDirectory' failed to satisfy constraint: Member must have length less than or equal to 1000/,
      );
    });
  });
});

describe('PackageType Image under the docker executor', { skip: docker.skip }, () => {
  let client: LambdaClient;
  useTestServer({ inMemory: true, executor: 'docker' }, (_server, c) => {
    client = c;
  });

  it('creates and invokes an image function beside zip functions', async () => {
    await createImageFunction(client, 'img', IMAGES.v1);
    const result = await invoke(client, 'img', { n: 2 });
    assert.equal((result.json as { version: string }).version, 'v1');
    assert.equal((result.json as { handler: string }).handler, 'index.handler');
  });
});

describe('PackageType Image with no Docker engine', () => {
  it('answers CreateFunction with an InvalidParameterValueException naming the fix', async () => {
    const server = await startTestServer({
      inMemory: true,
      dockerHost: 'unix:///nonexistent/docker.sock',
    });
    try {
      const client = lambdaClient(server.url);
      await refused(
        client.send(
          new CreateFunctionCommand({
            FunctionName: 'img',
            Role: ROLE,
            PackageType: 'Image',
            Code: { ImageUri: IMAGES.v1 },
          }),
        ),
        'InvalidParameterValueException',
        /^PackageType Image functions run on Docker, and no Docker engine answers at unix:\/\/\/nonexistent\/docker\.sock .*start-dockerd\.sh.*--executor docker/,
      );
      // Zip functions are not affected.
      await deploy(client, 'zipped', { 'index.js': 'exports.handler = async () => 7;' });
      assert.equal((await invoke(client, 'zipped')).json, 7);
    } finally {
      await server.close();
    }
  });
});
