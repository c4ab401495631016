import type { AddLayerVersionPermissionInput } from '../aws/layer-rules.js';
import type { PolicyRecord } from '../store/records.js';

type Statement = Record<string, unknown>;

/**
 * A statement of a layer version's resource policy, as AWS writes it: `*` stays a string, an
 * account id becomes its root ARN, and an organization becomes a PrincipalOrgID condition.
 */
export function layerStatement(resource: string, input: AddLayerVersionPermissionInput): Statement {
  const principal = input.Principal as string;
  return {
    Sid: input.StatementId,
    Effect: 'Allow',
    Principal: principal === '*' ? '*' : { AWS: accountPrincipal(principal) },
    Action: input.Action,
    Resource: resource,
    ...(input.OrganizationId
      ? { Condition: { StringEquals: { 'aws:PrincipalOrgID': input.OrganizationId } } }
      : {}),
  };
}

/** GetLayerVersionPolicy's document (a JSON string on the wire). */
export function policyDocument(policy: PolicyRecord): string {
  return JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement: policy.Statement });
}

/**
 * Whether the policy lets `account` use the layer version. A statement limited to an
 * organization grants nothing here: this server knows no organizations.
 */
export function grantsUse(policy: PolicyRecord | undefined, account: string): boolean {
  return (policy?.Statement ?? []).some((statement) => {
    if (statement.Condition !== undefined) return false;
    const principal = statement.Principal as string | { AWS?: string };
    if (principal === '*') return true;
    return typeof principal === 'object' && principal.AWS === accountPrincipal(account);
  });
}

const accountPrincipal = (principal: string): string =>
  /^\d{12}$/.test(principal) ? `arn:aws:iam::${principal}:root` : principal;
