import { functionArn, type Namespace } from '../aws/arn.js';
import { conflict, invalidParameter, LambdaError, notFound } from '../aws/errors.js';
import { lastModified, newRevisionId } from '../aws/formats.js';
import {
  checkConfigConstraints,
  checkConfigRules,
  checkRuntimeAndHandler,
  type CreateFunctionInput,
  type UpdateFunctionCodeInput,
  type UpdateFunctionConfigurationInput,
} from '../aws/function-rules.js';
import { parseFunctionName, parseNewFunctionName } from '../aws/names.js';
import {
  checkCodeUpdate,
  checkImageConstraints,
  checkPackageFields,
  requireImageUri,
} from '../aws/image-rules.js';
import { Constraints } from '../aws/validation.js';
import { checkCodeSigningConfigArn } from '../aws/code-signing.js';
import { checkTags } from '../aws/tags.js';
import { requireCodeSigningConfig } from './code-signing.js';
import type { CodeStore, StoredCode } from '../store/code-store.js';
import type { MetadataStore } from '../store/metadata-store.js';
import type { FunctionRecord, VersionRecord } from '../store/records.js';
import { isAliasName } from '../aws/alias-rules.js';
import { refuseAliasedVersion } from './aliases.js';
import { releaseUnused } from './code-references.js';
import { codePackage, HOT_RELOAD_SHA256, type CodePackage } from './code-source.js';
import { imageCode, imageConfigResponse, type ImageCode, type ImageSource } from './image-code.js';
import type { FunctionLifecycle } from './function-lifecycle.js';
import { toConfiguration, type FunctionConfiguration, type ViewOptions } from './function-view.js';
import { checkCodeWithLayers, checkLayerReferences, layerSizes } from './layer-references.js';
import { effectiveQualifier, LATEST, publishVersion, resolveVersion } from './versions.js';

/** Told when a function's code or configuration changes, so running environments can be retired. */
export interface FunctionObserver {
  functionChanged(ns: Namespace, name: string): void;
}

export interface GetFunctionResult {
  configuration: FunctionConfiguration;
  codeSha256: string;
  tags: Record<string, string>;
  reservedConcurrency?: number;
  /** PackageType Image: the image as given and as pinned. */
  image?: VersionRecord['image'];
}

/** CreateFunction, GetFunction(Configuration), DeleteFunction, UpdateFunctionCode/Configuration. */
export class FunctionService {
  constructor(
    private readonly store: MetadataStore,
    private readonly code: CodeStore,
    private readonly lifecycle: FunctionLifecycle,
    private readonly observer: FunctionObserver,
    private readonly images: ImageSource,
  ) {}

  async create(ns: Namespace, input: CreateFunctionInput): Promise<FunctionConfiguration> {
    const c = new Constraints()
      .required(input.FunctionName, 'functionName')
      .required(input.Role, 'role');
    c.required(input.Code, 'code');
    checkCodeSigningConfigArn(input.CodeSigningConfigArn, 'codeSigningConfigArn', c);
    checkImageConstraints(input, c);
    checkConfigConstraints(input, c);
    const ref = parseNewFunctionName(input.FunctionName as string, ns);
    checkConfigRules(input);
    if (input.Tags) checkTags(input.Tags);
    const packageType = input.PackageType === 'Image' ? 'Image' : 'Zip';
    checkPackageFields(packageType, input);
    const imageUri = packageType === 'Image' ? requireImageUri(input.Code) : undefined;
    if (!imageUri) checkRuntimeAndHandler(input.Runtime, input.Handler);
    const source = imageUri ? undefined : await codePackage(input.Code ?? {});
    await this.refuseExisting(ns, ref.name);
    if (input.CodeSigningConfigArn) {
      await requireCodeSigningConfig(this.store, ns, input.CodeSigningConfigArn);
    }
    await checkLayerReferences(this.store, ns, input.Layers);
    const stored = source
      ? await this.storePackage(source)
      : await imageCode(this.images, imageUri as string);
    const created = (await this.storeCode(stored.sha256, async () => {
      await checkCodeWithLayers(this.store, this.code, stored.unzippedBytes, input.Layers ?? []);
      return this.store.mutateFunction(ns, ref.name, (current) => {
        if (current) throw conflict(`Function already exist: ${ref.name}`);
        return this.newRecord(ns, ref.name, input, stored);
      });
    })) as FunctionRecord;
    this.lifecycle.settle(ns, ref.name, stored.sha256);
    const version = input.Publish ? created.versions['1'] : created.latest;
    return this.view(created, version ?? created.latest, { qualifiedArn: false });
  }

