/**
 * The runtime identifiers AWS accepts (the Runtime enum of the service model), split by what
 * CreateFunction/UpdateFunctionConfiguration still allow. AWS blocks create and update on
 * deprecated runtimes and names the newest runtime of the family in its message.
 */
export const SUPPORTED_RUNTIMES = [
  'nodejs18.x',
  'nodejs20.x',
  'nodejs22.x',
  'nodejs24.x',
  'python3.9',
  'python3.10',
  'python3.11',
  'python3.12',
  'python3.13',
  'python3.14',
  'java8.al2',
  'java11',
  'java17',
  'java21',
  'java25',
  'dotnet8',
  'dotnet10',
  'ruby3.2',
  'ruby3.3',
  'ruby3.4',
  'ruby4.0',
  'provided.al2',
  'provided.al2023',
] as const;

export const DEPRECATED_RUNTIMES = [
  'nodejs',
  'nodejs4.3',
  'nodejs4.3-edge',
  'nodejs6.10',
  'nodejs8.10',
  'nodejs10.x',
  'nodejs12.x',
  'nodejs14.x',
  'nodejs16.x',
  'java8',
  'python2.7',
  'python3.6',
  'python3.7',
  'python3.8',
  'dotnetcore1.0',
  'dotnetcore2.0',
  'dotnetcore2.1',
  'dotnetcore3.1',
  'dotnet6',
  'go1.x',
  'ruby2.5',
  'ruby2.7',
  'provided',
] as const;

export type RuntimeId = (typeof SUPPORTED_RUNTIMES)[number];

/** Every value of the model's Runtime enum, in the model's order, for AWS's enum message. */
export const ALL_RUNTIMES: readonly string[] = [...DEPRECATED_RUNTIMES, ...SUPPORTED_RUNTIMES];

export type RuntimeFamily = 'nodejs' | 'python' | 'java' | 'dotnet' | 'ruby' | 'provided';

export function runtimeFamily(runtime: string): RuntimeFamily {
  const family = /^(nodejs|python|java|dotnet|ruby|provided)/.exec(runtime)?.[1];
  return (family ?? 'provided') as RuntimeFamily;
}

export function isSupportedRuntime(runtime: string): runtime is RuntimeId {
  return (SUPPORTED_RUNTIMES as readonly string[]).includes(runtime);
}

/** The newest runtime of a family, which AWS recommends when refusing a deprecated one. */
export function newestOfFamily(runtime: string): string {
  const family = runtimeFamily(runtime.replace(/^dotnetcore/, 'dotnet').replace(/^go/, 'provided'));
  const members = SUPPORTED_RUNTIMES.filter((r) => runtimeFamily(r) === family);
  return members[members.length - 1] ?? 'provided.al2023';
}

/** Runtimes whose environments run the function's own `bootstrap` executable. */
export function isCustomRuntime(runtime: string): boolean {
  return runtimeFamily(runtime) === 'provided';
}
