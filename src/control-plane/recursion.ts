import { z } from 'zod';
import { functionArn, type Namespace } from '../aws/arn.js';
import { notFound, validationError } from '../aws/errors.js';
import { parseFunctionName } from '../aws/names.js';
import { Constraints } from '../aws/validation.js';
import type { MetadataStore } from '../store/metadata-store.js';

/** PutFunctionRecursionConfig's body (service model members, JSON types only). */
export const PutFunctionRecursionConfigBody = z.object({ RecursiveLoop: z.string().optional() });

type RecursiveLoop = 'Allow' | 'Terminate';

/** UnqualifiedFunctionName (service-2.json), as AWS prints it. */
const UNQUALIFIED_PATTERN =
  '(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)';

/**
 * Get/PutFunctionRecursionConfig: whether Lambda stops a function caught in a recursive loop
 * (Terminate, the default) or lets it run (Allow). Stored and returned; loops are not detected.
 */
export class RecursionService {
  constructor(private readonly store: MetadataStore) {}

  async get(ns: Namespace, rawName: string): Promise<{ RecursiveLoop: RecursiveLoop }> {
    const name = unqualifiedName(ns, rawName);
    const record = await this.store.getFunction(ns, name);
    if (!record) throw notFound(`Function not found: ${functionArn(ns, name)}`);
    return { RecursiveLoop: record.recursiveLoop ?? 'Terminate' };
  }

  async put(
    ns: Namespace,
    rawName: string,
    loop: string | undefined,
  ): Promise<{ RecursiveLoop: RecursiveLoop }> {
    new Constraints()
      .required(loop, 'recursiveLoop')
      .oneOf(loop, 'recursiveLoop', ['Allow', 'Terminate'])
      .check();
    const name = unqualifiedName(ns, rawName);
    const recursiveLoop = loop as RecursiveLoop;
    await this.store.mutateFunction(ns, name, (current) => {
      if (!current) throw notFound(`Function not found: ${functionArn(ns, name)}`);
      return { ...current, recursiveLoop };
    });
    return { RecursiveLoop: recursiveLoop };
  }
}

/** The setting is the function's: its FunctionName shape allows no qualifier (and 140 characters). */
function unqualifiedName(ns: Namespace, rawName: string): string {
  const ref = parseFunctionName(rawName, ns);
  if (ref.qualifier !== undefined || rawName.length > 140) {
    const rule =
      rawName.length > 140
        ? 'Member must have length less than or equal to 140'
        : `Member must satisfy regular expression pattern: ${UNQUALIFIED_PATTERN}`;
    throw validationError([
      `Value '${rawName}' at 'functionName' failed to satisfy constraint: ${rule}`,
    ]);
  }
  return ref.name;
}
