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

/** Layers: `arn:aws:lambda:<region>:<account>:layer:<name>`, and `…:<version>` for one version. */
export function layerArn(ns: Namespace, name: string, version?: number): string {
  const base = `arn:aws:lambda:${ns.region}:${ns.account}:layer:${name}`;
  return version === undefined ? base : `${base}:${version}`;
}
