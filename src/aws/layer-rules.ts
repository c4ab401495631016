import { z } from 'zod';
import { invalidParameter } from './errors.js';
import { ALL_RUNTIMES } from './runtimes.js';
import { Constraints } from './validation.js';

/** Request shapes of the layer operations (service model members, JSON types only). */
export const PublishLayerVersionBody = z.object({
  Content: z
    .object({
      S3Bucket: z.string().optional(),
      S3Key: z.string().optional(),
      S3ObjectVersion: z.string().optional(),
      ZipFile: z.string().optional(),
    })
    .optional(),
  Description: z.string().optional(),
  CompatibleRuntimes: z.array(z.string()).optional(),
  LicenseInfo: z.string().optional(),
  CompatibleArchitectures: z.array(z.string()).optional(),
});
export type PublishLayerVersionInput = z.output<typeof PublishLayerVersionBody>;

export const AddLayerVersionPermissionBody = z.object({
  StatementId: z.string().optional(),
  Action: z.string().optional(),
  Principal: z.string().optional(),
  OrganizationId: z.string().optional(),
});
export type AddLayerVersionPermissionInput = z.output<typeof AddLayerVersionPermissionBody>;

const ARCHITECTURES = ['x86_64', 'arm64'];
const enumSet = (values: readonly string[]): string => `[${values.join(', ')}]`;

/** The model constraints of PublishLayerVersion; AWS prints list members' failures with the whole list. */
export function checkPublishConstraints(input: PublishLayerVersionInput): void {
  const c = new Constraints()
    .required(input.Content, 'content')
    .length(input.Description, 'description', 0, 256)
    .length(input.LicenseInfo, 'licenseInfo', 0, 512)
    .count(input.CompatibleRuntimes, 'compatibleRuntimes', 0, 15)
    .count(input.CompatibleArchitectures, 'compatibleArchitectures', 0, 2);
  if (input.CompatibleRuntimes?.some((r) => !ALL_RUNTIMES.includes(r))) {
    c.custom(
      enumSet(input.CompatibleRuntimes),
      'compatibleRuntimes',
      `Member must satisfy enum value set: ${enumSet(ALL_RUNTIMES)}`,
    );
  }
  if (input.CompatibleArchitectures?.some((a) => !ARCHITECTURES.includes(a))) {
    c.custom(
      enumSet(input.CompatibleArchitectures),
      'compatibleArchitectures',
      `Member must satisfy constraint: [Member must satisfy enum value set: ${enumSet(ARCHITECTURES)}]`,
    );
  }
  c.check();
}

/** ListLayers' and ListLayerVersions' query members. */
export interface LayerListQuery {
  CompatibleRuntime?: string;
  CompatibleArchitecture?: string;
  Marker?: string;
  MaxItems?: number;
}

export function checkListConstraints(query: LayerListQuery): void {
  new Constraints()
    .oneOf(query.CompatibleRuntime, 'compatibleRuntime', ALL_RUNTIMES)
    .oneOf(query.CompatibleArchitecture, 'compatibleArchitecture', ARCHITECTURES)
    .range(query.MaxItems, 'maxItems', 1, 50)
    .check();
}

/** LayerPermissionAllowedPrincipal: an account id, `*`, or an account's root ARN. */
const PRINCIPAL = /^(?:\d{12}|\*|arn:(aws[a-zA-Z-]*):iam::\d{12}:root)$/;

export function checkPermissionConstraints(input: AddLayerVersionPermissionInput): void {
  new Constraints()
    .required(input.StatementId, 'statementId')
    .required(input.Action, 'action')
    .required(input.Principal, 'principal')
    .length(input.StatementId, 'statementId', 1, 100)
    .pattern(input.StatementId, 'statementId', /^([a-zA-Z0-9-_]+)$/)
    .length(input.Action, 'action', 0, 22)
    .pattern(input.Action, 'action', /^lambda:GetLayerVersion$/)
    .pattern(
      input.Principal,
      'principal',
      PRINCIPAL,
      '\\d{12}|\\*|arn:(aws[a-zA-Z-]*):iam::\\d{12}:root',
    )
    .length(input.OrganizationId, 'organizationId', 0, 34)
    .pattern(input.OrganizationId, 'organizationId', /^o-[a-z0-9]{10,32}$/)
    .check();
}

/** RemoveLayerVersionPermission's StatementId, from the path. */
export function checkStatementId(statementId: string): void {
  new Constraints()
    .length(statementId, 'statementId', 1, 100)
    .pattern(statementId, 'statementId', /^([a-zA-Z0-9-_]+)$/)
    .check();
}

/** AWS: a function's code and all its layers, unzipped, fit in 250 MB (262,144,000 bytes). */
export const MAX_CODE_WITH_LAYERS_BYTES = 262_144_000;

export function checkCodeWithLayersSize(totalBytes: number): void {
  if (totalBytes > MAX_CODE_WITH_LAYERS_BYTES) {
    throw invalidParameter(
      `Function code combined with layers exceeds the maximum allowed size of ${MAX_CODE_WITH_LAYERS_BYTES} bytes. The actual size is ${totalBytes} bytes.`,
    );
  }
}