  async get(ns: Namespace, rawName: string, qualifier?: string): Promise<GetFunctionResult> {
    const found = await this.find(ns, rawName, qualifier);
    const { record, version, qualified } = found;
    const arnQualifier = isAliasName(found.qualifier ?? '') ? found.qualifier : undefined;
    return {
      configuration: await this.view(record, version, { qualifiedArn: qualified, arnQualifier }),
      codeSha256: version.CodeSha256,
      tags: record.tags,
      reservedConcurrency: record.reservedConcurrency,
      image: version.image,
    };
  }

  async getConfiguration(
    ns: Namespace,
    rawName: string,
    qualifier?: string,
  ): Promise<FunctionConfiguration> {
    return (await this.get(ns, rawName, qualifier)).configuration;
  }

  async delete(ns: Namespace, rawName: string, queryQualifier?: string): Promise<void> {
    const ref = parseFunctionName(rawName, ns);
    const qualifier = effectiveQualifier(ref, queryQualifier);
    if (qualifier !== undefined && isAliasName(qualifier)) {
      throw invalidParameter('Deletion of aliases is not currently supported.');
    }
    if (qualifier === LATEST) {
      throw invalidParameter('$LATEST version cannot be deleted without deleting the function.');
    }
    let dropped: VersionRecord[] = [];
    await this.store.mutateFunction(ns, ref.name, (current) => {
      if (!current) throw notFound(`Function not found: ${functionArn(ns, ref.name, qualifier)}`);
      if (qualifier === undefined) {
        dropped = [current.latest, ...Object.values(current.versions)];
        return null;
      }
      dropped = [resolveVersion(ns, current, qualifier)];
      refuseAliasedVersion(current, qualifier);
      const { [qualifier]: _removed, ...versions } = current.versions;
      return { ...current, versions };
    });
    this.observer.functionChanged(ns, ref.name);
    await this.releaseUnused(
      dropped.map((version) => version.CodeSha256),
      dropped.flatMap((version) => version.Layers),
    );
  }

  async updateCode(
    ns: Namespace,
    rawName: string,
    input: UpdateFunctionCodeInput,
  ): Promise<FunctionConfiguration> {
    const ref = parseFunctionName(rawName, ns);
    new Constraints().count(input.Architectures, 'architectures', 1, 1).check();
    if (input.ImageUri !== undefined) return this.updateImage(ns, ref.name, input);
    const source = await codePackage(input);
    const current = await this.findRecord(ns, ref.name);
    this.refuseBusy(ns, current, input.RevisionId);
    checkCodeUpdate(current.latest.PackageType, input);
    const stored = await this.storePackage(source, input.DryRun);
    const changes: Partial<VersionRecord> = {
      CodeSha256: stored.sha256,
      CodeSize: stored.size,
      hotReloadFolder: stored.folder,
      ...(input.Architectures ? { Architectures: input.Architectures } : {}),
    };
    const withLayers = () =>
      checkCodeWithLayers(this.store, this.code, stored.unzippedBytes, current.latest.Layers);
    if (input.DryRun) {
      await withLayers();
      return this.dryRunView(current, changes);
    }
    const previous = current.latest.CodeSha256;
    const updated = await this.storeCode(stored.sha256, async () => {
      await withLayers();
      return this.applyUpdate(ns, ref.name, input.RevisionId, changes, input.Publish ?? false);
    });
    await this.releaseUnused([previous]);
    return updated;
  }

