/** Where in a template something is wrong: a resource (or section) and one of its properties. */
export interface TemplateLocation {
  resource?: string;
  property?: string;
}

/**
 * A template the server cannot serve. The message names the file, the resource and the property,
 * as `sam validate` and cfn-lint do, so the user knows what to fix.
 */
export class TemplateError extends Error {
  constructor(
    readonly location: TemplateLocation,
    readonly reason: string,
  ) {
    super(describe(location, reason));
    this.name = 'TemplateError';
  }
}

function describe(location: TemplateLocation, reason: string): string {
  const where = [
    location.resource !== undefined ? `resource ${location.resource}` : undefined,
    location.property !== undefined ? `property ${location.property}` : undefined,
  ].filter((part) => part !== undefined);
  return where.length > 0 ? `${where.join(', ')}: ${reason}` : reason;
}

/** An intrinsic function that cannot be worked out here (another stack's export, a resource we do not run). */
export class Unresolvable extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'Unresolvable';
  }
}
