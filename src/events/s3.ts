import type { S3Event } from 'aws-lambda';
import { hex, upperAlnum, value, type EventValues } from './event-options.js';

/**
 * An S3 `ObjectCreated:Put` notification (event version 2.1) for one object. S3 writes the
 * key URL-encoded as a form value (a space becomes `+`, slashes stay), so handlers must decode it.
 */
export function s3PutEvent(values: EventValues, now = new Date()): S3Event {
  const bucket = value(values, 'bucket');
  const principalId = `AWS:AIDA${upperAlnum(17)}`;
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: value(values, 'region'),
        eventTime: now.toISOString(),
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId },
        requestParameters: { sourceIPAddress: '203.0.113.10' },
        responseElements: {
          'x-amz-request-id': upperAlnum(16),
          'x-amz-id-2': `${Buffer.from(hex(48), 'hex').toString('base64')}`,
        },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: value(values, 'configuration-id'),
          bucket: {
            name: bucket,
            ownerIdentity: { principalId: upperAlnum(14) },
            arn: `arn:${value(values, 'partition')}:s3:::${bucket}`,
          },
          object: {
            key: s3EventKey(value(values, 'key')),
            size: Number(value(values, 'size')),
            eTag: hex(16),
            sequencer: hex(9).toUpperCase(),
          },
        },
      },
    ],
  };
}

/** S3's notification encoding of a key: form-URL-encoded, with `/` left as is. */
export function s3EventKey(key: string): string {
  return new URLSearchParams({ k: key }).toString().slice(2).replace(/%2F/g, '/');
}
