import type { IncomingMessage } from 'node:http';
import { DEFAULT_ACCOUNT } from '../aws/arn.js';
import type { FunctionRecord } from '../store/records.js';
import type { IamCaller } from './url-event.js';

/** `AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/<service>/aws4_request, SignedHeaders=…, Signature=…`. */
const AUTHORIZATION =
  /^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=[a-z0-9;-]+,\s*Signature=[0-9a-f]{64}$/;
const CREDENTIAL = /^([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request$/;
const AMZ_DATE = /^\d{8}T\d{6}Z$/;
/** A 12-digit access key id names the account, as on the API (src/frontend/request-context.ts). */
const ACCOUNT_KEY = /^\d{12}$/;

/**
 * AWS_IAM URLs need a SigV4 signature for service `lambda` in the URL's region, in the
 * Authorization header or as a presigned query. This server has no secrets to check the
 * signature against, so a well-formed one is accepted, as on the API.
 */
export function iamCaller(
  req: IncomingMessage,
  rawQueryString: string,
  region: string,
): IamCaller | null {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const parts = AUTHORIZATION.exec(header.trim());
    const date = req.headers['x-amz-date'];
    if (!parts || typeof date !== 'string' || !AMZ_DATE.test(date)) return null;
    return scoped(parts[1] as string, parts[3] as string, parts[4] as string, region);
  }
  const query = new URLSearchParams(rawQueryString);
  const credential = CREDENTIAL.exec(query.get('X-Amz-Credential') ?? '');
  const complete =
    query.get('X-Amz-Algorithm') === 'AWS4-HMAC-SHA256' &&
    AMZ_DATE.test(query.get('X-Amz-Date') ?? '') &&
    /^[a-z0-9;-]+$/.test(query.get('X-Amz-SignedHeaders') ?? '') &&
    /^[0-9a-f]{64}$/.test(query.get('X-Amz-Signature') ?? '');
  if (!credential || !complete) return null;
  return scoped(credential[1] as string, credential[3] as string, credential[4] as string, region);
}

function scoped(
  accessKey: string,
  scopeRegion: string,
  service: string,
  region: string,
): IamCaller | null {
  if (service !== 'lambda' || scopeRegion !== region) return null;
  return { accessKey, accountId: ACCOUNT_KEY.test(accessKey) ? accessKey : DEFAULT_ACCOUNT };
}

/**
 * Whether the function's resource policy lets this request invoke the URL, as Lambda decides it:
 * a NONE URL needs a statement granting `lambda:InvokeFunctionUrl` to everyone (`*`); an AWS_IAM
 * URL lets its own account in (its IAM policies are not modelled here) and other accounts only
 * through a statement naming them. A statement's `lambda:FunctionUrlAuthType` condition must
 * match the URL's AuthType. The policy is the one of the URL's qualifier: the function's own for
 * the unqualified URL, the alias's for an alias URL.
 */
export function authorizeUrlRequest(
  record: FunctionRecord,
  qualifierKey: string,
  authType: 'NONE' | 'AWS_IAM',
  caller?: IamCaller,
): boolean {
  if (authType === 'AWS_IAM' && caller?.accountId === record.account) return true;
  const policyKey = qualifierKey === '$LATEST' ? '' : qualifierKey;
  const statements = record.policies?.[policyKey]?.Statement ?? [];
  return statements.some((statement) => grantsUrlInvoke(statement, authType, caller));
}

function grantsUrlInvoke(
  statement: Record<string, unknown>,
  authType: string,
  caller?: IamCaller,
): boolean {
  if (statement.Effect !== 'Allow') return false;
  if (statement.Action !== 'lambda:InvokeFunctionUrl' && statement.Action !== 'lambda:*') {
    return false;
  }
  const condition = statement.Condition as Record<string, Record<string, string>> | undefined;
  const required = condition?.StringEquals?.['lambda:FunctionUrlAuthType'];
  if (required !== undefined && required !== authType) return false;
  return principalMatches(statement.Principal, caller);
}

/** `*` is everyone; `{AWS: arn:aws:iam::<account>:root}` one signed account. */
function principalMatches(principal: unknown, caller?: IamCaller): boolean {
  if (principal === '*') return true;
  const aws = (principal as { AWS?: unknown } | undefined)?.AWS;
  if (aws === '*') return true;
  return caller !== undefined && aws === `arn:aws:iam::${caller.accountId}:root`;
}
