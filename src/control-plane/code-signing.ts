import { codeSigningConfigArn, functionArn, type Namespace } from '../aws/arn.js';
import {
  checkCodeSigningConfigArn,
  checkCodeSigningConfigInput,
  newCodeSigningConfigId,
  splitCodeSigningConfigArn,
  type CreateCodeSigningConfigInput,
  type UpdateCodeSigningConfigInput,
} from '../aws/code-signing.js';
import { conflict, invalidParameter, LambdaError, notFound } from '../aws/errors.js';
import { lastModified } from '../aws/formats.js';
import { parseFunctionName } from '../aws/names.js';
import { checkTags } from '../aws/tags.js';
import { Constraints } from '../aws/validation.js';
import type { MetadataStore } from '../store/metadata-store.js';
import type { CodeSigningConfigRecord } from '../store/records.js';

/** AWS's CodeSigningConfig as the API returns it. */
export interface CodeSigningConfigView {
  CodeSigningConfigId: string;
  CodeSigningConfigArn: string;
  Description: string;
  AllowedPublishers: { SigningProfileVersionArns: string[] };
  CodeSigningPolicies: { UntrustedArtifactOnDeployment: string };
  LastModified: string;
}

interface Page {
  Marker?: string;
  MaxItems?: number;
}

/** ListCodeSigningConfigs and ListFunctionsByCodeSigningConfig: 50 a page unless asked. */
const DEFAULT_PAGE = 50;

const missingConfig = (arn: string): LambdaError =>
  notFound(`The Lambda code signing configuration ${arn} can not be found.`);

/**
 * Code signing configs (Create/Get/Update/Delete/List) and the function's reference to one
 * (Put/Get/DeleteFunctionCodeSigningConfig, ListFunctionsByCodeSigningConfig). They are stored
 * and returned; deployment packages are not checked against them.
 */
export class CodeSigningService {
  constructor(private readonly store: MetadataStore) {}

  async create(ns: Namespace, input: CreateCodeSigningConfigInput): Promise<CodeSigningConfigView> {
    checkCodeSigningConfigInput(input, true);
    if (input.Tags) checkTags(input.Tags);
    const id = newCodeSigningConfigId();
    const record: CodeSigningConfigRecord = {
      CodeSigningConfigId: id,
      Description: input.Description ?? '',
      AllowedPublishers: {
        SigningProfileVersionArns: input.AllowedPublishers?.SigningProfileVersionArns ?? [],
      },
      CodeSigningPolicies: {
        UntrustedArtifactOnDeployment: policyOf(input) ?? 'Warn',
      },
      LastModified: lastModified(),
      tags: input.Tags ?? {},
    };
    await this.store.mutateCodeSigningConfig(ns, id, () => record);
    return view(ns, record);
  }

  async get(ns: Namespace, arn: string): Promise<CodeSigningConfigView> {
    const { id } = this.locate(ns, arn);
    const record = await this.store.getCodeSigningConfig(ns, id);
    if (!record) throw missingConfig(arn);
    return view(ns, record);
  }

  /** The members given replace the stored ones. */
  async update(
    ns: Namespace,
    arn: string,
    input: UpdateCodeSigningConfigInput,
  ): Promise<CodeSigningConfigView> {
    const { id } = this.locate(ns, arn);
    checkCodeSigningConfigInput(input, false);
    const updated = (await this.store.mutateCodeSigningConfig(ns, id, (current) => {
      if (!current) throw missingConfig(arn);
      const arns = input.AllowedPublishers?.SigningProfileVersionArns;
      const policy = policyOf(input);
      return {
        ...current,
        ...(input.Description !== undefined ? { Description: input.Description } : {}),
        ...(arns ? { AllowedPublishers: { SigningProfileVersionArns: arns } } : {}),
        ...(policy ? { CodeSigningPolicies: { UntrustedArtifactOnDeployment: policy } } : {}),
        LastModified: lastModified(),
      };
    })) as CodeSigningConfigRecord;
    return view(ns, updated);
  }

  /** AWS deletes a config only when no function uses it. */
  async delete(ns: Namespace, arn: string): Promise<void> {
    const { id } = this.locate(ns, arn);
    const users = await this.functionsUsing(ns, arn);
    await this.store.mutateCodeSigningConfig(ns, id, (current) => {
      if (!current) throw missingConfig(arn);
      if (users.length > 0) {
        throw conflict(
          `The code signing configuration ${arn} cannot be deleted because it is used by one or more functions.`,
        );
      }
      return null;
    });
  }

  async list(
    ns: Namespace,
    page: Page,
  ): Promise<{ CodeSigningConfigs: CodeSigningConfigView[]; NextMarker?: string }> {
    const all = (await this.store.listCodeSigningConfigs(ns)).map((r) => view(ns, r));
    const { items, NextMarker } = paginate(all, (c) => c.CodeSigningConfigId, page);
    return { CodeSigningConfigs: items, ...(NextMarker ? { NextMarker } : {}) };
  }

