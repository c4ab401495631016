import { isIntrinsic } from './intrinsics.js';
import { TemplateError } from './template-error.js';

/** The properties SAM accepts in `Globals.Function` (samtranslator's globals table). */
const FUNCTION_GLOBALS = new Set([
  'Handler',
  'Runtime',
  'CodeUri',
  'DeadLetterQueue',
  'Description',
  'MemorySize',
  'Timeout',
  'VpcConfig',
  'Environment',
  'Tags',
  'PropagateTags',
  'Tracing',
  'KmsKeyArn',
  'Layers',
  'AutoPublishAlias',
  'AutoPublishAliasAllProperties',
  'DeploymentPreference',
  'RolePath',
  'PermissionsBoundary',
  'ReservedConcurrentExecutions',
  'ProvisionedConcurrencyConfig',
  'AssumeRolePolicyDocument',
  'EventInvokeConfig',
  'FileSystemConfigs',
  'CodeSigningConfigArn',
  'Architectures',
  'SnapStart',
  'EphemeralStorage',
  'FunctionUrlConfig',
  'RuntimeManagementConfig',
  'LoggingConfig',
  'RecursiveLoop',
  'SourceKMSKeyArn',
]);

/**
 * `Globals.Function` merged under a function's own properties as SAM merges them: the function's
 * value wins for plain values and intrinsic functions, maps merge key by key, lists add up (the
 * globals' items first).
 */
export function withFunctionGlobals(
  globals: Record<string, unknown> | undefined,
  properties: Record<string, unknown>,
): Record<string, unknown> {
  const fromGlobals = functionGlobals(globals);
  return merge(fromGlobals, properties) as Record<string, unknown>;
}

function functionGlobals(globals: Record<string, unknown> | undefined): Record<string, unknown> {
  const section = globals?.Function;
  if (section === undefined) return {};
  if (section === null || typeof section !== 'object' || Array.isArray(section))
    throw new TemplateError({ resource: 'Globals', property: 'Function' }, 'must be a map');
  for (const key of Object.keys(section)) {
    if (!FUNCTION_GLOBALS.has(key)) {
      throw new TemplateError(
        { resource: 'Globals.Function', property: key },
        `'${key}' is not a supported property of 'Function'; SAM accepts ${[...FUNCTION_GLOBALS].join(', ')}`,
      );
    }
  }
  return section as Record<string, unknown>;
}

function merge(global: unknown, local: unknown): unknown {
  if (local === undefined) return global;
  if (global === undefined || isIntrinsic(global) || isIntrinsic(local)) return local;
  if (Array.isArray(global) && Array.isArray(local)) return [...global, ...local];
  if (isMap(global) && isMap(local)) {
    const out: Record<string, unknown> = { ...global };
    for (const [key, value] of Object.entries(local)) out[key] = merge(global[key], value);
    return out;
  }
  return local;
}

const isMap = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);
