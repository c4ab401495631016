import { functionArn, type Namespace } from '../aws/arn.js';
import { invalidParameter, LambdaError, notFound } from '../aws/errors.js';
import { newRevisionId } from '../aws/formats.js';
import { parseFunctionName } from '../aws/names.js';
import {
  buildStatement,
  checkAddPermission,
  checkPolicySize,
  checkStatementIdPath,
  policyDocument,
  type AddPermissionInput,
  type PolicyStatement,
} from '../aws/permissions.js';
import { checkQualifier, isAliasName, isVersionNumber } from '../aws/qualifiers.js';
import { Constraints } from '../aws/validation.js';
import type { MetadataStore } from '../store/metadata-store.js';
import type { FunctionRecord } from '../store/records.js';
import { effectiveQualifier, LATEST } from './versions.js';

/**
 * What a policy is attached to: the function ('' — $LATEST's revision), a version or an alias.
 * AWS reports the target's RevisionId as the policy's, checks RevisionId against it, and gives
 * the target a new one whenever its policy changes.
 */
interface PolicyTarget {
  key: string;
  revisionId: string;
  withRevision(record: FunctionRecord, revisionId: string): FunctionRecord;
}

const stalePolicy = (): LambdaError =>
  new LambdaError(
    'PreconditionFailedException',
    'The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id',
  );

/** AddPermission, RemovePermission, GetPolicy: resource policies, one per qualifier. */
export class PermissionService {
  constructor(private readonly store: MetadataStore) {}

  async add(
    ns: Namespace,
    rawName: string,
    queryQualifier: string | undefined,
    input: AddPermissionInput,
  ): Promise<{ Statement: string }> {
    checkAddPermission(input, checkQualifier(new Constraints(), queryQualifier));
    const ref = parseFunctionName(rawName, ns);
    const qualifier = effectiveQualifier(ref, queryQualifier);
    if (qualifier === LATEST) {
      throw invalidParameter('We currently do not support adding policies for $LATEST.');
    }
    const statement = buildStatement(input, functionArn(ns, ref.name, qualifier));
    await this.store.mutateFunction(ns, ref.name, (current) => {
      if (!current) throw notFound(`Function not found: ${functionArn(ns, ref.name)}`);
      const target = policyTarget(ns, current, qualifier);
      if (input.RevisionId !== undefined && input.RevisionId !== target.revisionId) {
        throw stalePolicy();
      }
      const statements = statementsOf(current, target.key);
      if (statements.some((s) => s.Sid === input.StatementId)) {
        throw new LambdaError(
          'ResourceConflictException',
          `The statement id (${input.StatementId}) provided already exists. Please provide a new statement id, or remove the existing statement.`,
        );
      }
      const next = [...statements, statement];
      checkPolicySize(policyDocument(next));
      return withStatements(current, target, next);
    });
    return { Statement: JSON.stringify(statement) };
  }

  async remove(
    ns: Namespace,
    rawName: string,
    statementId: string,
    queryQualifier: string | undefined,
    revisionId: string | undefined,
  ): Promise<void> {
    checkStatementIdPath(statementId, checkQualifier(new Constraints(), queryQualifier)).check();
    const ref = parseFunctionName(rawName, ns);
    const qualifier = effectiveQualifier(ref, queryQualifier);
    await this.store.mutateFunction(ns, ref.name, (current) => {
      if (!current) throw notFound(`No policy found for: ${functionArn(ns, ref.name)}`);
      const target = policyTarget(ns, current, qualifier);
      const statements = statementsOf(current, target.key);
      if (statements.length === 0) {
        throw notFound('No policy is associated with the given resource.');
      }
      if (!statements.some((s) => s.Sid === statementId)) {
        throw notFound(`Statement ${statementId} is not found in resource policy.`);
      }
      if (revisionId !== undefined && revisionId !== target.revisionId) throw stalePolicy();
      const next = statements.filter((s) => s.Sid !== statementId);
      return withStatements(current, target, next);
    });
  }

  async get(
    ns: Namespace,
    rawName: string,
    queryQualifier: string | undefined,
  ): Promise<{ Policy: string; RevisionId: string }> {
    checkQualifier(new Constraints(), queryQualifier).check();
    const ref = parseFunctionName(rawName, ns);
    const qualifier = effectiveQualifier(ref, queryQualifier);
    const record = await this.store.getFunction(ns, ref.name);
    if (!record) throw notFound(`Function not found: ${functionArn(ns, ref.name)}`);
    const target = findTarget(record, qualifier);
    const statements = target ? statementsOf(record, target.key) : [];
    if (!target || statements.length === 0) {
      throw notFound('The resource you requested does not exist.');
    }
    return { Policy: policyDocument(statements), RevisionId: target.revisionId };
  }
}

/** The statements of one qualifier's policy (none when it has no policy). */
function statementsOf(record: FunctionRecord, key: string): PolicyStatement[] {
  return record.policies?.[key]?.Statement ?? [];
}

/** Stores the statements (dropping an empty policy) under a new revision of the target. */
function withStatements(
  record: FunctionRecord,
  target: PolicyTarget,
  statements: PolicyStatement[],
): FunctionRecord {
  const revisionId = newRevisionId();
  const { [target.key]: _old, ...others } = record.policies ?? {};
  const policies =
    statements.length > 0
      ? { ...others, [target.key]: { RevisionId: revisionId, Statement: statements } }
      : others;
  return target.withRevision({ ...record, policies }, revisionId);
}

/** The target a qualifier names, or AWS's not-found error for it. */
function policyTarget(
  ns: Namespace,
  record: FunctionRecord,
  qualifier: string | undefined,
): PolicyTarget {
  const target = findTarget(record, qualifier);
  if (target) return target;
  const arn = functionArn(ns, record.name, qualifier);
  if (qualifier !== undefined && isAliasName(qualifier)) {
    throw notFound(`Cannot find alias arn: ${arn}`);
  }
  throw notFound(`Function not found: ${arn}`);
}

function findTarget(
  record: FunctionRecord,
  qualifier: string | undefined,
): PolicyTarget | undefined {
  if (qualifier === undefined || qualifier === LATEST) {
    return {
      key: '',
      revisionId: record.latest.RevisionId,
      withRevision: (r, RevisionId) => ({ ...r, latest: { ...r.latest, RevisionId } }),
    };
  }
  const version = isVersionNumber(qualifier) ? record.versions[qualifier] : undefined;
  if (version) {
    return {
      key: qualifier,
      revisionId: version.RevisionId,
      withRevision: (r, RevisionId) => ({
        ...r,
        versions: {
          ...r.versions,
          [qualifier]: { ...(r.versions[qualifier] ?? version), RevisionId },
        },
      }),
    };
  }
  const alias = isAliasName(qualifier) ? record.aliases?.[qualifier] : undefined;
  if (alias) {
    return {
      key: qualifier,
      revisionId: alias.RevisionId,
      withRevision: (r, RevisionId) => ({
        ...r,
        aliases: {
          ...r.aliases,
          [qualifier]: { ...(r.aliases?.[qualifier] ?? alias), RevisionId },
        },
      }),
    };
  }
  return undefined;
}
