import type { DynamoDBRecord, DynamoDBStreamEvent, StreamRecord } from 'aws-lambda';
import { hex, sourceArn, value, type EventValues } from './event-options.js';

type Image = NonNullable<StreamRecord['NewImage']>;

/**
 * A batch from a table's stream (view type NEW_AND_OLD_IMAGES) as Lambda's poller delivers it:
 * an item inserted, modified and removed, with increasing sequence numbers.
 */
export function dynamodbUpdateEvent(values: EventValues, now = new Date()): DynamoDBStreamEvent {
  const streamLabel = now.toISOString().slice(0, -1); // the stream's creation time, without the Z
  const arn = sourceArn(
    values,
    'dynamodb',
    `table/${value(values, 'table')}/stream/${streamLabel}`,
  );
  const keys: Image = { Id: { N: '101' } };
  const created: Image = { ...keys, Message: { S: 'New item!' } };
  const changed: Image = { ...keys, Message: { S: 'This item has changed' } };
  const base = BigInt(`4421584500000000017${String(now.getTime()).slice(-9)}`);
  const record = (
    eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
    n: number,
    images: Pick<StreamRecord, 'NewImage' | 'OldImage'>,
  ): DynamoDBRecord => ({
    eventID: hex(16),
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: value(values, 'region'),
    dynamodb: {
      ApproximateCreationDateTime: Math.floor(now.getTime() / 1000),
      Keys: keys,
      ...images,
      SequenceNumber: String(base + BigInt(n)),
      SizeBytes: [keys, images.NewImage, images.OldImage].reduce((n, i) => n + imageSize(i), 0),
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
    eventSourceARN: arn,
  });
  return {
    Records: [
      record('INSERT', 0, { NewImage: created }),
      record('MODIFY', 1, { NewImage: changed, OldImage: created }),
      record('REMOVE', 2, { OldImage: changed }),
    ],
  };
}

/** DynamoDB's size of a stream record's parts: each attribute's name and value, in bytes. */
function imageSize(image: Image | undefined): number {
  let size = 0;
  for (const [name, attribute] of Object.entries(image ?? {}))
    size += Buffer.byteLength(name) + Buffer.byteLength(attribute.S ?? attribute.N ?? '');
  return size;
}
