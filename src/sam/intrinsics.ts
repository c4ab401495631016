import { Unresolvable } from './template-error.js';

/** What intrinsic functions look things up in: the template's parameters, resources, mappings… */
export interface Scope {
  /** `Ref`: a parameter, pseudo parameter or resource. */
  ref(name: string): unknown;
  getAtt(resource: string, attribute: string): unknown;
  /** `Fn::FindInMap` without its default. */
  findInMap(map: string, top: string, second: string): unknown;
  condition(name: string): boolean;
  region: string;
}

/** `Ref: AWS::NoValue`: the property (or list item) is left out, as CloudFormation leaves it out. */
export const NO_VALUE = Symbol('AWS::NoValue');

type Fn = (arg: unknown, scope: Scope) => unknown;

/** CloudFormation's intrinsic functions (and the condition functions), by long-form name. */
const FUNCTIONS: Record<string, Fn> = {
  Ref: (arg, scope) => scope.ref(text(resolve(arg, scope), 'Ref')),
  Condition: (arg, scope) => scope.condition(text(resolve(arg, scope), 'Condition')),
  'Fn::GetAtt': (arg, scope) => {
    const value = resolve(arg, scope);
    const [resource, ...attribute] =
      typeof value === 'string' ? value.split('.') : list(value, 'Fn::GetAtt');
    return scope.getAtt(text(resource, 'Fn::GetAtt'), attribute.map(String).join('.'));
  },
  'Fn::Sub': (arg, scope) => sub(arg, scope),
  'Fn::Join': (arg, scope) => {
    const [delimiter, items] = args(arg, scope, 'Fn::Join', 2);
    return list(items, 'Fn::Join')
      .map((item) => text(item, 'Fn::Join'))
      .join(text(delimiter, 'Fn::Join'));
  },
  'Fn::Select': (arg, scope) => {
    const [index, items] = args(arg, scope, 'Fn::Select', 2);
    const chosen = list(items, 'Fn::Select')[Number(index)];
    if (chosen === undefined) throw new Unresolvable(`Fn::Select: no item ${String(index)}`);
    return chosen;
  },
  'Fn::Split': (arg, scope) => {
    const [delimiter, source] = args(arg, scope, 'Fn::Split', 2);
    return text(source, 'Fn::Split').split(text(delimiter, 'Fn::Split'));
  },
  'Fn::FindInMap': (arg, scope) => {
    const [map, top, second, options] = args(arg, scope, 'Fn::FindInMap', 3, 4);
    try {
      return scope.findInMap(text(map, 'map'), text(top, 'key'), text(second, 'key'));
    } catch (err) {
      // AWS::LanguageExtensions: a DefaultValue answers for a missing key.
      const fallback = (options as { DefaultValue?: unknown } | undefined)?.DefaultValue;
      if (fallback !== undefined) return fallback;
      throw err;
    }
  },
  'Fn::If': (arg, scope) => {
    const [name, whenTrue, whenFalse] = list(arg, 'Fn::If');
    return resolve(scope.condition(text(name, 'Fn::If')) ? whenTrue : whenFalse, scope);
  },
  'Fn::Equals': (arg, scope) => {
    const [a, b] = args(arg, scope, 'Fn::Equals', 2);
    return JSON.stringify(scalarText(a)) === JSON.stringify(scalarText(b));
  },
  'Fn::Not': (arg, scope) => !truth(args(arg, scope, 'Fn::Not', 1)[0]),
  'Fn::And': (arg, scope) => args(arg, scope, 'Fn::And', 1, 10).every(truth),
  'Fn::Or': (arg, scope) => args(arg, scope, 'Fn::Or', 1, 10).some(truth),
  'Fn::Base64': (arg, scope) =>
    Buffer.from(text(resolve(arg, scope), 'Fn::Base64')).toString('base64'),
  'Fn::GetAZs': (arg, scope) => {
    const region = resolve(arg, scope);
    const name = typeof region === 'string' && region !== '' ? region : scope.region;
    return ['a', 'b', 'c'].map((zone) => `${name}${zone}`);
  },
  'Fn::Cidr': (arg, scope) => {
    const [block, count, bits] = args(arg, scope, 'Fn::Cidr', 3);
    return cidr(text(block, 'Fn::Cidr'), Number(count), Number(bits));
  },
  'Fn::Length': (arg, scope) => list(resolve(arg, scope), 'Fn::Length').length,
  'Fn::ToJsonString': (arg, scope) => JSON.stringify(resolve(arg, scope)),
  'Fn::ImportValue': (arg, scope) => {
    throw new Unresolvable(
      `Fn::ImportValue ${JSON.stringify(resolve(arg, scope))}: there are no other stacks here`,
    );
  },
  'Fn::Transform': () => {
    throw new Unresolvable('Fn::Transform: macros are not run here');
  },
};

