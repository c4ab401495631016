import type { SQSEvent } from 'aws-lambda';
import { md5, sourceArn, upperAlnum, uuid, value, type EventValues } from './event-options.js';

/** One message as Lambda's SQS poller delivers it (ReceiveMessage with all attributes). */
export function sqsReceiveMessageEvent(values: EventValues, now = new Date()): SQSEvent {
  const body = value(values, 'body');
  const sent = now.getTime() - 25;
  return {
    Records: [
      {
        messageId: uuid(),
        receiptHandle: `AQEB${Buffer.from(upperAlnum(96)).toString('base64')}`,
        body,
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(sent),
          SenderId: `AIDA${upperAlnum(17)}`,
          ApproximateFirstReceiveTimestamp: String(sent + 12),
        },
        messageAttributes: {},
        md5OfBody: md5(body),
        eventSource: 'aws:sqs',
        eventSourceARN: sourceArn(values, 'sqs', value(values, 'queue-name')),
        awsRegion: value(values, 'region'),
      },
    ],
  };
}
