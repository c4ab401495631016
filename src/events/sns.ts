import type { SNSEvent } from 'aws-lambda';
import { hex, sourceArn, uuid, value, type EventValues } from './event-options.js';

/**
 * One notification as SNS delivers it to a subscribed function. Unlike SNS's HTTP deliveries,
 * the Lambda record spells `SigningCertUrl` and `UnsubscribeUrl` with a lower-case `rl`.
 */
export function snsNotificationEvent(values: EventValues, now = new Date()): SNSEvent {
  const topicArn = sourceArn(values, 'sns', value(values, 'topic'));
  const subscriptionArn = `${topicArn}:${uuid()}`;
  const region = value(values, 'region');
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: subscriptionArn,
        Sns: {
          Type: 'Notification',
          MessageId: uuid(),
          TopicArn: topicArn,
          Subject: value(values, 'subject'),
          Message: value(values, 'message'),
          Timestamp: now.toISOString(),
          SignatureVersion: '1',
          Signature: Buffer.from(hex(128), 'hex').toString('base64'),
          SigningCertUrl: `https://sns.${region}.amazonaws.com/SimpleNotificationService-${hex(16)}.pem`,
          UnsubscribeUrl: `https://sns.${region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${subscriptionArn}`,
          MessageAttributes: {},
        },
      },
    ],
  };
}
