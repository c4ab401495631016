import fs from 'node:fs/promises';
import path from 'node:path';
import { functionArn, type Namespace } from '../aws/arn.js';
import { envVarsFor, type EnvVarsFile } from './env-vars.js';
import { withFunctionGlobals } from './globals.js';
import { inlineCodeZip } from './inline-code.js';
import { isIntrinsic, NO_VALUE, resolve, type Scope } from './intrinsics.js';
import { parameterValues } from './parameters.js';
import { TemplateError, Unresolvable } from './template-error.js';
import { parseTemplate } from './template-file.js';

export interface TemplateOptions {
  ns: Namespace;
  parameterOverrides?: Record<string, string>;
  envVars?: EnvVarsFile;
}

/** A layer of the template, published from a local folder (hot reload) or a zip file. */
export interface LayerSpec {
  logicalId: string;
  name: string;
  content: LocalCode;
  description: string;
  compatibleRuntimes?: string[];
  compatibleArchitectures?: string[];
  licenseInfo?: string;
}

/** Code from a local folder (hot reload) or a zip file. */
export type LocalCode = { folder: string } | { zip: Buffer };

/** A function's code: local, or (PackageType Image) an image reference. */
export type CodeSpec = LocalCode | { image: string };

/** A function of the template, in CreateFunction's terms, named by its logical ID. */
export interface FunctionSpec {
  logicalId: string;
  code: CodeSpec;
  config: {
    Runtime?: string;
    Handler?: string;
    PackageType?: 'Image';
    ImageConfig?: Record<string, unknown>;
    Role: string;
    Description: string;
    Timeout: number;
    MemorySize: number;
    Environment: { Variables: Record<string, string> };
    Layers: string[];
    Architectures: string[];
    EphemeralStorage?: { Size: number };
    TracingConfig?: { Mode: string };
    LoggingConfig?: Record<string, unknown>;
  };
  tags: Record<string, string>;
  url?: { AuthType: string; Cors?: Record<string, unknown>; InvokeMode?: string };
  reservedConcurrency?: number;
}

const SERVERLESS_FUNCTION = 'AWS::Serverless::Function';
const LAMBDA_FUNCTION = 'AWS::Lambda::Function';
const SERVERLESS_LAYER = 'AWS::Serverless::LayerVersion';
const LAMBDA_LAYER = 'AWS::Lambda::LayerVersion';
const LAMBDA_URL = 'AWS::Lambda::Url';

/** Function properties applied here; the others are listed as not applied. */
const APPLIED = new Set([
  'Handler',
  'Runtime',
  'CodeUri',
  'InlineCode',
  'Code',
  'MemorySize',
  'Timeout',
  'Description',
  'Environment',
  'Layers',
  'Architectures',
  'EphemeralStorage',
  'Tracing',
  'TracingConfig',
  'Role',
  'Tags',
  'FunctionUrlConfig',
  'ReservedConcurrentExecutions',
  'LoggingConfig',
  'PackageType',
  'Events',
]);

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
  Condition?: string;
}

/**
 * A SAM or CloudFormation template as this server serves it: its functions and layers with
 * Globals merged and intrinsic functions worked out, and a list of what it holds that is not run
 * here (other resources, events, properties).
 */
export class SamTemplate {
  /** Function and layer resources whose Condition holds, by logical ID. */
  private readonly resources = new Map<string, Resource>();
  private readonly skipped: string[] = [];
  private readonly unresolved: string[] = [];
  private readonly parameters: Map<string, unknown>;
  private readonly conditionValues = new Map<string, boolean | 'evaluating'>();
  private layerArns = new Map<string, string>();

  private constructor(
    readonly file: string,
    private readonly body: Record<string, unknown>,
    private readonly options: TemplateOptions,
  ) {
    this.parameters = parameterValues(
      section(body, 'Parameters'),
      options.parameterOverrides ?? {},
    );
    this.readResources();
  }

  static async load(file: string, options: TemplateOptions): Promise<SamTemplate> {
    const absolute = path.resolve(file);
    let text: string;
    try {
      text = await fs.readFile(absolute, 'utf8');
    } catch (err) {
      throw new TemplateError({}, `cannot read ${file}: ${(err as Error).message}`);
    }
    return new SamTemplate(absolute, parseTemplate(text), options);
  }

