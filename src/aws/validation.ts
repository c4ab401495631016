import { z } from 'zod';
import { LambdaError, validationError } from './errors.js';

/**
 * AWS checks a request in two passes, and so do we. First the body must deserialize into the
 * operation's shape: a wrong JSON type is an InvalidRequestContentException. Then each member's
 * model constraints (length, range, pattern, enum, required) are collected into one
 * ValidationException, worded as AWS words it.
 */
export function parseShape<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue?.path.join('.') || 'request body';
  throw new LambdaError(
    'InvalidRequestContentException',
    `Could not parse request body into json: Could not parse payload into json: Cannot deserialize value at '${where}': ${issue?.message ?? 'unexpected value'}`,
  );
}

/** Collects model-constraint violations in AWS's words, then throws them together. */
export class Constraints {
  private readonly problems: string[] = [];

  required(value: unknown, field: string): this {
    if (value === undefined || value === null) {
      this.problems.push(
        `Value null at '${field}' failed to satisfy constraint: Member must not be null`,
      );
    }
    return this;
  }

  length(value: string | undefined, field: string, min: number, max: number): this {
    if (value === undefined) return this;
    if (value.length < min)
      this.fail(value, field, `Member must have length greater than or equal to ${min}`);
    else if (value.length > max)
      this.fail(value, field, `Member must have length less than or equal to ${max}`);
    return this;
  }

  range(value: number | undefined, field: string, min: number, max?: number): this {
    if (value === undefined) return this;
    if (value < min)
      this.fail(value, field, `Member must have value greater than or equal to ${min}`);
    else if (max !== undefined && value > max) {
      this.fail(value, field, `Member must have value less than or equal to ${max}`);
    }
    return this;
  }

  /** `printed` is the model's pattern where the anchored RegExp's source reads differently. */
  pattern(value: string | undefined, field: string, re: RegExp, printed?: string): this {
    if (value === undefined || re.test(value)) return this;
    const shown = printed ?? re.source.replace(/^\^/, '').replace(/\$$/, '');
    return this.fail(value, field, `Member must satisfy regular expression pattern: ${shown}`);
  }

  /** A pattern whose model text cannot be a regex source as is (alternations, say): printed as given. */
  matches(value: string | undefined, field: string, re: RegExp, printed: string): this {
    if (value === undefined || re.test(value)) return this;
    return this.fail(value, field, `Member must satisfy regular expression pattern: ${printed}`);
  }

  oneOf(value: string | undefined, field: string, allowed: readonly string[]): this {
    if (value === undefined || allowed.includes(value)) return this;
    return this.fail(value, field, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
  }

  count(value: readonly unknown[] | undefined, field: string, min: number, max: number): this {
    if (value === undefined) return this;
    const shown = `[${value.join(', ')}]`;
    if (value.length < min)
      this.fail(shown, field, `Member must have length greater than or equal to ${min}`);
    else if (value.length > max)
      this.fail(shown, field, `Member must have length less than or equal to ${max}`);
    return this;
  }

  /** Problems worded elsewhere (map constraints, say), to be thrown with the others. */
  add(problems: readonly string[]): this {
    this.problems.push(...problems);
    return this;
  }

  /** A rule the other checks do not express, failed by `shown` (how AWS prints the value). */
  custom(shown: string, field: string, rule: string): this {
    return this.fail(shown, field, rule);
  }

  /** Throws the collected problems as one ValidationException, if there are any. */
  check(): void {
    if (this.problems.length > 0) throw validationError(this.problems);
  }

  private fail(value: unknown, field: string, rule: string): this {
    this.problems.push(
      `Value '${String(value)}' at '${field}' failed to satisfy constraint: ${rule}`,
    );
    return this;
  }
}
