import { z } from 'zod';
import { ANY_ARN, ARN_PATTERN } from './arn.js';
import { invalidParameter, LambdaError } from './errors.js';
import { Constraints } from './validation.js';

/** AddPermission's body (service model members, JSON types only). */
export const AddPermissionBody = z.object({
  StatementId: z.string().optional(),
  Action: z.string().optional(),
  Principal: z.string().optional(),
  SourceArn: z.string().optional(),
  SourceAccount: z.string().optional(),
  EventSourceToken: z.string().optional(),
  RevisionId: z.string().optional(),
  PrincipalOrgID: z.string().optional(),
  FunctionUrlAuthType: z.string().optional(),
  InvokedViaFunctionUrl: z.boolean().optional(),
});
export type AddPermissionInput = z.output<typeof AddPermissionBody>;

/** An IAM policy statement, in the shape (and key order) GetPolicy prints. */
export type PolicyStatement = Record<string, unknown>;

/** Model patterns (service-2.json) of AddPermission's members. */
const STATEMENT_ID = /^([a-zA-Z0-9-_]+)$/;
/** RemovePermission's path member is a NamespacedStatementId, which also allows dots. */
const NAMESPACED_STATEMENT_ID = /^([a-zA-Z0-9-_.]+)$/;
const ACTION = /^(lambda:[*]|lambda:[a-zA-Z]+|[*])$/;
const PRINCIPAL = /^[^\s]+$/;
const SOURCE_OWNER = /^\d{12}$/;
const EVENT_SOURCE_TOKEN_PATTERN = '[a-zA-Z0-9._\\-]+';
const EVENT_SOURCE_TOKEN = new RegExp(`^${EVENT_SOURCE_TOKEN_PATTERN}$`);
const PRINCIPAL_ORG_ID = /^o-[a-z0-9]{10,32}$/;

/** A resource policy may be at most 20 KB, measured as the JSON GetPolicy returns. */
export const POLICY_SIZE_LIMIT = 20_480;

/** AddPermission's model constraints, as one ValidationException. */
export function checkAddPermission(input: AddPermissionInput, c: Constraints): void {
  c.required(input.StatementId, 'statementId')
    .length(input.StatementId, 'statementId', 1, 100)
    .pattern(input.StatementId, 'statementId', STATEMENT_ID)
    .required(input.Action, 'action')
    .pattern(input.Action, 'action', ACTION)
    .required(input.Principal, 'principal')
    .pattern(input.Principal, 'principal', PRINCIPAL)
    .matches(input.SourceArn, 'sourceArn', ANY_ARN, ARN_PATTERN)
    .length(input.SourceAccount, 'sourceAccount', 0, 12)
    .pattern(input.SourceAccount, 'sourceAccount', SOURCE_OWNER)
    .length(input.EventSourceToken, 'eventSourceToken', 0, 256)
    .matches(
      input.EventSourceToken,
      'eventSourceToken',
      EVENT_SOURCE_TOKEN,
      EVENT_SOURCE_TOKEN_PATTERN,
    )
    .length(input.PrincipalOrgID, 'principalOrgID', 12, 34)
    .pattern(input.PrincipalOrgID, 'principalOrgID', PRINCIPAL_ORG_ID)
    .oneOf(input.FunctionUrlAuthType, 'functionUrlAuthType', ['NONE', 'AWS_IAM'])
    .check();
}

/** RemovePermission's StatementId path member. */
export function checkStatementIdPath(statementId: string, c: Constraints): Constraints {
  return c
    .length(statementId, 'statementId', 1, 100)
    .pattern(statementId, 'statementId', NAMESPACED_STATEMENT_ID);
}

/**
 * The statement AddPermission adds: Sid, Effect, Principal, Action, Resource, then the
 * conditions its optional members ask for, in the order and with the operators AWS uses.
 */
export function buildStatement(
  input: AddPermissionInput,
  resourceArn: string,
  partition = 'aws',
): PolicyStatement {
  if (input.InvokedViaFunctionUrl && input.Action !== 'lambda:InvokeFunction') {
    throw invalidParameter(
      'InvokedViaFunctionUrl can only be used with the lambda:InvokeFunction action.',
    );
  }
  const statement: PolicyStatement = {
    Sid: input.StatementId,
    Effect: 'Allow',
    Principal: principalOf(input.Principal as string, partition),
    Action: input.Action,
    Resource: resourceArn,
  };
  const condition = conditionOf(input);
  if (Object.keys(condition).length > 0) statement.Condition = condition;
  return statement;
}

/**
 * AWS turns a service domain into `{Service}`, an account id into its root ARN, keeps IAM ARNs
 * and `*`, and refuses anything else.
 */
function principalOf(principal: string, partition: string): unknown {
  if (principal === '*') return '*';
  if (/^\d{12}$/.test(principal)) return { AWS: `arn:${partition}:iam::${principal}:root` };
  if (/^arn:aws[a-zA-Z-]*:iam::/.test(principal)) return { AWS: principal };
  if (/\.amazonaws\.com(\.cn)?$/.test(principal)) return { Service: principal };
  throw invalidParameter(
    'The provided principal was invalid. Please check the principal and try again.',
  );
}

function conditionOf(input: AddPermissionInput): Record<string, Record<string, string>> {
  const equals: Record<string, string> = {};
  if (input.SourceAccount) equals['AWS:SourceAccount'] = input.SourceAccount;
  if (input.PrincipalOrgID) equals['aws:PrincipalOrgID'] = input.PrincipalOrgID;
  if (input.EventSourceToken) equals['lambda:EventSourceToken'] = input.EventSourceToken;
  if (input.FunctionUrlAuthType) equals['lambda:FunctionUrlAuthType'] = input.FunctionUrlAuthType;
  const condition: Record<string, Record<string, string>> = {};
  if (Object.keys(equals).length > 0) condition.StringEquals = equals;
  if (input.InvokedViaFunctionUrl) condition.Bool = { 'lambda:InvokedViaFunctionUrl': 'true' };
  if (input.SourceArn) condition.ArnLike = { 'AWS:SourceArn': input.SourceArn };
  return condition;
}

/** The policy document as GetPolicy returns it (a JSON string). */
export function policyDocument(statements: PolicyStatement[]): string {
  return JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement: statements });
}

/** PolicyLengthExceededException, worded as AWS words it. */
export function checkPolicySize(document: string): void {
  const size = Buffer.byteLength(document);
  if (size > POLICY_SIZE_LIMIT) {
    throw new LambdaError(
      'PolicyLengthExceededException',
      `The final policy size (${size}) is bigger than the limit (${POLICY_SIZE_LIMIT}).`,
    );
  }
}
