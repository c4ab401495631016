import { TemplateError } from './template-error.js';

interface ParameterDeclaration {
  Type?: string;
  Default?: unknown;
  AllowedValues?: unknown[];
  AllowedPattern?: string;
  MinLength?: number;
  MaxLength?: number;
  MinValue?: number;
  MaxValue?: number;
}

/**
 * `--parameter-overrides` as SAM reads it: `Key=Value` pairs or CloudFormation's
 * `ParameterKey=Key,ParameterValue=Value`, separated by spaces, values optionally quoted.
 */
export function parseParameterOverrides(specs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const token of specs.flatMap(tokens)) {
    const long = /^ParameterKey=([^,]+),ParameterValue=(.*)$/s.exec(token);
    const at = token.indexOf('=');
    if (long) out[long[1] as string] = long[2] as string;
    else if (at > 0) out[token.slice(0, at)] = token.slice(at + 1);
    else throw new Error(`--parameter-overrides wants Key=Value, got '${token}'`);
  }
  return out;
}

/** Splits on spaces outside quotes, removing the quotes (`A="x y" B='z'` → `A=x y`, `B=z`). */
function tokens(spec: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote: string | undefined;
  let started = false;
  for (const ch of spec) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      started = true;
    } else if (/\s/.test(ch)) {
      if (started) out.push(current);
      current = '';
      started = false;
    } else {
      current += ch;
      started = true;
    }
  }
  if (started) out.push(current);
  return out;
}

/**
 * The value of each declared parameter: the override, else the Default, checked against the
 * declaration as CloudFormation checks it. List types become lists, as `Ref` returns them.
 */
export function parameterValues(
  declared: Record<string, unknown>,
  overrides: Record<string, string>,
): Map<string, unknown> {
  const values = new Map<string, unknown>();
  for (const [name, raw] of Object.entries(declared)) {
    const declaration = (raw ?? {}) as ParameterDeclaration;
    const given = overrides[name] ?? declaration.Default;
    if (given === undefined) {
      throw new TemplateError(
        { resource: `Parameters.${name}` },
        `has no Default; give it a value with --parameter-overrides ${name}=VALUE`,
      );
    }
    const value = Array.isArray(given) ? given.map(String).join(',') : String(given);
    check(name, declaration, value);
    const type = declaration.Type ?? 'String';
    values.set(
      name,
      type.startsWith('List<') || type === 'CommaDelimitedList'
        ? value.split(',').map((item) => item.trim())
        : value,
    );
  }
  return values;
}

function check(name: string, declaration: ParameterDeclaration, value: string): void {
  const fail = (property: string, reason: string): never => {
    throw new TemplateError({ resource: `Parameters.${name}`, property }, reason);
  };
  const { AllowedValues, AllowedPattern, MinLength, MaxLength, MinValue, MaxValue } = declaration;
  if (AllowedValues && !AllowedValues.map(String).includes(value))
    fail('AllowedValues', `'${value}' is not one of ${AllowedValues.map(String).join(', ')}`);
  if (AllowedPattern !== undefined && !new RegExp(`^(?:${AllowedPattern})$`).test(value))
    fail('AllowedPattern', `'${value}' does not match ${AllowedPattern}`);
  if (MinLength !== undefined && value.length < MinLength)
    fail('MinLength', `'${value}' is shorter than ${MinLength}`);
  if (MaxLength !== undefined && value.length > MaxLength)
    fail('MaxLength', `'${value}' is longer than ${MaxLength}`);
  if (declaration.Type === 'Number' && !Number.isFinite(Number(value)))
    fail('Type', `'${value}' is not a number`);
  if (MinValue !== undefined && Number(value) < MinValue)
    fail('MinValue', `${value} is less than ${MinValue}`);
  if (MaxValue !== undefined && Number(value) > MaxValue)
    fail('MaxValue', `${value} is more than ${MaxValue}`);
}
