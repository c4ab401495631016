import { z } from 'zod';
import { invalidParameter } from './errors.js';
import { ALL_RUNTIMES, DEPRECATED_RUNTIMES, isCustomRuntime, newestOfFamily } from './runtimes.js';
import { ImageConfigShape } from './image-rules.js';
import { Constraints } from './validation.js';

/** Request shapes of the function operations (service model members, JSON types only). */
const environment = z.object({ Variables: z.record(z.string(), z.string()).optional() });
const ephemeralStorage = z.object({ Size: z.number().int() });

const configurableFields = {
  Role: z.string().optional(),
  Handler: z.string().optional(),
  Description: z.string().optional(),
  Timeout: z.number().int().optional(),
  MemorySize: z.number().int().optional(),
  Runtime: z.string().optional(),
  Environment: environment.optional(),
  Layers: z.array(z.string()).optional(),
  EphemeralStorage: ephemeralStorage.optional(),
  TracingConfig: z.object({ Mode: z.string().optional() }).optional(),
  LoggingConfig: z
    .object({
      LogFormat: z.string().optional(),
      ApplicationLogLevel: z.string().optional(),
      SystemLogLevel: z.string().optional(),
      LogGroup: z.string().optional(),
    })
    .optional(),
  DeadLetterConfig: z.object({ TargetArn: z.string().optional() }).optional(),
  KMSKeyArn: z.string().optional(),
  VpcConfig: z
    .object({
      SubnetIds: z.array(z.string()).optional(),
      SecurityGroupIds: z.array(z.string()).optional(),
      Ipv6AllowedForDualStack: z.boolean().optional(),
    })
    .optional(),
  RevisionId: z.string().optional(),
  ImageConfig: ImageConfigShape.optional(),
};

export const CodeSource = z.object({
  ZipFile: z.string().optional(),
  S3Bucket: z.string().optional(),
  S3Key: z.string().optional(),
  S3ObjectVersion: z.string().optional(),
  ImageUri: z.string().optional(),
});

export const CreateFunctionBody = z.object({
  ...configurableFields,
  FunctionName: z.string().optional(),
  Code: CodeSource.optional(),
  Publish: z.boolean().optional(),
  PackageType: z.string().optional(),
  Architectures: z.array(z.string()).optional(),
  Tags: z.record(z.string(), z.string()).optional(),
  CodeSigningConfigArn: z.string().optional(),
});
export type CreateFunctionInput = z.output<typeof CreateFunctionBody>;

export const UpdateFunctionConfigurationBody = z.object(configurableFields);
export type UpdateFunctionConfigurationInput = z.output<typeof UpdateFunctionConfigurationBody>;

export const UpdateFunctionCodeBody = CodeSource.extend({
  Publish: z.boolean().optional(),
  DryRun: z.boolean().optional(),
  RevisionId: z.string().optional(),
  Architectures: z.array(z.string()).optional(),
});
export type UpdateFunctionCodeInput = z.output<typeof UpdateFunctionCodeBody>;

export const PutFunctionConcurrencyBody = z.object({
  ReservedConcurrentExecutions: z.number().int().optional(),
});

/** Model patterns (service-2.json) for the members we check. */
const ROLE_ARN = /^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/;
const HANDLER = /^[^\s]+$/;
const LAYER_VERSION_ARN =
  /^arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+$/;
/** Environment variable keys: a letter, then letters, digits or underscores. */
const ENV_KEY = /^[a-zA-Z]([a-zA-Z0-9_])+$/;
const ARCHITECTURES = ['x86_64', 'arm64'];

/** AWS's service limits that the model does not carry. */
export const LIMITS = {
  maxTimeoutSeconds: 900,
  maxMemoryMb: 10240,
  /** Total size of a function's environment variables, keys and values (4 KB). */
  maxEnvironmentBytes: 4096,
  maxLayers: 5,
} as const;

/** Keys Lambda sets itself and refuses to let a function override. */
const RESERVED_ENV_KEYS = [
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
];

type ConfigurableInput = UpdateFunctionConfigurationInput & { Architectures?: string[] };

/** The model constraints of the configurable members, as one ValidationException. */
export function checkConfigConstraints(input: ConfigurableInput, c = new Constraints()): void {
  c.pattern(input.Role, 'role', ROLE_ARN)
    .length(input.Handler, 'handler', 0, 128)
    .pattern(input.Handler, 'handler', HANDLER)
    .length(input.Description, 'description', 0, 256)
    .range(input.Timeout, 'timeout', 1, LIMITS.maxTimeoutSeconds)
    .range(input.MemorySize, 'memorySize', 128, 32768)
    .oneOf(input.Runtime, 'runtime', ALL_RUNTIMES)
    .range(input.EphemeralStorage?.Size, 'ephemeralStorage.size', 512, 10240)
    .count(input.Architectures, 'architectures', 1, 1)
    .oneOf(input.TracingConfig?.Mode, 'tracingConfig.mode', ['Active', 'PassThrough'])
    .oneOf(input.LoggingConfig?.LogFormat, 'loggingConfig.logFormat', ['JSON', 'Text']);
  input.Architectures?.forEach((arch, i) =>
    c.oneOf(arch, `architectures.${i + 1}.member`, ARCHITECTURES),
  );
  input.Layers?.forEach((arn, i) => c.pattern(arn, `layers.${i + 1}.member`, LAYER_VERSION_ARN));
  c.check();
}

/** The service-side rules AWS applies after the model constraints. */
export function checkConfigRules(input: ConfigurableInput): void {
  if (input.Runtime && (DEPRECATED_RUNTIMES as readonly string[]).includes(input.Runtime)) {
    throw invalidParameter(
      `The runtime parameter of ${input.Runtime} is no longer supported for creating or updating AWS Lambda functions. We recommend you use the new runtime (${newestOfFamily(input.Runtime)}) while creating or updating functions.`,
    );
  }
  if (input.MemorySize !== undefined && input.MemorySize > LIMITS.maxMemoryMb) {
    throw invalidParameter(
      `'MemorySize' value failed to satisfy constraint: Member must have value less than or equal to ${LIMITS.maxMemoryMb}`,
    );
  }
  if (input.Layers && input.Layers.length > LIMITS.maxLayers) {
    throw invalidParameter('Cannot reference more than 5 layers.');
  }
  if (input.Environment?.Variables) checkEnvironment(input.Environment.Variables);
}

function checkEnvironment(vars: Record<string, string>): void {
  const reserved = Object.keys(vars).filter((k) => RESERVED_ENV_KEYS.includes(k));
  if (reserved.length > 0) {
    throw invalidParameter(
      `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(', ')}`,
    );
  }
  const badKey = Object.keys(vars).find((k) => !ENV_KEY.test(k));
  if (badKey !== undefined) {
    throw invalidParameter(
      `1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]`,
    );
  }
  const measured = JSON.stringify(vars);
  if (Buffer.byteLength(measured) > LIMITS.maxEnvironmentBytes) {
    throw invalidParameter(
      `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${measured}`,
    );
  }
}

/** Zip functions need a runtime, and a handler unless the runtime runs the function's own bootstrap. */
export function checkRuntimeAndHandler(
  runtime: string | undefined,
  handler: string | undefined,
): void {
  if (!runtime) {
    throw invalidParameter(
      'Runtime and Handler are mandatory parameters for functions created with deployment packages.',
    );
  }
  if (!handler && !isCustomRuntime(runtime)) {
    throw invalidParameter(
      'Runtime and Handler are mandatory parameters for functions created with deployment packages.',
    );
  }
}