/** Works out every intrinsic function in `value`; NO_VALUE members and items are dropped. */
export function resolve(value: unknown, scope: Scope): unknown {
  if (Array.isArray(value))
    return value.map((item) => resolve(item, scope)).filter((item) => item !== NO_VALUE);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  const [first] = entries;
  if (entries.length === 1 && first) {
    const fn = FUNCTIONS[first[0]];
    if (fn) return fn(first[1], scope);
  }
  const out: Record<string, unknown> = {};
  for (const [key, member] of entries) {
    const resolved = resolve(member, scope);
    if (resolved !== NO_VALUE) out[key] = resolved;
  }
  return out;
}

/** Whether a value is an intrinsic function call (a map of one `Ref`/`Fn::`/`Condition` key). */
export function isIntrinsic(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && FUNCTIONS[keys[0] as string] !== undefined;
}

/** `Fn::Sub`: `${Name}`, `${Resource.Attribute}` and `${!Literal}`, with an optional variable map. */
function sub(arg: unknown, scope: Scope): string {
  const [template, vars] = typeof arg === 'string' ? [arg, {}] : list(arg, 'Fn::Sub');
  const variables = (resolve(vars ?? {}, scope) ?? {}) as Record<string, unknown>;
  return text(resolve(template, scope), 'Fn::Sub').replace(
    /\$\{([^}]*)\}/g,
    (_whole, name: string) => {
      if (name.startsWith('!')) return `\${${name.slice(1)}}`;
      const key = name.trim();
      if (key in variables) return scalarText(variables[key]);
      const dot = key.indexOf('.');
      if (dot > 0 && !key.startsWith('AWS::'))
        return scalarText(scope.getAtt(key.slice(0, dot), key.slice(dot + 1)));
      return scalarText(scope.ref(key));
    },
  );
}

function args(arg: unknown, scope: Scope, fn: string, min: number, max = min): unknown[] {
  const items = list(arg, fn).map((item) => resolve(item, scope));
  if (items.length < min || items.length > max)
    throw new Unresolvable(`${fn} takes ${min === max ? min : `${min} to ${max}`} arguments`);
  return items;
}

function list(value: unknown, fn: string): unknown[] {
  if (!Array.isArray(value)) throw new Unresolvable(`${fn} wants a list`);
  return value;
}

function text(value: unknown, fn: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Unresolvable(`${fn} wants a string, got ${JSON.stringify(value)}`);
}

function scalarText(value: unknown): string {
  if (Array.isArray(value)) return value.map(String).join(',');
  return text(value, 'Fn::Sub');
}

function truth(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new Unresolvable(`a condition must be true or false, got ${JSON.stringify(value)}`);
}

/** `Fn::Cidr`: `count` IPv4 subnets of `bits` host bits each, from the start of `block`. */
function cidr(block: string, count: number, bits: number): string[] {
  const match = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(block);
  if (!match) throw new Unresolvable(`Fn::Cidr: ${block} is not an IPv4 CIDR block`);
  const base = match.slice(1, 5).reduce((n, part) => n * 256 + Number(part), 0);
  const prefix = 32 - bits;
  if (prefix < Number(match[5]) || count < 1 || count > 256)
    throw new Unresolvable(`Fn::Cidr: ${count} subnets of /${prefix} do not fit in ${block}`);
  return Array.from({ length: count }, (_, i) => {
    const address = base + i * 2 ** bits;
    const parts = [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256);
    return `${parts.join('.')}/${prefix}`;
  });
}
