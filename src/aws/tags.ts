import type { Namespace } from './arn.js';
import { invalidParameter } from './errors.js';
import { Constraints } from './validation.js';

/** AWS's tag limits for Lambda resources. */
export const TAG_LIMITS = { maxTags: 50, maxKeyLength: 128, maxValueLength: 256 } as const;

/** TaggableResource (service-2.json), as AWS prints it. */
const TAGGABLE_PATTERN =
  'arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:(function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|capacity-provider:[a-zA-Z0-9-_]+)';
const TAGGABLE = new RegExp(`^${TAGGABLE_PATTERN}$`);

export type TaggableResource =
  | { kind: 'function'; ns: Namespace; name: string; qualifier?: string }
  | { kind: 'code-signing-config'; ns: Namespace; id: string }
  | { kind: 'other'; ns: Namespace };

/** A TagResource/UntagResource/ListTags Resource, checked against the model and split. */
export function parseTaggableResource(arn: string): TaggableResource {
  new Constraints()
    .length(arn, 'resource', 1, 256)
    .matches(arn, 'resource', TAGGABLE, TAGGABLE_PATTERN)
    .check();
  const [, , , region = '', account = '', type = '', id = '', qualifier] = arn.split(':');
  const ns = { account, region };
  if (type === 'function') return { kind: 'function', ns, name: id, qualifier };
  if (type === 'code-signing-config') return { kind: 'code-signing-config', ns, id };
  return { kind: 'other', ns };
}

/** Tags live on functions, not on their versions or aliases. */
export function refuseQualifiedResource(resource: TaggableResource): void {
  if (resource.kind === 'function' && resource.qualifier !== undefined) {
    throw invalidParameter(
      'Tags on function aliases and versions are not supported. Please specify a function ARN.',
    );
  }
}

/** The rules every tag set obeys (TagResource, CreateFunction, CreateCodeSigningConfig). */
export function checkTags(tags: Record<string, string>): void {
  for (const [key, value] of Object.entries(tags)) {
    if (key.length < 1 || key.length > TAG_LIMITS.maxKeyLength) {
      throw invalidParameter(
        `Tag key '${key}' is invalid: a tag key must be 1 to ${TAG_LIMITS.maxKeyLength} characters long.`,
      );
    }
    if (value.length > TAG_LIMITS.maxValueLength) {
      throw invalidParameter(
        `Tag value for key '${key}' is invalid: a tag value can be at most ${TAG_LIMITS.maxValueLength} characters long.`,
      );
    }
    if (key.toLowerCase().startsWith('aws:')) {
      throw invalidParameter(
        `Tag key '${key}' is invalid: the aws: prefix is reserved for AWS use.`,
      );
    }
  }
  checkTagCount(tags);
}

/** At most 50 tags on a resource, counted after a merge. */
export function checkTagCount(tags: Record<string, string>): void {
  if (Object.keys(tags).length > TAG_LIMITS.maxTags) {
    throw invalidParameter('Number of tags exceeds resource tag limit.');
  }
}
