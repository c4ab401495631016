import { z } from 'zod';
import { invalidParameter } from './errors.js';
import { Constraints } from './validation.js';

/** Request shapes of PublishVersion, CreateAlias and UpdateAlias (model members, JSON types only). */
const routingConfig = z.object({
  AdditionalVersionWeights: z.record(z.string(), z.number()).optional(),
});

export const PublishVersionBody = z.object({
  CodeSha256: z.string().optional(),
  Description: z.string().optional(),
  RevisionId: z.string().optional(),
});
export type PublishVersionInput = z.output<typeof PublishVersionBody>;

export const CreateAliasBody = z.object({
  Name: z.string().optional(),
  FunctionVersion: z.string().optional(),
  Description: z.string().optional(),
  RoutingConfig: routingConfig.optional(),
});
export type CreateAliasInput = z.output<typeof CreateAliasBody>;

export const UpdateAliasBody = z.object({
  FunctionVersion: z.string().optional(),
  Description: z.string().optional(),
  RoutingConfig: routingConfig.optional(),
  RevisionId: z.string().optional(),
});
export type UpdateAliasInput = z.output<typeof UpdateAliasBody>;

export type Weights = Record<string, number>;

/** The Alias shape: 1–128 characters, and not all digits (that would read as a version). */
const ALIAS_NAME = /^(?!^[0-9]+$)([a-zA-Z0-9-_]+)$/;
/** VersionWithLatestPublished: what an alias (or ListAliases' filter) may point to. */
const FUNCTION_VERSION = /^(\$LATEST(\.PUBLISHED)?|[0-9]+)$/;
/** AdditionalVersion: a published version number. */
const ADDITIONAL_VERSION = /^[0-9]+$/;

export const isAliasName = (qualifier: string): boolean =>
  ALIAS_NAME.test(qualifier) && qualifier.length <= 128;

/** Model constraints of an alias's name (path or body member `name`). */
export function aliasNameConstraints(name: string | undefined, c = new Constraints()): Constraints {
  return c.required(name, 'name').length(name, 'name', 1, 128).pattern(name, 'name', ALIAS_NAME);
}

export function functionVersionConstraints(
  version: string | undefined,
  c = new Constraints(),
): Constraints {
  return c
    .length(version, 'functionVersion', 1, 1024)
    .pattern(version, 'functionVersion', FUNCTION_VERSION);
}

export const descriptionConstraints = (
  description: string | undefined,
  c = new Constraints(),
): Constraints => c.length(description, 'description', 0, 256);

/**
 * AdditionalVersionWeights' model constraints. AWS words a failing map entry as the whole map in
 * Java's notation (`{2=1.5}`) and lists every constraint of the failing keys or values.
 */
export function weightProblems(weights: Weights | undefined): string[] {
  if (!weights) return [];
  const entries = Object.entries(weights);
  const shown = `{${entries.map(([k, v]) => `${k}=${javaDouble(v)}`).join(', ')}}`;
  const at = `Value '${shown}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint:`;
  const problems: string[] = [];
  if (entries.some(([k]) => !ADDITIONAL_VERSION.test(k) || k.length > 1024)) {
    problems.push(
      `${at} Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+, Member must not be null]`,
    );
  }
  if (entries.some(([, v]) => v < 0 || v > 1)) {
    problems.push(
      `${at} Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]`,
    );
  }
  return problems;
}

/**
 * AWS's service rules for a weighted alias, checked once the model constraints pass: one
 * additional version at most, never the primary itself, and never with $LATEST as the primary.
 */
export function checkRouting(primary: string, weights: Weights | undefined): void {
  const additional = Object.keys(weights ?? {});
  if (additional.length === 0) return;
  if (additional.length > 1) {
    throw invalidParameter('Number of items in AdditionalVersionWeights cannot be greater than 1');
  }
  if (additional[0] === primary) {
    throw invalidParameter(
      `Invalid function version ${primary}. Function version ${primary} is already included in routing configuration.`,
    );
  }
  if (primary === '$LATEST') {
    throw invalidParameter('$LATEST is not supported for an alias pointing to more than 1 version');
  }
}

/** Java prints doubles with at least one decimal: 1 → 1.0. */
function javaDouble(value: number): string {
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}
