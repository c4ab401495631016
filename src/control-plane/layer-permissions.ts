import { layerArn, type Namespace } from '../aws/arn.js';
import { conflict, LambdaError, notFound } from '../aws/errors.js';
import { newRevisionId } from '../aws/formats.js';
import {
  checkPermissionConstraints,
  checkStatementId,
  type AddLayerVersionPermissionInput,
} from '../aws/layer-rules.js';
import { parseLayerName, type LayerRef } from '../aws/names.js';
import type { MetadataStore } from '../store/metadata-store.js';
import type { LayerRecord, LayerVersionRecord, PolicyRecord } from '../store/records.js';
import { layerStatement, policyDocument } from './layer-policy.js';
import { checkVersionNumber, requireOwn } from './layers.js';

/**
 * AddLayerVersionPermission, GetLayerVersionPolicy and RemoveLayerVersionPermission: the resource
 * policy of one layer version, which is how other accounts get to use it. Each change gives the
 * policy a new RevisionId; the last statement removed takes the policy with it.
 */
export class LayerPermissionService {
  constructor(private readonly store: MetadataStore) {}

  async add(
    ns: Namespace,
    rawName: string,
    versionNumber: number,
    input: AddLayerVersionPermissionInput,
    revisionId?: string,
  ): Promise<{ Statement: string; RevisionId: string }> {
    const ref = parseLayerName(rawName, ns);
    checkPermissionConstraints(input);
    const arn = this.owned(ns, ref, versionNumber, 'AddLayerVersionPermission');
    const statement = layerStatement(arn, input);
    const updated = await this.mutatePolicy(ref, versionNumber, arn, (policy) => {
      if (policy?.Statement.some((s) => s.Sid === input.StatementId)) {
        throw conflict(
          `The statement id (${input.StatementId}) provided already exists. Please provide a new statement id, or remove the existing statement.`,
        );
      }
      checkRevision(policy, revisionId);
      return { RevisionId: newRevisionId(), Statement: [...(policy?.Statement ?? []), statement] };
    });
    return {
      Statement: JSON.stringify(statement),
      RevisionId: (updated as PolicyRecord).RevisionId,
    };
  }

  async get(
    ns: Namespace,
    rawName: string,
    versionNumber: number,
  ): Promise<{ Policy: string; RevisionId: string }> {
    const ref = parseLayerName(rawName, ns);
    const arn = this.owned(ns, ref, versionNumber, 'GetLayerVersionPolicy');
    const layer = await this.store.getLayer(ref.ns, ref.name);
    const policy = liveVersion(layer, versionNumber, arn).policy;
    if (!policy) throw notFound('No policy is associated with the given resource.');
    return { Policy: policyDocument(policy), RevisionId: policy.RevisionId };
  }

  async remove(
    ns: Namespace,
    rawName: string,
    versionNumber: number,
    statementId: string,
    revisionId?: string,
  ): Promise<void> {
    const ref = parseLayerName(rawName, ns);
    checkStatementId(statementId);
    const arn = this.owned(ns, ref, versionNumber, 'RemoveLayerVersionPermission');
    await this.mutatePolicy(ref, versionNumber, arn, (policy) => {
      checkRevision(policy, revisionId);
      if (!policy?.Statement.some((s) => s.Sid === statementId))
        throw notFound(`Statement ${statementId} is not found in resource policy.`);
      const Statement = policy.Statement.filter((s) => s.Sid !== statementId);
      return Statement.length > 0 ? { RevisionId: newRevisionId(), Statement } : undefined;
    });
  }

  /** The version's ARN, once the caller is known to own the layer. */
  private owned(ns: Namespace, ref: LayerRef, versionNumber: number, action: string): string {
    checkVersionNumber(versionNumber);
    const arn = layerArn(ref.ns, ref.name, versionNumber);
    requireOwn(ns, ref, action, arn);
    return arn;
  }

  private async mutatePolicy(
    ref: LayerRef,
    versionNumber: number,
    arn: string,
    change: (policy: PolicyRecord | undefined) => PolicyRecord | undefined,
  ): Promise<PolicyRecord | undefined> {
    let next: PolicyRecord | undefined;
    await this.store.mutateLayer(ref.ns, ref.name, (current) => {
      const version = liveVersion(current, versionNumber, arn);
      next = change(version.policy);
      const { policy: _old, ...rest } = version;
      const updated: LayerVersionRecord = next ? { ...rest, policy: next } : rest;
      const layer = current as LayerRecord;
      return { ...layer, versions: { ...layer.versions, [String(versionNumber)]: updated } };
    });
    return next;
  }
}

function liveVersion(
  layer: LayerRecord | undefined,
  versionNumber: number,
  arn: string,
): LayerVersionRecord {
  const version = layer?.versions[String(versionNumber)];
  if (!version || version.deleted) throw notFound(`Layer version ${arn} does not exist.`);
  return version;
}

function checkRevision(policy: PolicyRecord | undefined, revisionId: string | undefined): void {
  if (revisionId !== undefined && revisionId !== policy?.RevisionId) {
    throw new LambdaError(
      'PreconditionFailedException',
      'The Revision Id provided does not match the latest Revision Id. Call the GetLayerPolicy API to retrieve the latest Revision Id',
    );
  }
}
