import { functionArn, type Namespace } from './arn.js';
import { notFound, validationError } from './errors.js';

/**
 * AWS accepts a function in any of these forms (the FunctionName shape of the service model):
 * `name`, `name:qualifier`, `account:function:name[:qualifier]` and
 * `arn:aws:lambda:region:account:function:name[:qualifier]`.
 */
const FUNCTION_NAME_PATTERN =
  /^(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?$/;

/** The pattern as AWS prints it in its ValidationException message. */
const PRINTED_PATTERN =
  '(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?';

/** The bare name itself: 1–64 letters, digits, hyphens or underscores (CreateFunction's rule). */
const BARE_NAME = /^[a-zA-Z0-9-_]{1,64}$/;

export interface FunctionRef {
  name: string;
  qualifier?: string;
}

/** Parses any accepted form; an ARN naming another account or region cannot be found from here. */
export function parseFunctionName(raw: string, ns: Namespace, field = 'functionName'): FunctionRef {
  if (raw.length < 1 || raw.length > 256) {
    throw validationError([lengthProblem(raw, field, 256)]);
  }
  const parts = FUNCTION_NAME_PATTERN.exec(raw);
  if (!parts) {
    throw validationError([
      `Value '${raw}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${PRINTED_PATTERN}`,
    ]);
  }
  const region = parts[3]?.slice(0, -1);
  const account = parts[8]?.slice(0, -1);
  const name = parts[10] as string;
  const qualifier = parts[12];
  if ((region && region !== ns.region) || (account && account !== ns.account)) {
    throw notFound(`Function not found: ${functionArn(ns, name, qualifier)}`);
  }
  return qualifier ? { name, qualifier } : { name };
}

/** CreateFunction takes the same forms but the name part must be a valid new name. */
export function parseNewFunctionName(raw: string, ns: Namespace): FunctionRef {
  if (raw.length > 140) throw validationError([lengthProblem(raw, 'functionName', 140)]);
  const ref = parseFunctionName(raw, ns);
  if (!BARE_NAME.test(ref.name)) {
    throw validationError([
      `Value '${raw}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: ${PRINTED_PATTERN}`,
    ]);
  }
  return ref;
}

function lengthProblem(raw: string, field: string, max: number): string {
  return raw.length < 1
    ? `Value '${raw}' at '${field}' failed to satisfy constraint: Member must have length greater than or equal to 1`
    : `Value '${raw}' at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${max}`;
}

/** A layer as the layer operations address it: the layer's namespace and its name. */
export interface LayerRef {
  ns: Namespace;
  name: string;
}

/** The model's LayerName: a name, or a layer ARN naming the account and region it lives in. */
const LAYER_NAME =
  /^(?:arn:[a-zA-Z0-9-]+:lambda:([a-zA-Z0-9-]+):(\d{12}):layer:([a-zA-Z0-9-_]+)|([a-zA-Z0-9-_]+))$/;
const PRINTED_LAYER_NAME =
  '(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+';

/** The model's LayerVersionArn. */
const LAYER_VERSION_ARN =
  /^arn:[a-zA-Z0-9-]+:lambda:([a-zA-Z0-9-]+):(\d{12}):layer:([a-zA-Z0-9-_]+):([0-9]+)$/;
const PRINTED_LAYER_VERSION_ARN =
  'arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+';

export function parseLayerName(raw: string, ns: Namespace): LayerRef {
  if (raw.length < 1 || raw.length > 140)
    throw validationError([lengthProblem(raw, 'layerName', 140)]);
  const parts = LAYER_NAME.exec(raw);
  if (!parts) throw validationError([patternProblem(raw, 'layerName', PRINTED_LAYER_NAME)]);
  if (parts[4] !== undefined) return { ns, name: parts[4] };
  return {
    ns: { region: parts[1] as string, account: parts[2] as string },
    name: parts[3] as string,
  };
}

/** GetLayerVersionByArn's `Arn`, and the members of a function's Layers. */
export function parseLayerVersionArn(raw: string, field = 'arn'): LayerRef & { version: number } {
  if (raw.length < 1 || raw.length > 140) throw validationError([lengthProblem(raw, field, 140)]);
  const parts = LAYER_VERSION_ARN.exec(raw);
  if (!parts) throw validationError([patternProblem(raw, field, PRINTED_LAYER_VERSION_ARN)]);
  const [, region, account, name, version] = parts as unknown as string[];
  return { ns: { region, account } as Namespace, name: name as string, version: Number(version) };
}

function patternProblem(raw: string, field: string, printed: string): string {
  return `Value '${raw}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${printed}`;
}
