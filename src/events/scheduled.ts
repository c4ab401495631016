import type { ScheduledEvent } from 'aws-lambda';
import { sourceArn, uuid, value, type EventValues } from './event-options.js';

/** What an EventBridge (CloudWatch Events) schedule rule sends: time to the second, empty detail. */
export function scheduledEvent(values: EventValues, now = new Date()): ScheduledEvent<object> {
  return {
    version: '0',
    id: uuid(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: value(values, 'account-id'),
    time: `${now.toISOString().slice(0, 19)}Z`,
    region: value(values, 'region'),
    resources: [sourceArn(values, 'events', `rule/${value(values, 'rule')}`)],
    detail: {},
  };
}
