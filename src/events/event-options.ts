import { createHash, randomBytes, randomUUID } from 'node:crypto';

/**
 * What every generated event is built from: the values of its options (SAM's `generate-event`
 * names: `--account-id`, `--region`, `--partition`, …), and a clock, so that ids and times are
 * fresh as in a real delivery.
 */
export type EventValues = Readonly<Record<string, string>>;

export interface EventOption {
  name: string;
  default: string;
  help: string;
}

/** The options SAM gives every event that names an account, region or partition. */
export const ACCOUNT_OPTIONS: readonly EventOption[] = [
  { name: 'account-id', default: '123456789012', help: 'the AWS account of the source' },
  { name: 'region', default: 'us-east-1', help: 'the region of the source' },
  { name: 'partition', default: 'aws', help: 'the ARN partition' },
];

export const value = (values: EventValues, name: string): string => values[name] ?? '';

/** `arn:<partition>:<service>:<region>:<account>:<resource>`. */
export function sourceArn(values: EventValues, service: string, resource: string): string {
  return `arn:${value(values, 'partition')}:${service}:${value(values, 'region')}:${value(values, 'account-id')}:${resource}`;
}

export const uuid = (): string => randomUUID();
export const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
export const md5 = (text: string): string => createHash('md5').update(text).digest('hex');

/** Upper-case letters and digits, as AWS's request ids and principal ids are written. */
export function upperAlnum(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return Array.from(randomBytes(length), (b) => alphabet[b % alphabet.length]).join('');
}

/** API Gateway's access-log time: `09/Apr/2015:12:34:56 +0000`. */
export function clfTime(date: Date): string {
  const months = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ');
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`;
}