  get dir(): string {
    return path.dirname(this.file);
  }

  /** What the template holds that this server does not run, one line each. */
  notRun(): string[] {
    return [...this.skipped, ...this.unresolved];
  }

  /** Parameters declared in the template but not given (overrides that match nothing). */
  unknownOverrides(): string[] {
    return Object.keys(this.options.parameterOverrides ?? {}).filter(
      (name) => !this.parameters.has(name),
    );
  }

  async layers(): Promise<LayerSpec[]> {
    const out: LayerSpec[] = [];
    for (const [id, resource] of this.resources) {
      if (resource.Type !== SERVERLESS_LAYER && resource.Type !== LAMBDA_LAYER) continue;
      out.push(await inResource(id, () => this.layerSpec(id, resource)));
    }
    return out;
  }

  private async layerSpec(id: string, resource: Resource): Promise<LayerSpec> {
    const prop = this.properties(id, resource);
    const contentProperty = resource.Type === SERVERLESS_LAYER ? 'ContentUri' : 'Content';
    return {
      logicalId: id,
      name: optionalString(prop, 'LayerName') ?? id,
      content: await this.localCode(id, contentProperty, prop(contentProperty) ?? '.'),
      description: optionalString(prop, 'Description') ?? '',
      compatibleRuntimes: optionalStrings(prop, 'CompatibleRuntimes'),
      compatibleArchitectures: optionalStrings(prop, 'CompatibleArchitectures'),
      licenseInfo: optionalString(prop, 'LicenseInfo'),
    };
  }

  /** The functions, given the ARN each layer of the template was published under. */
  async functions(layerArns: ReadonlyMap<string, string>): Promise<FunctionSpec[]> {
    this.layerArns = new Map(layerArns);
    const urls = this.lambdaUrls();
    const out: FunctionSpec[] = [];
    for (const [id, resource] of this.resources) {
      if (resource.Type !== SERVERLESS_FUNCTION && resource.Type !== LAMBDA_FUNCTION) continue;
      const spec = await inResource(id, () => this.functionSpec(id, resource));
      out.push(urls.has(id) ? { ...spec, url: urls.get(id) } : spec);
    }
    return out;
  }

  private readResources(): void {
    const resources = section(this.body, 'Resources');
    if (Object.keys(resources).length === 0)
      throw new TemplateError({ resource: 'Resources' }, 'the template declares no resources');
    for (const [id, raw] of Object.entries(resources)) {
      const resource = raw as Partial<Resource> | null;
      if (typeof resource?.Type !== 'string')
        throw new TemplateError({ resource: id, property: 'Type' }, 'every resource needs a Type');
      if (resource.Condition !== undefined && !this.condition(resource.Condition)) continue;
      const properties = (resource.Properties ?? {}) as Record<string, unknown>;
      const type = resource.Type;
      if (type === SERVERLESS_FUNCTION) {
        const merged = withFunctionGlobals(section(this.body, 'Globals'), properties);
        this.resources.set(id, { Type: type, Properties: merged });
      } else if ([LAMBDA_FUNCTION, SERVERLESS_LAYER, LAMBDA_LAYER, LAMBDA_URL].includes(type)) {
        this.resources.set(id, { Type: type, Properties: properties });
      } else {
        this.skipped.push(`${id} (${type}): not run here`);
      }
    }
    const globals = Object.keys(section(this.body, 'Globals')).filter((key) => key !== 'Function');
    for (const key of globals) this.skipped.push(`Globals.${key}: not run here`);
    for (const [id, resource] of this.resources) this.noteUnapplied(id, resource);
  }

  private noteUnapplied(id: string, resource: Resource): void {
    if (resource.Type !== SERVERLESS_FUNCTION && resource.Type !== LAMBDA_FUNCTION) return;
    const events = Object.entries(section(resource.Properties, 'Events')).map(
      ([name, event]) => `${name} (${String((event as { Type?: unknown } | null)?.Type)})`,
    );
    if (events.length > 0)
      this.skipped.push(`${id}: events not delivered here: ${events.join(', ')}`);
    const unapplied = Object.keys(resource.Properties).filter((key) => !APPLIED.has(key));
    if (unapplied.length > 0)
      this.skipped.push(`${id}: properties not applied here: ${unapplied.join(', ')}`);
  }

