import { API_OPTIONS, httpApiEvent, restApiEvent } from './api-gateway.js';
import { dynamodbUpdateEvent } from './dynamodb.js';
import { ACCOUNT_OPTIONS, type EventOption, type EventValues } from './event-options.js';
import { s3PutEvent } from './s3.js';
import { scheduledEvent } from './scheduled.js';
import { snsNotificationEvent } from './sns.js';
import { sqsReceiveMessageEvent } from './sqs.js';

/** One event a service sends to Lambda: `asimov generate-event <service> <event>`. */
export interface EventTemplate {
  help: string;
  /** Its `--name value` options, with SAM's names and defaults. */
  options: readonly EventOption[];
  build(values: EventValues): unknown;
}

const scheduled: EventTemplate = {
  help: 'an EventBridge (CloudWatch Events) schedule rule firing',
  options: [{ name: 'rule', default: 'ExampleRule', help: 'the rule’s name' }, ...ACCOUNT_OPTIONS],
  build: scheduledEvent,
};

/** Services and their events, named as `sam local generate-event` names them. */
export const EVENT_CATALOGUE: Readonly<Record<string, Readonly<Record<string, EventTemplate>>>> = {
  apigateway: {
    'aws-proxy': {
      help: 'a REST API request through a Lambda proxy integration (payload format 1.0)',
      options: [
        ...API_OPTIONS,
        { name: 'resource', default: '/{proxy+}', help: 'the resource the method is on' },
        { name: 'stage', default: 'prod', help: 'the stage' },
      ],
      build: restApiEvent,
    },
    'http-api-proxy': {
      help: 'an HTTP API request (payload format 2.0)',
      options: [
        ...API_OPTIONS,
        { name: 'route-key', default: '$default', help: "the route, e.g. 'GET /items'" },
        { name: 'stage', default: '$default', help: 'the stage' },
      ],
      build: httpApiEvent,
    },
  },
  s3: {
    put: {
      help: 'an object created by PutObject (ObjectCreated:Put)',
      options: [
        { name: 'bucket', default: 'example-bucket', help: 'the bucket' },
        { name: 'key', default: 'test/key', help: 'the object key (URL-encoded in the event)' },
        { name: 'size', default: '1024', help: 'the object size in bytes' },
        { name: 'configuration-id', default: 'testConfigRule', help: 'the notification’s id' },
        ...ACCOUNT_OPTIONS,
      ],
      build: s3PutEvent,
    },
  },
  sqs: {
    'receive-message': {
      help: 'a message received from a queue',
      options: [
        { name: 'body', default: 'Hello from SQS!', help: 'the message body' },
        { name: 'queue-name', default: 'MyQueue', help: 'the queue' },
        ...ACCOUNT_OPTIONS,
      ],
      build: sqsReceiveMessageEvent,
    },
  },
  sns: {
    notification: {
      help: 'a notification published to a topic',
      options: [
        { name: 'message', default: 'example message', help: 'the message' },
        { name: 'subject', default: 'example subject', help: 'the subject' },
        { name: 'topic', default: 'ExampleTopic', help: 'the topic' },
        ...ACCOUNT_OPTIONS,
      ],
      build: snsNotificationEvent,
    },
  },
  dynamodb: {
    update: {
      help: 'a stream batch: an item inserted, modified and removed',
      options: [
        { name: 'table', default: 'ExampleTableWithStream', help: 'the table' },
        ...ACCOUNT_OPTIONS,
      ],
      build: dynamodbUpdateEvent,
    },
  },
  cloudwatch: { 'scheduled-event': scheduled },
  eventbridge: { 'scheduled-event': scheduled },
};

/** Shorter names people reach for; SAM knows only the long ones. */
const EVENT_ALIASES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  apigateway: { rest: 'aws-proxy', 'http-api': 'http-api-proxy' },
  sqs: { message: 'receive-message' },
  eventbridge: { scheduled: 'scheduled-event', schedule: 'scheduled-event' },
  cloudwatch: { scheduled: 'scheduled-event' },
  dynamodb: { stream: 'update' },
};

export function findEvent(service: string, event: string): EventTemplate | undefined {
  const events = EVENT_CATALOGUE[service];
  if (!events) return undefined;
  return events[event] ?? events[EVENT_ALIASES[service]?.[event] ?? ''];
}

/** An event with its options' defaults under the values given. */
export function generateEvent(
  template: EventTemplate,
  given: Readonly<Record<string, string>>,
): unknown {
  const values: Record<string, string> = {};
  for (const option of template.options) values[option.name] = given[option.name] ?? option.default;
  return template.build(values);
}