  /** A zip goes to the code store (pinned); a hot-reload folder is run where it is, unhashed. */
  private async storePackage(
    source: CodePackage,
    dryRun = false,
  ): Promise<StoredCode & { folder?: string }> {
    if (source.folder !== undefined)
      return { sha256: HOT_RELOAD_SHA256, size: 0, unzippedBytes: 0, folder: source.folder };
    return dryRun ? this.code.inspect(source.zip) : this.code.put(source.zip);
  }

  /** UpdateFunctionCode with an ImageUri: the function's image, pinned to its digest again. */
  private async updateImage(
    ns: Namespace,
    name: string,
    input: UpdateFunctionCodeInput,
  ): Promise<FunctionConfiguration> {
    const current = await this.findRecord(ns, name);
    this.refuseBusy(ns, current, input.RevisionId);
    checkCodeUpdate(current.latest.PackageType, input);
    const code = await imageCode(this.images, input.ImageUri as string);
    const changes: Partial<VersionRecord> = {
      CodeSha256: code.sha256,
      CodeSize: code.size,
      image: code.image,
      ...(input.Architectures ? { Architectures: input.Architectures } : {}),
    };
    if (input.DryRun) return this.dryRunView(current, changes);
    return this.applyUpdate(ns, name, input.RevisionId, changes, input.Publish ?? false);
  }

  /** Runs the metadata write that makes a just-stored blob referenced; drops the blob if it fails. */
  private async storeCode<T>(sha256: string, write: () => Promise<T>): Promise<T> {
    let written = false;
    try {
      const result = await write();
      written = true;
      return result;
    } finally {
      this.code.unpin(sha256);
      if (!written) await this.releaseUnused([sha256]);
    }
  }

  private async releaseUnused(shas: string[], layerArns: string[] = []): Promise<void> {
    await releaseUnused(this.store, this.code, shas, layerArns);
  }

  /** The FunctionConfiguration of a version, with its layers' sizes. */
  private async view(
    record: FunctionRecord,
    version: VersionRecord,
    options: ViewOptions,
  ): Promise<FunctionConfiguration> {
    const sizes = await layerSizes(this.store, [version]);
    return toConfiguration(record, version, { ...options, layerSizes: sizes });
  }

  async updateConfiguration(
    ns: Namespace,
    rawName: string,
    input: UpdateFunctionConfigurationInput,
  ): Promise<FunctionConfiguration> {
    const ref = parseFunctionName(rawName, ns);
    checkConfigConstraints(input);
    checkConfigRules(input);
    const current = await this.findRecord(ns, ref.name);
    this.refuseBusy(ns, current, input.RevisionId);
    checkPackageFields(current.latest.PackageType, input);
    await checkLayerReferences(this.store, ns, input.Layers);
    if (input.Layers) {
      const codeBytes = await this.code.unzippedBytes(current.latest.CodeSha256);
      await checkCodeWithLayers(this.store, this.code, codeBytes, input.Layers);
    }
    const changes = {
      ...configChanges(input),
      ...loggingChanges(current.latest.LoggingConfig, input.LoggingConfig),
    };
    const next = { ...current.latest, ...changes };
    if (next.PackageType === 'Zip') checkRuntimeAndHandler(next.Runtime, next.Handler);
    const updated = await this.applyUpdate(ns, ref.name, input.RevisionId, changes, false);
    if (input.Layers) await this.releaseUnused([], current.latest.Layers);
    return updated;
  }