  private async functionSpec(id: string, resource: Resource): Promise<FunctionSpec> {
    const prop = this.properties(id, resource);
    const serverless = resource.Type === SERVERLESS_FUNCTION;
    const image = prop('PackageType') === 'Image' ? imageUri(id, prop, serverless) : undefined;
    const runtime = optionalString(prop, 'Runtime');
    const handler = optionalString(prop, 'Handler');
    if (image === undefined && runtime === undefined)
      throw new TemplateError({ resource: id, property: 'Runtime' }, required(serverless));
    if (image === undefined && handler === undefined)
      throw new TemplateError({ resource: id, property: 'Handler' }, required(serverless));
    const imageConfig = prop('ImageConfig') as Record<string, unknown> | undefined;
    const tracing = serverless
      ? optionalString(prop, 'Tracing')
      : (prop('TracingConfig') as { Mode?: string } | undefined)?.Mode;
    const storage = prop('EphemeralStorage') as { Size?: unknown } | undefined;
    const url = prop('FunctionUrlConfig') as FunctionSpec['url'] | undefined;
    const reserved = optionalNumber(prop, 'ReservedConcurrentExecutions');
    return {
      logicalId: id,
      code: image ? { image } : await this.functionCode(id, prop, serverless, runtime as string),
      config: {
        ...(image
          ? { PackageType: 'Image' as const, ...(imageConfig ? { ImageConfig: imageConfig } : {}) }
          : { Runtime: runtime, Handler: handler }),
        Role: optionalString(prop, 'Role') ?? roleArn(this.options.ns, `${id}Role`),
        Description: optionalString(prop, 'Description') ?? '',
        Timeout: optionalNumber(prop, 'Timeout') ?? 3,
        MemorySize: optionalNumber(prop, 'MemorySize') ?? 128,
        Environment: { Variables: this.variables(id, resource) },
        Layers: optionalStrings(prop, 'Layers') ?? [],
        Architectures: optionalStrings(prop, 'Architectures') ?? ['x86_64'],
        ...(storage?.Size !== undefined
          ? { EphemeralStorage: { Size: Number(storage.Size) } }
          : {}),
        ...(tracing !== undefined ? { TracingConfig: { Mode: tracing } } : {}),
        ...(prop('LoggingConfig') !== undefined
          ? { LoggingConfig: prop('LoggingConfig') as Record<string, unknown> }
          : {}),
      },
      tags: Object.fromEntries(
        Object.entries((prop('Tags') ?? {}) as Record<string, unknown>).map(([k, v]) => [
          k,
          String(v),
        ]),
      ),
      ...(url ? { url } : {}),
      ...(reserved !== undefined ? { reservedConcurrency: reserved } : {}),
    };
  }

  private async functionCode(
    id: string,
    prop: (name: string) => unknown,
    serverless: boolean,
    runtime: string,
  ): Promise<CodeSpec> {
    const inline = serverless
      ? prop('InlineCode')
      : (prop('Code') as { ZipFile?: unknown } | undefined)?.ZipFile;
    if (typeof inline === 'string') return { zip: inlineCodeZip(inline, runtime) };
    if (serverless) return this.localCode(id, 'CodeUri', prop('CodeUri') ?? '.');
    const code = prop('Code');
    if (typeof code === 'string') return this.localCode(id, 'Code', code);
    return this.localCode(id, 'Code', code);
  }

  /** A CodeUri/ContentUri: a local folder (run in place, hot-reloaded) or a local zip file. */
  private async localCode(id: string, property: string, value: unknown): Promise<LocalCode> {
    if (typeof value !== 'string' || /^s3:\/\//i.test(value)) {
      throw new TemplateError(
        { resource: id, property },
        `${JSON.stringify(value)} is not a local path; code in S3 is not fetched here (serve the template of \`sam build\`, or point ${property} at a folder)`,
      );
    }
    const location = path.resolve(this.dir, value);
    const stat = await fs.stat(location).catch(() => undefined);
    if (stat?.isDirectory()) return { folder: location };
    if (stat?.isFile() && location.endsWith('.zip')) return { zip: await fs.readFile(location) };
    throw new TemplateError(
      { resource: id, property },
      `${value} (${location}) is neither a folder nor a .zip file`,
    );
  }

