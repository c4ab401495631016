import {
  CreateFunctionCommand,
  InvokeCommand,
  waitUntilFunctionActiveV2,
  type CreateFunctionCommandInput,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { buildZip, type ZipEntryInput } from './zip-builder.js';
import { ROLE } from './server.js';

export type Files = Record<string, string | Buffer> | ZipEntryInput[];

/**
 * Waiter timing for `waitUntilFunction…V2({ client, ...WAIT }, …)`. The SDK's defaults poll again
 * only after a second, sized for AWS, where Pending lasts seconds; ours ends once the code is
 * extracted, milliseconds later, so each wait would otherwise be a second of idling.
 */
export const WAIT = { maxWaitTime: 30, minDelay: 0.02, maxDelay: 0.5 };

/** Creates a function from files and waits until it is Active, as a careful AWS user would. */
export async function deploy(
  client: LambdaClient,
  name: string,
  files: Files,
  options: Partial<CreateFunctionCommandInput> = {},
): Promise<void> {
  await client.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Role: ROLE,
      Code: { ZipFile: buildZip(files) },
      ...options,
    }),
  );
  await waitUntilFunctionActiveV2({ client, ...WAIT }, { FunctionName: name });
}

export interface Invoked {
  status?: number;
  functionError?: string;
  executedVersion?: string;
  text: string;
  json: unknown;
  log: string;
}

/** Invokes with Tail logs and decodes everything a test looks at. */
export async function invoke(
  client: LambdaClient,
  name: string,
  payload: unknown = {},
  extra: { Qualifier?: string; ClientContext?: string } = {},
): Promise<Invoked> {
  const result = await client.send(
    new InvokeCommand({
      FunctionName: name,
      Payload: Buffer.from(JSON.stringify(payload)),
      LogType: 'Tail',
      ...extra,
    }),
  );
  const text = Buffer.from(result.Payload ?? []).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return {
    status: result.StatusCode,
    functionError: result.FunctionError,
    executedVersion: result.ExecutedVersion,
    text,
    json,
    log: Buffer.from(result.LogResult ?? '', 'base64').toString('utf8'),
  };
}
