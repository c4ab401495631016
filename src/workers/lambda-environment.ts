import type { Namespace } from '../aws/arn.js';
import type { VersionRecord } from '../store/records.js';

/** What the environment variables of a function's runtime are built from. */
export interface LambdaEnvironmentInput {
  ns: Namespace;
  functionName: string;
  version: VersionRecord;
  runtimeApi: string;
  taskRoot: string;
  logStreamName: string;
  /** This server's URL, for AWS_ENDPOINT_URL, or undefined when injection is off. */
  endpointUrl?: string;
  runtimeEnv: Record<string, string>;
  interpreterDir?: string;
  /** How the environment was started: on an invoke, or ahead of time for provisioned concurrency. */
  initializationType?: 'on-demand' | 'provisioned-concurrency';
}

/** AWS's PATH and LD_LIBRARY_PATH inside Lambda (the seed's facts). */
export const LAMBDA_PATH = '/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin';
const LAMBDA_LD_LIBRARY_PATH =
  '/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib';

/**
 * The variables real Lambda sets in every environment, then the function's own. Credentials
 * name the function's account as the access key, so SDK calls made inside reach its namespace.
 */
export function lambdaEnvironment(input: LambdaEnvironmentInput): Record<string, string> {
  const { ns, version } = input;
  const runtime = version.Runtime ?? 'provided.al2023';
  const env: Record<string, string> = {
    ...(version.Environment?.Variables ?? {}),
    _HANDLER: version.Handler ?? '',
    AWS_REGION: ns.region,
    AWS_DEFAULT_REGION: ns.region,
    AWS_LAMBDA_FUNCTION_NAME: input.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: version.Version,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(version.MemorySize),
    AWS_LAMBDA_LOG_GROUP_NAME: version.LoggingConfig.LogGroup,
    AWS_LAMBDA_LOG_STREAM_NAME: input.logStreamName,
    AWS_LAMBDA_INITIALIZATION_TYPE: input.initializationType ?? 'on-demand',
    AWS_LAMBDA_RUNTIME_API: input.runtimeApi,
    AWS_ACCESS_KEY_ID: ns.account,
    AWS_SECRET_ACCESS_KEY: 'asimov-lambda-secret',
    AWS_SESSION_TOKEN: 'asimov-lambda-session',
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129:2000',
    LAMBDA_TASK_ROOT: input.taskRoot,
    LAMBDA_RUNTIME_DIR: '/var/runtime',
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    PATH: withDir(LAMBDA_PATH, input.interpreterDir),
    LD_LIBRARY_PATH: LAMBDA_LD_LIBRARY_PATH,
    ...input.runtimeEnv,
  };
  if (!runtime.startsWith('provided')) env.AWS_EXECUTION_ENV = `AWS_Lambda_${runtime}`;
  if (runtime.startsWith('nodejs')) env.NODE_PATH = nodePath(runtime, input.taskRoot);
  if (input.endpointUrl) env.AWS_ENDPOINT_URL = input.endpointUrl;
  if (version.LoggingConfig.LogFormat === 'JSON') env.AWS_LAMBDA_LOG_FORMAT = 'JSON';
  return env;
}

/** Node.js looks for modules in layers first, then the runtime, then the task root, as on AWS. */
function nodePath(runtime: string, taskRoot: string): string {
  const major = /nodejs(\d+)/.exec(runtime)?.[1] ?? '20';
  return [
    `/opt/nodejs/node${major}/node_modules`,
    '/opt/nodejs/node_modules',
    '/var/runtime/node_modules',
    '/var/runtime',
    taskRoot,
  ].join(':');
}

function withDir(pathList: string, dir: string | undefined): string {
  if (!dir || pathList.split(':').includes(dir)) return pathList;
  return `${pathList}:${dir}`;
}