  /**
   * The template's variables with the env-vars file over them (its Parameters block, then the
   * function's own). A value that cannot be worked out here is empty, as in `sam local`, and
   * listed; the env-vars file can give it.
   */
  private variables(id: string, resource: Resource): Record<string, string> {
    const environment = (resource.Properties.Environment ?? {}) as { Variables?: unknown };
    const raw = environment.Variables ?? {};
    // Each variable on its own, so one that cannot be worked out here leaves the others be.
    const declared = isIntrinsic(raw) ? this.resolveAt(id, 'Environment', raw) : raw;
    const out: Record<string, string> = {};
    for (const [name, raw] of Object.entries(declared as Record<string, unknown>)) {
      try {
        const value = resolve(raw, this.scope());
        if (value !== NO_VALUE) out[name] = stringValue(value);
      } catch (err) {
        if (!(err instanceof Unresolvable)) throw err;
        this.unresolved.push(`${id}: variable ${name} is empty here (${err.message})`);
        out[name] = '';
      }
    }
    const fromFile = this.options.envVars ? envVarsFor(this.options.envVars, [id]) : {};
    return { ...out, ...fromFile };
  }

  /** The URL configs of AWS::Lambda::Url resources, by the logical ID of their function. */
  private lambdaUrls(): Map<string, NonNullable<FunctionSpec['url']>> {
    const urls = new Map<string, NonNullable<FunctionSpec['url']>>();
    for (const [id, resource] of this.resources) {
      if (resource.Type !== LAMBDA_URL) continue;
      const prop = this.properties(id, resource);
      const target = String(prop('TargetFunctionArn')).split(':function:').pop() as string;
      if (!this.resources.has(target)) {
        this.skipped.push(`${id} (${LAMBDA_URL}): its function ${target} is not in the template`);
        continue;
      }
      const { TargetFunctionArn: _t, Qualifier: _q, ...config } = resource.Properties;
      urls.set(target, this.resolveAt(id, 'AuthType', config) as NonNullable<FunctionSpec['url']>);
    }
    return urls;
  }

  /** Reads one property at a time, so a property not used here never stops the template. */
  private properties(id: string, resource: Resource): (name: string) => unknown {
    return (name) => {
      const value = this.resolveAt(id, name, resource.Properties[name]);
      return value === NO_VALUE ? undefined : value;
    };
  }

  private resolveAt(id: string, property: string, value: unknown): unknown {
    try {
      return resolve(value, this.scope());
    } catch (err) {
      if (err instanceof Unresolvable)
        throw new TemplateError({ resource: id, property }, err.message);
      if (err instanceof TemplateError && err.location.resource === undefined)
        throw new TemplateError({ resource: id, property }, err.reason);
      throw err;
    }
  }

  private condition(name: string): boolean {
    const known = this.conditionValues.get(name);
    if (known === 'evaluating')
      throw new TemplateError({ resource: `Conditions.${name}` }, 'refers to itself');
    if (known !== undefined) return known;
    const expression = section(this.body, 'Conditions')[name];
    if (expression === undefined)
      throw new TemplateError({ resource: `Conditions.${name}` }, 'is not declared');
    this.conditionValues.set(name, 'evaluating');
    let value: unknown;
    try {
      value = resolve(expression, this.scope());
    } catch (err) {
      this.conditionValues.delete(name);
      if (err instanceof Unresolvable)
        throw new TemplateError({ resource: `Conditions.${name}` }, err.message);
      throw err;
    }
    if (typeof value !== 'boolean')
      throw new TemplateError({ resource: `Conditions.${name}` }, 'must be a condition function');
    this.conditionValues.set(name, value);
    return value;
  }

  private scope(): Scope {
    const { ns } = this.options;
    return {
      region: ns.region,
      ref: (name) => this.ref(name),
      getAtt: (resource, attribute) => this.getAtt(resource, attribute),
      findInMap: (map, top, second) => {
        const value = (
          section(this.body, 'Mappings')[map] as Record<string, unknown> | undefined
        )?.[top] as Record<string, unknown> | undefined;
        if (value?.[second] === undefined)
          throw new Unresolvable(`Fn::FindInMap: Mappings.${map}.${top}.${second} is not declared`);
        return value[second];
      },
      condition: (name) => this.condition(name),
    };
  }

