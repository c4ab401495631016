import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  CreateFunctionCommand,
  GetFunctionCommand,
  PublishLayerVersionCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { deploy } from '../helpers/functions.js';
import { ROLE, useTestServer } from '../helpers/server.js';
import { buildZip, deflatedZeros } from '../helpers/zip-builder.js';

/**
 * AWS's 250 MB rule for code and layers together: each package alone is under the limit, the
 * sum is not (InvalidParameterValueException with AWS's message), and nothing is stored.
 */
const MB = 1024 * 1024;
const LIMIT = 262_144_000;

/** A zip of `mb` megabytes of zeros in one file, a few hundred KB on the wire. */
function zerosZip(mb: number, extra: Record<string, string> = {}): Buffer {
  const zeros = deflatedZeros(mb * MB);
  return buildZip([
    ...Object.entries(extra).map(([name, content]) => ({ name, content })),
    { name: 'zeros.bin', deflated: zeros.deflated, declaredSize: zeros.size, crc32: zeros.crc32 },
  ]);
}

const tooBig = (bytes: number) =>
  `Function code combined with layers exceeds the maximum allowed size of ${LIMIT} bytes. The actual size is ${bytes} bytes.`;

describe('code and layers together within 250 MB unzipped', () => {
  let client: LambdaClient;
  let layer: string;
  let layerBytes: number;
  useTestServer({ inMemory: true }, (_server, c) => (client = c));
  before(async () => {
    const published = await client.send(
      new PublishLayerVersionCommand({ LayerName: 'zeros', Content: { ZipFile: zerosZip(150) } }),
    );
    layer = published.LayerVersionArn!;
    layerBytes = 150 * MB;
  });

  const refused = async (send: () => Promise<unknown>, bytes: number) => {
    await assert.rejects(send, (err: Error & { name: string }) => {
      assert.equal(err.name, 'InvalidParameterValueException');
      assert.equal(err.message, tooBig(bytes));
      return true;
    });
  };

  it('refuses CreateFunction over the limit, and stores no function', async () => {
    const handler = { 'index.js': 'exports.handler = async () => 1;' };
    const code = zerosZip(120, handler);
    const codeBytes = 120 * MB + handler['index.js'].length;
    await refused(
      () =>
        client.send(
          new CreateFunctionCommand({
            FunctionName: 'too-big',
            Runtime: 'nodejs20.x',
            Handler: 'index.handler',
            Role: ROLE,
            Code: { ZipFile: code },
            Layers: [layer],
          }),
        ),
      codeBytes + layerBytes,
    );
    await assert.rejects(
      client.send(new GetFunctionCommand({ FunctionName: 'too-big' })),
      /ResourceNotFoundException|Function not found/,
    );
  });

  it('refuses UpdateFunctionConfiguration adding the layer, and UpdateFunctionCode growing the code', async () => {
    const handler = { 'index.js': 'exports.handler = async () => 1;' };
    await deploy(client, 'grows', {}, { Code: { ZipFile: zerosZip(120, handler) } });
    const codeBytes = 120 * MB + handler['index.js'].length;
    await refused(
      () =>
        client.send(
          new UpdateFunctionConfigurationCommand({ FunctionName: 'grows', Layers: [layer] }),
        ),
      codeBytes + layerBytes,
    );

    await deploy(client, 'small', handler, { Layers: [layer] });
    for (const DryRun of [true, false]) {
      await refused(
        () =>
          client.send(
            new UpdateFunctionCodeCommand({
              FunctionName: 'small',
              ZipFile: zerosZip(120, handler),
              DryRun,
            }),
          ),
        codeBytes + layerBytes,
      );
    }
    const unchanged = await client.send(new GetFunctionCommand({ FunctionName: 'small' }));
    assert.ok(unchanged.Configuration!.CodeSize! < 1024, 'the small code stays');
  });
});