  /** Resolves any accepted name form plus qualifier to the stored record and version. */
  async find(
    ns: Namespace,
    rawName: string,
    queryQualifier?: string,
  ): Promise<{
    record: FunctionRecord;
    version: VersionRecord;
    qualifier?: string;
    qualified: boolean;
  }> {
    const ref = parseFunctionName(rawName, ns);
    const qualifier = effectiveQualifier(ref, queryQualifier);
    const record = await this.store.getFunction(ns, ref.name);
    if (!record) throw notFound(`Function not found: ${functionArn(ns, ref.name, qualifier)}`);
    const version = resolveVersion(ns, record, qualifier);
    return { record, version, qualifier, qualified: qualifier !== undefined };
  }

  private async findRecord(ns: Namespace, name: string): Promise<FunctionRecord> {
    const record = await this.store.getFunction(ns, name);
    if (!record) throw notFound(`Function not found: ${functionArn(ns, name)}`);
    return record;
  }

  private async refuseExisting(ns: Namespace, name: string): Promise<void> {
    if (await this.store.getFunction(ns, name)) throw conflict(`Function already exist: ${name}`);
  }

  /** AWS refuses a change while the function is still being created or updated, and stale revisions. */
  refuseBusy(ns: Namespace, record: FunctionRecord, revisionId?: string): void {
    const latest = record.latest;
    if (latest.State === 'Pending') {
      throw conflict(
        `The operation cannot be performed at this time. The function is currently in the following state: ${latest.State}`,
      );
    }
    if (latest.LastUpdateStatus === 'InProgress') {
      throw conflict(
        `The operation cannot be performed at this time. An update is in progress for resource: ${functionArn(ns, record.name)}`,
      );
    }
    if (revisionId !== undefined && revisionId !== latest.RevisionId) {
      throw new LambdaError(
        'PreconditionFailedException',
        'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
      );
    }
  }

  private async applyUpdate(
    ns: Namespace,
    name: string,
    revisionId: string | undefined,
    changes: Partial<VersionRecord>,
    publish: boolean,
  ): Promise<FunctionConfiguration> {
    let published: VersionRecord | undefined;
    const record = (await this.store.mutateFunction(ns, name, (current) => {
      if (!current) throw notFound(`Function not found: ${functionArn(ns, name)}`);
      this.refuseBusy(ns, current, revisionId);
      const latest: VersionRecord = {
        ...current.latest,
        ...changes,
        LastModified: lastModified(),
        RevisionId: newRevisionId(),
        LastUpdateStatus: 'InProgress',
      };
      const next = { ...current, latest };
      if (!publish) return next;
      const result = publishVersion(next);
      published = result.version;
      return result.record;
    })) as FunctionRecord;
    this.observer.functionChanged(ns, name);
    this.lifecycle.settle(ns, name, record.latest.CodeSha256);
    return this.view(record, published ?? record.latest, { qualifiedArn: false });
  }

  private dryRunView(
    record: FunctionRecord,
    changes: Partial<VersionRecord>,
  ): Promise<FunctionConfiguration> {
    return this.view(record, { ...record.latest, ...changes }, { qualifiedArn: false });
  }

  private newRecord(
    ns: Namespace,
    name: string,
    input: CreateFunctionInput,
    code: (StoredCode & { folder?: string }) | ImageCode,
  ): FunctionRecord {
    const latest: VersionRecord = {
      Version: LATEST,
      Runtime: input.Runtime,
      Handler: input.Handler,
      Role: input.Role as string,
      Description: input.Description ?? '',
      Timeout: input.Timeout ?? 3,
      MemorySize: input.MemorySize ?? 128,
      Environment: input.Environment?.Variables
        ? { Variables: input.Environment.Variables }
        : undefined,
      Layers: input.Layers ?? [],
      Architectures: input.Architectures ?? ['x86_64'],
      EphemeralStorage: { Size: input.EphemeralStorage?.Size ?? 512 },
      TracingConfig: { Mode: input.TracingConfig?.Mode ?? 'PassThrough' },
      LoggingConfig: loggingConfig(name, input.LoggingConfig),
      PackageType: 'image' in code ? 'Image' : 'Zip',
      ...('image' in code
        ? { image: code.image, ImageConfigResponse: imageConfigResponse(input.ImageConfig) }
        : {}),
      KMSKeyArn: input.KMSKeyArn,
      DeadLetterConfig: input.DeadLetterConfig,
      VpcConfig: vpcConfig(input.VpcConfig),
      CodeSha256: code.sha256,
      CodeSize: code.size,
      ...('folder' in code && code.folder !== undefined ? { hotReloadFolder: code.folder } : {}),
      LastModified: lastModified(),
      RevisionId: newRevisionId(),
      State: 'Pending',
      StateReason: 'The function is being created.',
      StateReasonCode: 'Creating',
    };
    const record: FunctionRecord = {
      ...ns,
      name,
      latest,
      versions: {},
      lastVersion: 0,
      tags: input.Tags ?? {},
      ...(input.CodeSigningConfigArn ? { codeSigningConfigArn: input.CodeSigningConfigArn } : {}),
    };
    return input.Publish ? publishVersion(record).record : record;
  }
}

