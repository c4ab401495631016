import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { invalidParameter, validationError } from './errors.js';

/** The body of Create/UpdateFunctionUrlConfig (service model members, JSON types only). */
export const FunctionUrlConfigBody = z.object({
  AuthType: z.string().optional(),
  Cors: z
    .object({
      AllowCredentials: z.boolean().optional(),
      AllowHeaders: z.array(z.string()).optional(),
      AllowMethods: z.array(z.string()).optional(),
      AllowOrigins: z.array(z.string()).optional(),
      ExposeHeaders: z.array(z.string()).optional(),
      MaxAge: z.number().int().optional(),
    })
    .optional(),
  InvokeMode: z.string().optional(),
});
export type FunctionUrlConfigInput = z.output<typeof FunctionUrlConfigBody>;
export type CorsInput = NonNullable<FunctionUrlConfigInput['Cors']>;

/** AWS prints these enums in this order in its messages (not the model's). */
const AUTH_TYPES = ['AWS_IAM', 'NONE'] as const;
const INVOKE_MODES = ['RESPONSE_STREAM', 'BUFFERED'] as const;

/** FunctionUrlQualifier: an alias name, never a version number (service model pattern). */
const QUALIFIER = /^(?!\d+$)[0-9a-zA-Z-_]+$/;
const QUALIFIER_PRINTED = '((?!^\\d+$)^[0-9a-zA-Z-_]+$)';
/** For a version number AWS answers with the pattern of its own qualifier rule instead. */
const VERSION_PRINTED = '(^\\$LATEST$)|((?!^[0-9]+$)([a-zA-Z0-9-_]+))';

/** Methods a Cors configuration may allow; AWS adds OPTIONS itself. */
const CORS_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'HEAD', 'PATCH', '*'];

/**
 * A function URL's qualifier must name an alias: `$LATEST` and version numbers are refused as
 * model-constraint failures, worded as AWS words them.
 */
export function checkUrlQualifier(qualifier: string | undefined): void {
  if (qualifier === undefined) return;
  if (/^\d+$/.test(qualifier)) {
    throw validationError([patternProblem(qualifier, 'qualifier', VERSION_PRINTED)]);
  }
  const problems: string[] = [];
  if (qualifier.length < 1 || qualifier.length > 128) {
    const rule =
      qualifier.length < 1
        ? 'Member must have length greater than or equal to 1'
        : 'Member must have length less than or equal to 128';
    problems.push(problem(qualifier, 'qualifier', rule));
  }
  if (!QUALIFIER.test(qualifier))
    problems.push(patternProblem(qualifier, 'qualifier', QUALIFIER_PRINTED));
  if (problems.length > 0) throw validationError(problems);
}

/** The model constraints of the body: required AuthType (create), enums, Cors limits. */
export function checkUrlConfigConstraints(input: FunctionUrlConfigInput, creating: boolean): void {
  const problems: string[] = [];
  if (creating && input.AuthType === undefined) {
    problems.push(`Value null at 'authType' failed to satisfy constraint: Member must not be null`);
  }
  enumProblem(input.AuthType, 'authType', AUTH_TYPES, problems);
  enumProblem(input.InvokeMode, 'invokeMode', INVOKE_MODES, problems);
  if (input.Cors) corsProblems(input.Cors, problems);
  if (problems.length > 0) throw validationError(problems);
}

/** Service rules on Cors that the model does not express. */
export function checkCorsRules(cors: CorsInput | undefined): void {
  if (!cors) return;
  for (const method of cors.AllowMethods ?? []) {
    if (!CORS_METHODS.includes(method)) {
      throw invalidParameter(
        `Invalid value for AllowMethods: ${method}. You can use GET, PUT, POST, DELETE, HEAD, PATCH, and the wildcard character (*).`,
      );
    }
  }
  const configured = Object.values(cors).some((v) => (Array.isArray(v) ? v.length > 0 : true));
  if (configured && (cors.AllowOrigins ?? []).length === 0) {
    throw invalidParameter("You can't leave AllowOrigins as empty when Cors is enabled.");
  }
}

