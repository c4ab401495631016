import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ANY_ARN, ARN_PATTERN, type Namespace } from './arn.js';
import { Constraints } from './validation.js';

/** The bodies of Create/UpdateCodeSigningConfig (service model members, JSON types only). */
const allowedPublishers = z.object({ SigningProfileVersionArns: z.array(z.string()).optional() });
const codeSigningPolicies = z.object({ UntrustedArtifactOnDeployment: z.string().optional() });

export const CreateCodeSigningConfigBody = z.object({
  Description: z.string().optional(),
  AllowedPublishers: allowedPublishers.optional(),
  CodeSigningPolicies: codeSigningPolicies.optional(),
  Tags: z.record(z.string(), z.string()).optional(),
});
export type CreateCodeSigningConfigInput = z.output<typeof CreateCodeSigningConfigBody>;

export const UpdateCodeSigningConfigBody = CreateCodeSigningConfigBody.omit({ Tags: true });
export type UpdateCodeSigningConfigInput = z.output<typeof UpdateCodeSigningConfigBody>;

export const PutFunctionCodeSigningConfigBody = z.object({
  CodeSigningConfigArn: z.string().optional(),
});

/** CodeSigningConfigArn (service-2.json). */
const CSC_ARN =
  /^arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1}:\d{12}:code-signing-config:csc-[a-z0-9]{17}$/;
const POLICIES = ['Warn', 'Enforce'];

/** A code signing config ARN's model constraints (`field` as AWS names the member). */
export function checkCodeSigningConfigArn(
  arn: string | undefined,
  field = 'codeSigningConfigArn',
  c = new Constraints(),
): Constraints {
  return c.length(arn, field, 0, 200).pattern(arn, field, CSC_ARN);
}

/** The namespace and id an ARN that passed checkCodeSigningConfigArn names. */
export function splitCodeSigningConfigArn(arn: string): { ns: Namespace; id: string } {
  const [, , , region = '', account = '', , id = ''] = arn.split(':');
  return { ns: { account, region }, id };
}

/** Create and Update: the members' model constraints, as one ValidationException. */
export function checkCodeSigningConfigInput(
  input: UpdateCodeSigningConfigInput,
  creating: boolean,
): void {
  const c = new Constraints();
  if (creating) c.required(input.AllowedPublishers, 'allowedPublishers');
  const arns = input.AllowedPublishers?.SigningProfileVersionArns;
  if (input.AllowedPublishers) {
    c.required(arns, 'allowedPublishers.signingProfileVersionArns').count(
      arns,
      'allowedPublishers.signingProfileVersionArns',
      1,
      20,
    );
  }
  arns?.forEach((arn, i) =>
    c.matches(
      arn,
      `allowedPublishers.signingProfileVersionArns.${i + 1}.member`,
      ANY_ARN,
      ARN_PATTERN,
    ),
  );
  c.length(input.Description, 'description', 0, 256)
    .oneOf(
      input.CodeSigningPolicies?.UntrustedArtifactOnDeployment,
      'codeSigningPolicies.untrustedArtifactOnDeployment',
      POLICIES,
    )
    .check();
}

/** AWS's ids: `csc-` and 17 hexadecimal digits. */
export const newCodeSigningConfigId = (): string =>
  `csc-${randomBytes(9).toString('hex').slice(0, 17)}`;
