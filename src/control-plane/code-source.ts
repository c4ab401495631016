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
