import type { Namespace } from '../aws/arn.js';
import { invalidParameter, notFound } from '../aws/errors.js';
import { newRevisionId } from '../aws/formats.js';
import {
  checkTagCount,
  checkTags,
  parseTaggableResource,
  refuseQualifiedResource,
  type TaggableResource,
} from '../aws/tags.js';
import { Constraints } from '../aws/validation.js';
import type { MetadataStore } from '../store/metadata-store.js';

type Tags = Record<string, string>;

/**
 * TagResource, UntagResource, ListTags on functions (unqualified ARNs) and code signing configs.
 * A function's tags live on its record; changing them gives $LATEST a new RevisionId, as on AWS.
 */
export class TagService {
  constructor(private readonly store: MetadataStore) {}

  async tag(ns: Namespace, arn: string, tags: Tags | undefined): Promise<void> {
    const resource = parseTaggableResource(arn);
    new Constraints().required(tags, 'tags').check();
    if (Object.keys(tags as Tags).length === 0) {
      throw invalidParameter('An error occurred and the request cannot be processed.');
    }
    refuseQualifiedResource(resource);
    checkTags(tags as Tags);
    await this.change(ns, arn, resource, (current) => ({ ...current, ...tags }));
  }

  async untag(ns: Namespace, arn: string, keys: string[] | undefined): Promise<void> {
    const resource = parseTaggableResource(arn);
    new Constraints().required(keys, 'tagKeys').check();
    refuseQualifiedResource(resource);
    await this.change(ns, arn, resource, (current) =>
      Object.fromEntries(Object.entries(current).filter(([key]) => !keys?.includes(key))),
    );
  }

  async list(ns: Namespace, arn: string): Promise<{ Tags: Tags }> {
    const resource = parseTaggableResource(arn);
    refuseQualifiedResource(resource);
    const owner = this.owned(ns, arn, resource);
    if (owner.kind === 'function') {
      const record = await this.store.getFunction(ns, owner.name);
      if (!record) throw notFound(`Function not found: ${arn}`);
      return { Tags: record.tags };
    }
    const config = await this.store.getCodeSigningConfig(ns, owner.id);
    if (!config) throw missingConfig(arn);
    return { Tags: config.tags };
  }

  private async change(
    ns: Namespace,
    arn: string,
    resource: TaggableResource,
    update: (current: Tags) => Tags,
  ): Promise<void> {
    const owner = this.owned(ns, arn, resource);
    if (owner.kind === 'function') {
      await this.store.mutateFunction(ns, owner.name, (current) => {
        if (!current) throw notFound(`Function not found: ${arn}`);
        const tags = update(current.tags);
        checkTagCount(tags);
        return { ...current, tags, latest: { ...current.latest, RevisionId: newRevisionId() } };
      });
      return;
    }
    await this.store.mutateCodeSigningConfig(ns, owner.id, (current) => {
      if (!current) throw missingConfig(arn);
      const tags = update(current.tags);
      checkTagCount(tags);
      return { ...current, tags };
    });
  }

  /** Only the caller's own functions and configs can be found; other resources do not exist here. */
  private owned(
    ns: Namespace,
    arn: string,
    resource: TaggableResource,
  ): { kind: 'function'; name: string } | { kind: 'code-signing-config'; id: string } {
    const mine = resource.ns.account === ns.account && resource.ns.region === ns.region;
    if (resource.kind === 'function') {
      if (!mine) throw notFound(`Function not found: ${arn}`);
      return { kind: 'function', name: resource.name };
    }
    if (resource.kind === 'code-signing-config') {
      if (!mine) throw missingConfig(arn);
      return { kind: 'code-signing-config', id: resource.id };
    }
    throw notFound('The resource you requested does not exist.');
  }
}

function missingConfig(arn: string) {
  return notFound(`The Lambda code signing configuration ${arn} can not be found.`);
}
