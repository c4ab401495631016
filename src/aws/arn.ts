/** ARN building for Lambda resources: `arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`. */
export interface Namespace {
  account: string;
  region: string;
}

export const DEFAULT_ACCOUNT = '000000000000';

export function functionArn(ns: Namespace, name: string, qualifier?: string): string {
  const base = `arn:aws:lambda:${ns.region}:${ns.account}:function:${name}`;
  return qualifier ? `${base}:${qualifier}` : base;
}

/** IAM roles are global: `arn:aws:iam::<account>:role/<name>`. */
export function roleArn(account: string, name: string): string {
  return `arn:aws:iam::${account}:role/${name}`;
}

/** `arn:aws:lambda:<region>:<account>:code-signing-config:csc-<17 hex>`. */
export function codeSigningConfigArn(ns: Namespace, id: string): string {
  return `arn:aws:lambda:${ns.region}:${ns.account}:code-signing-config:${id}`;
}

/** The model's Arn shape (service-2.json) as AWS prints it: any service's ARN. */
export const ARN_PATTERN =
  'arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:([a-z]{2}(-gov)?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)';
export const ANY_ARN = new RegExp(`^${ARN_PATTERN}$`);

/** Layers: `arn:aws:lambda:<region>:<account>:layer:<name>`, and `…:<version>` for one version. */
export function layerArn(ns: Namespace, name: string, version?: number): string {
  const base = `arn:aws:lambda:${ns.region}:${ns.account}:layer:${name}`;
  return version === undefined ? base : `${base}:${version}`;
}
