import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Namespace } from '../aws/arn.js';
import { LambdaError } from '../aws/errors.js';
import type { CreateFunctionInput } from '../aws/function-rules.js';
import { HOT_RELOAD_BUCKET } from '../control-plane/code-source.js';
import type { RunningServer } from '../server.js';
import { TemplateError } from './template-error.js';
import type { CodeSpec, FunctionSpec, LayerSpec, LocalCode, SamTemplate } from './template.js';

type Services = RunningServer['services'];

const PUBLIC_URL_STATEMENT = 'FunctionURLAllowPublicAccess';

export interface Deployed {
  /** Logical ID → function URL, for the functions that have one. */
  urls: Map<string, string>;
  functions: string[];
  layers: Map<string, string>;
}

/**
 * Makes the server hold what a template declares, through the control plane as an API caller
 * would: layers published, functions created (or updated, or deleted when a reload drops them)
 * under their logical IDs, URL configs and reserved concurrency set. Local folders become
 * hot-reload code, so edits need no redeploy.
 */
export class TemplateDeployer {
  /** What the last deploy made, so a reload can tell what changed or went. */
  private readonly layerVersions = new Map<string, { spec: string; arn: string }>();
  private functionNames = new Set<string>();

  constructor(
    private readonly services: Services,
    private readonly ns: Namespace,
  ) {}

  async deploy(template: SamTemplate): Promise<Deployed> {
    const layers = new Map<string, string>();
    for (const layer of await template.layers()) {
      layers.set(layer.logicalId, await this.layer(layer));
    }
    const specs = await template.functions(layers);
    const urls = new Map<string, string>();
    for (const spec of specs) {
      const url = await this.inResource(spec.logicalId, () => this.function(spec));
      if (url) urls.set(spec.logicalId, url);
    }
    const names = new Set(specs.map((spec) => spec.logicalId));
    for (const gone of this.functionNames) {
      if (!names.has(gone)) await this.services.functions.delete(this.ns, gone).catch(ignore404);
    }
    this.functionNames = names;
    return { urls, functions: [...names], layers };
  }

  private async layer(layer: LayerSpec): Promise<string> {
    const spec = JSON.stringify({ ...layer, content: codeKey(layer.content) });
    const known = this.layerVersions.get(layer.logicalId);
    if (known?.spec === spec) return known.arn;
    const published = await this.inResource(layer.logicalId, () =>
      this.services.layers.publish(
        this.ns,
        layer.name,
        {
          Content: localSource(layer.content),
          Description: layer.description,
          CompatibleRuntimes: layer.compatibleRuntimes,
          CompatibleArchitectures: layer.compatibleArchitectures,
          LicenseInfo: layer.licenseInfo,
        },
        () => '',
      ),
    );
    const arn = published.LayerVersionArn as string;
    this.layerVersions.set(layer.logicalId, { spec, arn });
    return arn;
  }

  /** Creates or updates one function; returns its URL if it has one. */
  private async function(spec: FunctionSpec): Promise<string | undefined> {
    const { functions } = this.services;
    const name = spec.logicalId;
    const current = await functions.find(this.ns, name).catch(ignore404);
    if (!current) {
      await functions.create(this.ns, {
        FunctionName: name,
        ...spec.config,
        Code: codeSource(spec.code),
        Tags: spec.tags,
      } as CreateFunctionInput);
    } else {
      const version = current.version;
      const sameCode =
        codeKey(spec.code) ===
          (version.hotReloadFolder ?? version.image?.ImageUri ?? version.CodeSha256) &&
        isDeepStrictEqual(spec.config.Architectures, version.Architectures);
      if (!sameCode) {
        await functions.updateCode(this.ns, name, {
          ...codeSource(spec.code),
          Architectures: spec.config.Architectures,
        });
        await this.settled(name);
      }
      const { Architectures: _a, PackageType: _p, ...config } = spec.config;
      const stored = {
        ...(config.Runtime !== undefined ? { Runtime: version.Runtime } : {}),
        ...(config.Handler !== undefined ? { Handler: version.Handler } : {}),
        ...(config.ImageConfig ? { ImageConfig: version.ImageConfigResponse?.ImageConfig } : {}),
        Role: version.Role,
        Description: version.Description,
        Timeout: version.Timeout,
        MemorySize: version.MemorySize,
        Environment: { Variables: version.Environment?.Variables ?? {} },
        Layers: version.Layers,
        ...(config.EphemeralStorage ? { EphemeralStorage: version.EphemeralStorage } : {}),
        ...(config.TracingConfig ? { TracingConfig: version.TracingConfig } : {}),
        ...(config.LoggingConfig ? { LoggingConfig: version.LoggingConfig } : {}),
      };
      if (!isDeepStrictEqual(config, stored)) {
        await functions.updateConfiguration(this.ns, name, config);
      }
    }
    await this.settled(name);
    await this.reservedConcurrency(spec);
    return this.url(spec);
  }