function corsProblems(cors: CorsInput, problems: string[]): void {
  listProblem(cors.AllowHeaders, 'cors.allowHeaders', 100, 0, 1024, problems);
  listProblem(cors.AllowMethods, 'cors.allowMethods', 6, 0, 6, problems);
  listProblem(cors.AllowOrigins, 'cors.allowOrigins', 100, 1, 253, problems);
  listProblem(cors.ExposeHeaders, 'cors.exposeHeaders', 100, 0, 1024, problems);
  const age = cors.MaxAge;
  if (age !== undefined && (age < 0 || age > 86_400)) {
    const rule =
      age < 0
        ? 'Member must have value greater than or equal to 0'
        : 'Member must have value less than or equal to 86400';
    problems.push(problem(age, 'cors.maxAge', rule));
  }
}

/** A list's own length, then its members' lengths, as AWS reports nested constraints. */
function listProblem(
  list: string[] | undefined,
  field: string,
  maxItems: number,
  minLength: number,
  maxLength: number,
  problems: string[],
): void {
  if (list === undefined) return;
  const shown = `[${list.join(', ')}]`;
  if (list.length > maxItems) {
    problems.push(
      problem(shown, field, `Member must have length less than or equal to ${maxItems}`),
    );
    return;
  }
  const bad = list.some((item) => item.length < minLength || item.length > maxLength);
  if (bad) {
    problems.push(
      problem(
        shown,
        field,
        `Member must satisfy constraint: [Member must have length less than or equal to ${maxLength}, Member must have length greater than or equal to ${minLength}, Member must satisfy regular expression pattern: .*]`,
      ),
    );
  }
}

function enumProblem(
  value: string | undefined,
  field: string,
  allowed: readonly string[],
  problems: string[],
): void {
  if (value === undefined || allowed.includes(value)) return;
  problems.push(
    problem(value, field, `Member must satisfy enum value set: [${allowed.join(', ')}]`),
  );
}

const patternProblem = (value: string, field: string, printed: string): string =>
  problem(value, field, `Member must satisfy regular expression pattern: ${printed}`);

function problem(value: unknown, field: string, rule: string): string {
  return `Value '${String(value)}' at '${field}' failed to satisfy constraint: ${rule}`;
}

const URL_ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** The `<url-id>` of `https://<url-id>.lambda-url.<region>.on.aws/`: 32 lowercase alphanumerics. */
export function newUrlId(): string {
  let id = '';
  for (let i = 0; i < 32; i++) id += URL_ID_ALPHABET[randomInt(URL_ID_ALPHABET.length)];
  return id;
}

export const URL_ID = /^[a-z0-9]{32}$/;

/**
 * The host a function URL answers on. AWS's is `<url-id>.lambda-url.<region>.on.aws`; ours ends
 * in `.localhost`, which resolves to the loopback address.
 */
export const urlDomain = (urlId: string, region: string): string =>
  `${urlId}.lambda-url.${region}.localhost`;

/** `<url-id>.lambda-url.<region>.<anything>[:port]`, as a Host header names a function URL. */
const URL_HOST = /^([a-z0-9]{32})\.lambda-url\.([a-z0-9-]+)\.[^:]+(?::\d+)?$/i;

export function parseUrlHost(host: string | undefined): { urlId: string; region: string } | null {
  const parts = URL_HOST.exec(host ?? '');
  if (!parts) return null;
  return { urlId: (parts[1] as string).toLowerCase(), region: (parts[2] as string).toLowerCase() };
}

/** FunctionUrlConfig's timestamps: ISO 8601 with microseconds and `Z`. */
export const urlTimestamp = (date = new Date()): string => date.toISOString().replace('Z', '000Z');
