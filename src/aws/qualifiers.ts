import type { Constraints } from './validation.js';

/** NumericLatestPublishedOrAliasQualifier (service-2.json), the Qualifier of most operations. */
const QUALIFIER_PATTERN = '\\$(LATEST(\\.PUBLISHED)?)|[a-zA-Z0-9-_$]+';
const QUALIFIER = new RegExp(`^(?:${QUALIFIER_PATTERN})$`);

/** The query Qualifier's model constraints: 1–128 characters of the pattern above. */
export function checkQualifier(c: Constraints, qualifier: string | undefined): Constraints {
  if (qualifier === undefined) return c;
  c.length(qualifier, 'qualifier', 1, 128);
  if (qualifier.length >= 1 && qualifier.length <= 128) {
    c.matches(qualifier, 'qualifier', QUALIFIER, QUALIFIER_PATTERN);
  }
  return c;
}

/** A published version number. */
export const isVersionNumber = (qualifier: string): boolean => /^\d+$/.test(qualifier);

/** An alias name: letters, digits, hyphens and underscores, not all digits (CreateAlias's Name). */
export const isAliasName = (qualifier: string): boolean =>
  /^[a-zA-Z0-9-_]+$/.test(qualifier) && !isVersionNumber(qualifier);