/** UpdateFunctionConfiguration changes only the members present in the request. */
function configChanges(input: UpdateFunctionConfigurationInput): Partial<VersionRecord> {
  const changes: Partial<VersionRecord> = {};
  if (input.Role !== undefined) changes.Role = input.Role;
  if (input.Handler !== undefined) changes.Handler = input.Handler;
  if (input.Description !== undefined) changes.Description = input.Description;
  if (input.Timeout !== undefined) changes.Timeout = input.Timeout;
  if (input.MemorySize !== undefined) changes.MemorySize = input.MemorySize;
  if (input.Runtime !== undefined) changes.Runtime = input.Runtime;
  if (input.Environment !== undefined)
    changes.Environment = { Variables: input.Environment.Variables ?? {} };
  if (input.Layers !== undefined) changes.Layers = input.Layers;
  if (input.EphemeralStorage !== undefined)
    changes.EphemeralStorage = { Size: input.EphemeralStorage.Size };
  if (input.TracingConfig?.Mode !== undefined)
    changes.TracingConfig = { Mode: input.TracingConfig.Mode };
  if (input.KMSKeyArn !== undefined) changes.KMSKeyArn = input.KMSKeyArn || undefined;
  if (input.DeadLetterConfig !== undefined) changes.DeadLetterConfig = input.DeadLetterConfig;
  if (input.VpcConfig !== undefined) changes.VpcConfig = vpcConfig(input.VpcConfig);
  if (input.ImageConfig !== undefined)
    changes.ImageConfigResponse = imageConfigResponse(input.ImageConfig);
  return changes;
}

/** LoggingConfig members not in the request keep their values, as on AWS. */
function loggingChanges(
  current: VersionRecord['LoggingConfig'],
  input: UpdateFunctionConfigurationInput['LoggingConfig'],
): Partial<VersionRecord> {
  if (input === undefined) return {};
  const merged = { ...current };
  for (const [key, value] of Object.entries(input))
    if (value !== undefined) Object.assign(merged, { [key]: value });
  return { LoggingConfig: merged };
}

function loggingConfig(
  name: string,
  input: CreateFunctionInput['LoggingConfig'],
): VersionRecord['LoggingConfig'] {
  return {
    LogFormat: input?.LogFormat ?? 'Text',
    LogGroup: input?.LogGroup ?? `/aws/lambda/${name}`,
    ...(input?.ApplicationLogLevel ? { ApplicationLogLevel: input.ApplicationLogLevel } : {}),
    ...(input?.SystemLogLevel ? { SystemLogLevel: input.SystemLogLevel } : {}),
  };
}

function vpcConfig(input: CreateFunctionInput['VpcConfig']): VersionRecord['VpcConfig'] {
  if (!input) return undefined;
  return {
    SubnetIds: input.SubnetIds ?? [],
    SecurityGroupIds: input.SecurityGroupIds ?? [],
    Ipv6AllowedForDualStack: input.Ipv6AllowedForDualStack ?? false,
  };
}
