import { z } from 'zod';
import { functionArn, type Namespace } from '../aws/arn.js';
import { invalidParameter, notFound } from '../aws/errors.js';
import { parseFunctionName } from '../aws/names.js';
import { checkQualifier } from '../aws/qualifiers.js';
import { Constraints } from '../aws/validation.js';
import type { MetadataStore } from '../store/metadata-store.js';
import type { FunctionRecord, RuntimeManagementRecord } from '../store/records.js';
import { effectiveQualifier, LATEST, resolveVersion } from './versions.js';

/** PutRuntimeManagementConfig's body (service model members, JSON types only). */
export const PutRuntimeManagementConfigBody = z.object({
  UpdateRuntimeOn: z.string().optional(),
  RuntimeVersionArn: z.string().optional(),
});
export type PutRuntimeManagementConfigInput = z.output<typeof PutRuntimeManagementConfigBody>;

/** RuntimeVersionArn (service-2.json). */
const RUNTIME_VERSION_ARN =
  /^arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1}::runtime:.+$/;
const MODES = ['Auto', 'Manual', 'FunctionUpdate'];

export interface RuntimeManagementConfig {
  UpdateRuntimeOn: string;
  RuntimeVersionArn?: string;
  FunctionArn: string;
}

/**
 * Get/PutRuntimeManagementConfig: how a version ($LATEST or a number) takes runtime updates.
 * Stored and returned; this server has one build per runtime, so nothing is rolled.
 */
export class RuntimeManagementService {
  constructor(private readonly store: MetadataStore) {}

  async get(
    ns: Namespace,
    rawName: string,
    queryQualifier: string | undefined,
  ): Promise<RuntimeManagementConfig> {
    const { record, version } = await this.locate(ns, rawName, queryQualifier);
    const stored = record.runtimeManagement?.[version] ?? { UpdateRuntimeOn: 'Auto' };
    return view(ns, record.name, version, stored);
  }

  async put(
    ns: Namespace,
    rawName: string,
    queryQualifier: string | undefined,
    input: PutRuntimeManagementConfigInput,
  ): Promise<RuntimeManagementConfig> {
    checkQualifier(new Constraints(), queryQualifier)
      .required(input.UpdateRuntimeOn, 'updateRuntimeOn')
      .oneOf(input.UpdateRuntimeOn, 'updateRuntimeOn', MODES)
      .length(input.RuntimeVersionArn, 'runtimeVersionArn', 26, 2048)
      .pattern(input.RuntimeVersionArn, 'runtimeVersionArn', RUNTIME_VERSION_ARN)
      .check();
    const config = storedConfig(input);
    const { record, version } = await this.locate(ns, rawName, queryQualifier);
    await this.store.mutateFunction(ns, record.name, (current) => {
      if (!current) throw notFound(`Function not found: ${functionArn(ns, record.name)}`);
      resolveVersion(ns, current, version);
      return { ...current, runtimeManagement: { ...current.runtimeManagement, [version]: config } };
    });
    return view(ns, record.name, version, config);
  }

  /** The function and the version the qualifier names ($LATEST by default). */
  private async locate(
    ns: Namespace,
    rawName: string,
    queryQualifier: string | undefined,
  ): Promise<{ record: FunctionRecord; version: string }> {
    checkQualifier(new Constraints(), queryQualifier).check();
    const ref = parseFunctionName(rawName, ns);
    const qualifier = effectiveQualifier(ref, queryQualifier);
    const record = await this.store.getFunction(ns, ref.name);
    if (!record) throw notFound(`Function not found: ${functionArn(ns, ref.name, qualifier)}`);
    return { record, version: resolveVersion(ns, record, qualifier).Version };
  }
}

/** Manual pins a runtime version, so it needs one; the other modes choose their own. */
function storedConfig(input: PutRuntimeManagementConfigInput): RuntimeManagementRecord {
  const mode = input.UpdateRuntimeOn as RuntimeManagementRecord['UpdateRuntimeOn'];
  if (mode === 'Manual' && !input.RuntimeVersionArn) {
    throw invalidParameter('RuntimeVersionArn must be provided when UpdateRuntimeOn is Manual.');
  }
  if (mode !== 'Manual' && input.RuntimeVersionArn) {
    throw invalidParameter(
      `RuntimeVersionArn can be provided only when UpdateRuntimeOn is Manual, not ${mode}.`,
    );
  }
  return mode === 'Manual'
    ? { UpdateRuntimeOn: mode, RuntimeVersionArn: input.RuntimeVersionArn }
    : { UpdateRuntimeOn: mode };
}

/** FunctionArn names the version when a published one was asked for. */
function view(
  ns: Namespace,
  name: string,
  version: string,
  config: RuntimeManagementRecord,
): RuntimeManagementConfig {
  return {
    UpdateRuntimeOn: config.UpdateRuntimeOn,
    ...(config.RuntimeVersionArn ? { RuntimeVersionArn: config.RuntimeVersionArn } : {}),
    FunctionArn: functionArn(ns, name, version === LATEST ? undefined : version),
  };
}