  private async reservedConcurrency(spec: FunctionSpec): Promise<void> {
    const { concurrency } = this.services;
    if (spec.reservedConcurrency !== undefined)
      await concurrency.put(this.ns, spec.logicalId, spec.reservedConcurrency);
    else await concurrency.delete(this.ns, spec.logicalId);
  }

  private async url(spec: FunctionSpec): Promise<string | undefined> {
    const { functionUrls } = this.services;
    const name = spec.logicalId;
    const current = await functionUrls.get(this.ns, name, undefined).catch(ignore404);
    await this.publicUrlPermission(name, spec.url?.AuthType === 'NONE');
    if (!spec.url) {
      if (current) await functionUrls.delete(this.ns, name, undefined);
      return undefined;
    }
    const input = spec.url as Parameters<typeof functionUrls.create>[3];
    if (!current) return (await functionUrls.create(this.ns, name, undefined, input)).FunctionUrl;
    const { AuthType, Cors, InvokeMode } = current;
    if (!isDeepStrictEqual({ AuthType, Cors, InvokeMode }, { InvokeMode: 'BUFFERED', ...input }))
      await functionUrls.update(this.ns, name, undefined, { Cors: {}, ...input });
    return current.FunctionUrl;
  }

  /**
   * SAM gives a URL with AuthType NONE the permission that lets anyone call it
   * (`<Function>UrlPublicPermissions`); without it the URL answers 403, as on AWS.
   */
  private async publicUrlPermission(name: string, wanted: boolean): Promise<void> {
    const { permissions } = this.services;
    if (!wanted) {
      await permissions
        .remove(this.ns, name, PUBLIC_URL_STATEMENT, undefined, undefined)
        .catch(ignore404);
      return;
    }
    await permissions
      .add(this.ns, name, undefined, {
        StatementId: PUBLIC_URL_STATEMENT,
        Action: 'lambda:InvokeFunctionUrl',
        Principal: '*',
        FunctionUrlAuthType: 'NONE',
      })
      .catch((err: unknown) => {
        if (!(err instanceof LambdaError && err.code === 'ResourceConflictException')) throw err;
      });
  }

  /** Waits out Pending / InProgress (milliseconds here), as a careful deployer would. */
  private async settled(name: string): Promise<void> {
    for (;;) {
      const { version } = await this.services.functions.find(this.ns, name);
      if (version.State === 'Failed' || version.LastUpdateStatus === 'Failed')
        throw new TemplateError({ resource: name }, version.LastUpdateStatusReason ?? 'failed');
      if (version.State === 'Active' && version.LastUpdateStatus !== 'InProgress') return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** The control plane's refusals (AWS's wording) name the resource they came from. */
  private async inResource<T>(id: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof LambdaError)
        throw new TemplateError({ resource: id }, `${err.code}: ${err.message}`);
      throw err;
    }
  }
}

/** What CreateFunction and PublishLayerVersion are given for the code. */
function codeSource(
  code: CodeSpec,
): { ZipFile: string } | { S3Bucket: string; S3Key: string } | { ImageUri: string } {
  return 'image' in code ? { ImageUri: code.image } : localSource(code);
}

function localSource(code: LocalCode): { ZipFile: string } | { S3Bucket: string; S3Key: string } {
  return 'folder' in code
    ? { S3Bucket: HOT_RELOAD_BUCKET, S3Key: code.folder }
    : { ZipFile: code.zip.toString('base64') };
}

/** The folder, the image reference, or the CodeSha256 the zip will have. */
function codeKey(code: CodeSpec): string {
  if ('image' in code) return code.image;
  return 'folder' in code ? code.folder : createHash('sha256').update(code.zip).digest('base64');
}

function ignore404(err: unknown): undefined {
  if (err instanceof LambdaError && err.code === 'ResourceNotFoundException') return undefined;
  throw err;
}