  async listFunctions(
    ns: Namespace,
    arn: string,
    page: Page,
  ): Promise<{ FunctionArns: string[]; NextMarker?: string }> {
    await this.get(ns, arn);
    const arns = await this.functionsUsing(ns, arn);
    const { items, NextMarker } = paginate(arns, (a) => a, page);
    return { FunctionArns: items, ...(NextMarker ? { NextMarker } : {}) };
  }

  async putFunction(
    ns: Namespace,
    rawName: string,
    arn: string | undefined,
  ): Promise<{ CodeSigningConfigArn: string; FunctionName: string }> {
    checkCodeSigningConfigArn(
      arn,
      'codeSigningConfigArn',
      new Constraints().required(arn, 'codeSigningConfigArn'),
    ).check();
    const name = parseFunctionName(rawName, ns).name;
    await requireCodeSigningConfig(this.store, ns, arn as string);
    await this.store.mutateFunction(ns, name, (current) => {
      if (!current) throw notFound(`Function not found: ${functionArn(ns, name)}`);
      return { ...current, codeSigningConfigArn: arn };
    });
    return { CodeSigningConfigArn: arn as string, FunctionName: name };
  }

  /** A function without a config answers with an empty object, as on AWS. */
  async getFunction(
    ns: Namespace,
    rawName: string,
  ): Promise<{ CodeSigningConfigArn?: string; FunctionName?: string }> {
    const name = parseFunctionName(rawName, ns).name;
    const record = await this.store.getFunction(ns, name);
    if (!record) throw notFound(`Function not found: ${functionArn(ns, name)}`);
    const arn = record.codeSigningConfigArn;
    return arn ? { CodeSigningConfigArn: arn, FunctionName: name } : {};
  }

  async deleteFunction(ns: Namespace, rawName: string): Promise<void> {
    const name = parseFunctionName(rawName, ns).name;
    await this.store.mutateFunction(ns, name, (current) => {
      if (!current) throw notFound(`Function not found: ${functionArn(ns, name)}`);
      const { codeSigningConfigArn: _dropped, ...rest } = current;
      return rest;
    });
  }

  /** The path's ARN, checked against the model; another namespace's config cannot be found. */
  private locate(ns: Namespace, arn: string): { id: string } {
    checkCodeSigningConfigArn(arn).check();
    const { ns: owner, id } = splitCodeSigningConfigArn(arn);
    if (owner.account !== ns.account || owner.region !== ns.region) throw missingConfig(arn);
    return { id };
  }

  private async functionsUsing(ns: Namespace, arn: string): Promise<string[]> {
    return (await this.store.listFunctions(ns))
      .filter((record) => record.codeSigningConfigArn === arn)
      .map((record) => functionArn(ns, record.name));
  }
}

/** CreateFunction and PutFunctionCodeSigningConfig name an existing config of the caller's. */
export async function requireCodeSigningConfig(
  store: MetadataStore,
  ns: Namespace,
  arn: string,
): Promise<void> {
  const { ns: owner, id } = splitCodeSigningConfigArn(arn);
  const mine = owner.account === ns.account && owner.region === ns.region;
  if (!mine || !(await store.getCodeSigningConfig(ns, id))) {
    throw new LambdaError(
      'CodeSigningConfigNotFoundException',
      `The code signing configuration cannot be found. Check that the provided configuration is not deleted: ${arn}.`,
    );
  }
}

function policyOf(input: UpdateCodeSigningConfigInput): 'Warn' | 'Enforce' | undefined {
  return input.CodeSigningPolicies?.UntrustedArtifactOnDeployment as 'Warn' | 'Enforce' | undefined;
}

function view(ns: Namespace, record: CodeSigningConfigRecord): CodeSigningConfigView {
  const { tags: _tags, ...shown } = record;
  return {
    ...shown,
    CodeSigningConfigArn: codeSigningConfigArn(ns, record.CodeSigningConfigId),
  };
}

/** Items after the opaque marker (the last key of the previous page), MaxItems 1–10,000. */
function paginate<T>(
  all: T[],
  keyOf: (item: T) => string,
  page: Page,
): { items: T[]; NextMarker?: string } {
  new Constraints().range(page.MaxItems, 'maxItems', 1, 10_000).check();
  let start = 0;
  if (page.Marker !== undefined) {
    const after = Buffer.from(page.Marker, 'base64url').toString('utf8');
    if (after === '') throw invalidParameter(`Invalid marker: ${page.Marker}`);
    start = all.findIndex((item) => keyOf(item) > after);
    if (start === -1) start = all.length;
  }
  const size = page.MaxItems ?? DEFAULT_PAGE;
  const items = all.slice(start, start + size);
  const last = items[items.length - 1];
  return start + size < all.length && last !== undefined
    ? { items, NextMarker: Buffer.from(keyOf(last)).toString('base64url') }
    : { items };
}
