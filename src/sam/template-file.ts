import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node,
} from 'yaml';
import { TemplateError } from './template-error.js';

/** CloudFormation's short forms (`!Ref x`) and the long form each stands for. */
const SHORT_FORMS: Record<string, string> = {
  '!Ref': 'Ref',
  '!Condition': 'Condition',
  ...Object.fromEntries(
    [
      'And',
      'Base64',
      'Cidr',
      'Equals',
      'FindInMap',
      'GetAtt',
      'GetAZs',
      'If',
      'ImportValue',
      'Join',
      'Length',
      'Not',
      'Or',
      'Select',
      'Split',
      'Sub',
      'ToJsonString',
      'Transform',
    ].map((name) => [`!${name}`, `Fn::${name}`]),
  ),
};

/**
 * Reads a CloudFormation/SAM template, YAML or JSON, into its JSON form: short-form intrinsics
 * become their long form (`!GetAtt A.Arn` → `{"Fn::GetAtt": ["A", "Arn"]}`), as CloudFormation
 * reads them.
 */
export function parseTemplate(text: string): Record<string, unknown> {
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    merge: true,
    uniqueKeys: true,
    prettyErrors: true,
    lineCounter: lines,
  });
  const error = doc.errors[0];
  if (error) throw new TemplateError({}, `not valid YAML or JSON: ${error.message}`);
  const unknown = doc.warnings.find((w) => !/Unresolved tag: !\w+/.test(w.message));
  if (unknown) throw new TemplateError({}, unknown.message);
  const value = toJson({ doc, lines }, doc.contents);
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new TemplateError({}, 'a template is a map with a Resources section');
  return value as Record<string, unknown>;
}

interface Source {
  doc: Document;
  lines: LineCounter;
}

function toJson(src: Source, node: unknown): unknown {
  if (isAlias(node)) return toJson(src, node.resolve(src.doc));
  const tag = (node as Node | null)?.tag;
  const plain = plainJson(src, node);
  if (tag === undefined || !tag.startsWith('!')) return plain;
  const name = SHORT_FORMS[tag];
  if (!name) throw new TemplateError({}, `unknown tag ${tag} (line ${lineOf(src, node)})`);
  if (name === 'Fn::GetAtt' && typeof plain === 'string') {
    const dot = plain.indexOf('.');
    return { [name]: dot < 0 ? [plain] : [plain.slice(0, dot), plain.slice(dot + 1)] };
  }
  return { [name]: plain };
}

function plainJson(src: Source, node: unknown): unknown {
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      out[key] = toJson(src, pair.value);
    }
    return out;
  }
  if (isSeq(node)) return node.items.map((item) => toJson(src, item));
  if (isScalar(node)) return node.value ?? null;
  return node ?? null;
}

function lineOf(src: Source, node: unknown): string {
  const range = (node as Node).range;
  return range ? String(src.lines.linePos(range[0]).line) : '?';
}