  /** `Ref`: parameters, pseudo parameters (as SAM's local defaults, in our namespace), resources. */
  private ref(name: string): unknown {
    const { ns } = this.options;
    if (this.parameters.has(name)) return this.parameters.get(name);
    const pseudo: Record<string, unknown> = {
      'AWS::AccountId': ns.account,
      'AWS::Region': ns.region,
      'AWS::Partition': 'aws',
      'AWS::StackName': 'local',
      'AWS::StackId': `arn:aws:cloudformation:${ns.region}:${ns.account}:stack/local/51af3dc0-da77-11e4-872e-1234567db123`,
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::NotificationARNs': [],
      'AWS::NoValue': NO_VALUE,
    };
    if (name in pseudo) return pseudo[name];
    const layer = this.layerArns.get(name);
    if (layer !== undefined) return layer;
    if (name in section(this.body, 'Resources')) return name; // a function's name, or as sam local does
    throw new Unresolvable(`Ref ${name}: no parameter or resource has that name`);
  }

  private getAtt(resource: string, attribute: string): unknown {
    const { ns } = this.options;
    const type = (section(this.body, 'Resources')[resource] as { Type?: string } | undefined)?.Type;
    if ((type === SERVERLESS_FUNCTION || type === LAMBDA_FUNCTION) && attribute === 'Arn')
      return functionArn(ns, resource);
    if (type === LAMBDA_LAYER || type === SERVERLESS_LAYER) return this.ref(resource);
    // The role SAM makes for a function, and roles of the template.
    if (attribute === 'Arn' && (type === 'AWS::IAM::Role' || /Role$/.test(resource)))
      return roleArn(ns, resource);
    throw new Unresolvable(
      `Fn::GetAtt ${resource}.${attribute}: ${type ? `${resource} (${type}) is not run here` : 'no such resource'}`,
    );
  }
}

/** Names the resource in errors about one of its properties. */
async function inResource<T>(id: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof TemplateError && err.location.resource === undefined)
      throw new TemplateError({ resource: id, property: err.location.property }, err.reason);
    throw err;
  }
}

const roleArn = (ns: Namespace, name: string): string => `arn:aws:iam::${ns.account}:role/${name}`;

const required = (serverless: boolean): string =>
  serverless
    ? 'is required for a Zip function (here or in Globals.Function)'
    : 'is required for a Zip function';

function section(body: Record<string, unknown>, name: string): Record<string, unknown> {
  const value = body[name];
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw new TemplateError({ resource: name }, 'must be a map');
  return value as Record<string, unknown>;
}

function stringValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(String).join(',');
  return JSON.stringify(value);
}

type Prop = (name: string) => unknown;

function optionalString(prop: Prop, name: string): string | undefined {
  const value = prop(name);
  if (value === undefined) return undefined;
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  throw new TemplateError({ property: name }, `must be a string, got ${JSON.stringify(value)}`);
}

function optionalNumber(prop: Prop, name: string): number | undefined {
  const value = prop(name);
  if (value === undefined) return undefined;
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number === 'number' && Number.isInteger(number)) return number;
  throw new TemplateError(
    { property: name },
    `must be a whole number, got ${JSON.stringify(value)}`,
  );
}

function optionalStrings(prop: Prop, name: string): string[] | undefined {
  const value = prop(name);
  if (value === undefined) return undefined;
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value;
  throw new TemplateError(
    { property: name },
    `must be a list of strings, got ${JSON.stringify(value)}`,
  );
}

/**
 * An Image function's image: `ImageUri` on AWS::Serverless::Function (as `sam build` writes it),
 * `Code.ImageUri` on AWS::Lambda::Function. The server runs it on Docker.
 */
function imageUri(id: string, prop: (name: string) => unknown, serverless: boolean): string {
  const value = serverless
    ? prop('ImageUri')
    : (prop('Code') as { ImageUri?: unknown } | undefined)?.ImageUri;
  if (typeof value !== 'string' || value === '') {
    const property = serverless ? 'ImageUri' : 'Code.ImageUri';
    throw new TemplateError({ resource: id, property }, 'an Image function needs its image');
  }
  return value;
}
