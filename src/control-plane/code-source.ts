import fs from 'node:fs/promises';
import path from 'node:path';
import { invalidParameter, LambdaError } from '../aws/errors.js';

interface CodeSourceInput {
  ZipFile?: string;
  S3Bucket?: string;
  S3Key?: string;
  ImageUri?: string;
}

/**
 * Where a zip package comes from. Only ZipFile exists here: there is no S3 on this server, so
 * every bucket answers as AWS answers for a bucket that does not exist. An ImageUri alone is no
 * source for a Zip function, as on AWS.
 */
export function requireZipSource(code: CodeSourceInput): string {
  if (code.ZipFile !== undefined) return code.ZipFile;
  if (code.S3Bucket !== undefined || code.S3Key !== undefined) {
    throw invalidParameter(
      'Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket does not exist',
    );
  }
  throw invalidParameter('Please provide a source for function code.');
}

/** Blobs travel as base64 in REST-JSON; anything else in the string is a deserialization error. */
const BASE64 = /^[A-Za-z0-9+/\r\n]*={0,2}$/;

export function decodeZipFile(base64: string): Buffer {
  if (!BASE64.test(base64)) {
    throw new LambdaError(
      'InvalidRequestContentException',
      'Could not parse request body into json: Could not parse payload into json: Failed to decode VALUE_STRING as base64 (MIME-NO-LINEFEEDS): Illegal character',
    );
  }
  return Buffer.from(base64, 'base64');
}

/**
 * LocalStack's hot-reload convention, which its users' tooling already speaks: code in bucket
 * `hot-reload` under the key of an absolute local folder is run from that folder, not packaged.
 */
export const HOT_RELOAD_BUCKET = 'hot-reload';

/** The CodeSha256 LocalStack reports for such code: there is no package to hash. */
export const HOT_RELOAD_SHA256 = 'hot-reloading-hash-not-available';

/** A package to store, or a local folder to run from (the hot-reload convention). */
export type CodePackage = { zip: Buffer; folder?: undefined } | { folder: string; zip?: undefined };

export async function codePackage(code: CodeSourceInput): Promise<CodePackage> {
  if (code.S3Bucket !== HOT_RELOAD_BUCKET) return { zip: decodeZipFile(requireZipSource(code)) };
  return { folder: await hotReloadFolder(code.S3Key ?? '') };
}

async function hotReloadFolder(key: string): Promise<string> {
  if (!path.isAbsolute(key)) {
    throw invalidParameter(
      `Code in the ${HOT_RELOAD_BUCKET} bucket must name an absolute local folder as S3Key, got '${key}'.`,
    );
  }
  const stat = await fs.stat(key).catch(() => undefined);
  if (!stat?.isDirectory()) {
    throw invalidParameter(`The hot-reload folder ${key} does not exist or is not a folder.`);
  }
  return path.resolve(key);
}
