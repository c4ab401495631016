import assert from 'node:assert/strict';
import fs from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { CreateAliasBody, PublishVersionBody, UpdateAliasBody } from '../../src/aws/alias-rules.js';
import {
  CreateCodeSigningConfigBody,
  PutFunctionCodeSigningConfigBody,
  UpdateCodeSigningConfigBody,
} from '../../src/aws/code-signing.js';
import { AddPermissionBody } from '../../src/aws/permissions.js';
import { PutFunctionRecursionConfigBody } from '../../src/control-plane/recursion.js';
import { PutRuntimeManagementConfigBody } from '../../src/control-plane/runtime-management.js';
import { TagResourceBody } from '../../src/frontend/routes/tags.js';
import { ERROR_CATALOGUE, type ErrorCode } from '../../src/aws/errors.js';
import {
  CreateFunctionBody,
  UpdateFunctionCodeBody,
  PutFunctionConcurrencyBody,
  UpdateFunctionConfigurationBody,
} from '../../src/aws/function-rules.js';
import {
  AddLayerVersionPermissionBody,
  PublishLayerVersionBody,
} from '../../src/aws/layer-rules.js';
import { ALL_RUNTIMES } from '../../src/aws/runtimes.js';
import { loadConfig } from '../../src/config.js';
import { EventInvokeConfigBody } from '../../src/control-plane/event-invoke-configs.js';
import { PutProvisionedConcurrencyConfigBody } from '../../src/control-plane/provisioned-concurrency.js';
import { FunctionUrlConfigBody } from '../../src/aws/function-url-rules.js';
import protocol from '../../src/runtime-api/protocol.json' with { type: 'json' };
import { startServer, type RunningServer } from '../../src/server.js';
import { buildZip } from '../helpers/zip-builder.js';

/**
 * openapi/ must describe exactly what the server serves. The operation table of a running server
 * is compared with openapi/lambda.json (every method + path, operationIds, error codes), the
 * error catalogue with x-error-catalogue, the request shapes with the zod shapes the routes parse,
 * protocol.json with openapi/runtime-api.json; then real responses of the server are validated
 * against the documented schemas, undocumented fields counting as failures.
 *
 * When this fails after a change to the server, update openapi/generate.py and run
 * `python3 openapi/generate.py`.
 */

// ---- The documents (as much of OpenAPI 3.1 as we use) ----------------------------------------

interface Schema {
  $ref?: string;
  type?: string | string[];
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  propertyNames?: Schema;
  items?: Schema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
}

interface Header {
  $ref?: string;
  required?: boolean;
  schema?: Schema;
}

interface MediaType {
  schema?: Schema;
}

interface ResponseObject {
  $ref?: string;
  description?: string;
  headers?: Record<string, Header>;
  content?: Record<string, MediaType>;
}

interface Parameter {
  $ref?: string;
  name: string;
  in: string;
  required?: boolean;
  schema?: Schema;
}

interface OperationObject {
  operationId?: string;
  parameters?: Parameter[];
  requestBody?: { $ref?: string; required?: boolean; content?: Record<string, MediaType> };
  responses?: Record<string, ResponseObject>;
  'x-error-codes'?: string[];
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
type Method = (typeof METHODS)[number];
type PathItem = Partial<Record<Method, OperationObject>> & { parameters?: Parameter[] };

interface CatalogueEntry {
  status: number;
  fault: string;
  field: string;
}

interface OpenApi {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, PathItem>;
  components?: {
    schemas?: Record<string, Schema>;
    responses?: Record<string, ResponseObject>;
    headers?: Record<string, Header>;
  };
  'x-error-catalogue'?: Record<string, CatalogueEntry>;
}

const readDoc = (name: string): OpenApi =>
  JSON.parse(fs.readFileSync(new URL(`../../openapi/${name}`, import.meta.url), 'utf8')) as OpenApi;

const lambdaDoc = readDoc('lambda.json');
const runtimeDoc = readDoc('runtime-api.json');

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A local JSON pointer (`#/components/schemas/X`); throws when it does not resolve. */
function pointer(doc: OpenApi, ref: string): unknown {
  assert.ok(ref.startsWith('#/'), `only local $refs are allowed: ${ref}`);
  let node: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isObject(node) && !Array.isArray(node)) throw new Error(`unresolved $ref ${ref}`);
    if (!Object.hasOwn(node, key)) throw new Error(`unresolved $ref ${ref}`);
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Follows a chain of $refs (response, parameter, header objects). */
function deref<T extends { $ref?: string }>(doc: OpenApi, node: T): T {
  let current = node;
  for (let hops = 0; current.$ref !== undefined; hops++) {
    assert.ok(hops < 20, `$ref cycle at ${current.$ref}`);
    current = pointer(doc, current.$ref) as T;
  }
  return current;
}

interface DocOperation {
  method: Method;
  path: string;
  op: OperationObject;
}

function operationsOf(doc: OpenApi): DocOperation[] {
  const out: DocOperation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (op) out.push({ method, path, op });
    }
  }
  return out;
}

// ---- Structure ------------------------------------------------------------------------------

const SCHEMA_KEYWORDS = new Set([
  '$ref',
  'type',
  'description',
  'properties',
  'required',
  'additionalProperties',
  'propertyNames',
  'items',
  'enum',
  'const',
  'anyOf',
  'oneOf',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
  'pattern',
  'format',
  'contentEncoding',
  'contentMediaType',
]);

/** Every keyword is one the validator below understands, and every pattern is an ECMA-262 regex. */
function checkSchema(schema: unknown, at: string, problems: string[]): void {
  if (!isObject(schema)) {
    problems.push(`${at}: a schema must be an object`);
    return;
  }
  for (const key of Object.keys(schema)) {
    if (!SCHEMA_KEYWORDS.has(key)) problems.push(`${at}: unsupported schema keyword ${key}`);
  }
  const s = schema as Schema;
  if (s.pattern !== undefined) {
    try {
      new RegExp(s.pattern, 'u');
    } catch (err) {
      problems.push(`${at}: pattern does not compile: ${(err as Error).message}`);
    }
  }
  for (const [name, sub] of Object.entries(s.properties ?? {}))
    checkSchema(sub, `${at}.properties.${name}`, problems);
  if (s.items !== undefined) checkSchema(s.items, `${at}.items`, problems);
  if (isObject(s.additionalProperties))
    checkSchema(s.additionalProperties, `${at}.additionalProperties`, problems);
  if (s.propertyNames !== undefined) checkSchema(s.propertyNames, `${at}.propertyNames`, problems);
  for (const key of ['anyOf', 'oneOf'] as const) {
    s[key]?.forEach((sub, i) => checkSchema(sub, `${at}.${key}[${i}]`, problems));
  }
}

/** Walks the whole document: every $ref resolves; every `schema` and component schema is sound. */
function checkRefsAndSchemas(doc: OpenApi, problems: string[]): void {
  const walk = (node: unknown, at: string): void => {
    if (Array.isArray(node)) return node.forEach((item, i) => walk(item, `${at}[${i}]`));
    if (!isObject(node)) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref') {
        if (typeof value !== 'string') problems.push(`${at}: $ref must be a string`);
        else {
          try {
            pointer(doc, value);
          } catch (err) {
            problems.push(`${at}: ${(err as Error).message}`);
          }
        }
      }
      if (key === 'schema') checkSchema(value, `${at}.schema`, problems);
      walk(value, `${at}.${key}`);
    }
  };
  walk(doc, '#');
  for (const [name, schema] of Object.entries(doc.components?.schemas ?? {}))
    checkSchema(schema, `#/components/schemas/${name}`, problems);
}

function structuralProblems(doc: OpenApi): string[] {
  const problems: string[] = [];
  if (!/^3\.1\.\d+$/.test(String(doc.openapi)))
    problems.push(`openapi must be 3.1.x: ${doc.openapi}`);
  if (typeof doc.info?.title !== 'string' || typeof doc.info?.version !== 'string')
    problems.push('info.title and info.version must be strings');
  if (!isObject(doc.paths)) return [...problems, 'paths must be an object'];
  checkRefsAndSchemas(doc, problems);
  if (problems.length > 0) return problems;

  const ids = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths)) {
    if (!path.startsWith('/')) problems.push(`path must start with /: ${path}`);
    for (const key of Object.keys(item)) {
      if (!(METHODS as readonly string[]).includes(key) && key !== 'parameters')
        problems.push(`${path}: unexpected key ${key}`);
    }
  }
  for (const { method, path, op } of operationsOf(doc)) {
    const where = `${method.toUpperCase()} ${path}`;
    if (!op.operationId) problems.push(`${where}: no operationId`);
    else if (ids.has(op.operationId)) problems.push(`${where}: duplicate ${op.operationId}`);
    else ids.add(op.operationId);

    const params = [...(doc.paths[path]?.parameters ?? []), ...(op.parameters ?? [])].map((p) =>
      deref(doc, p),
    );
    for (const p of params) {
      if (!['path', 'query', 'header', 'cookie'].includes(p.in))
        problems.push(`${where}: parameter ${p.name} has in: ${p.in}`);
      if (p.schema === undefined) problems.push(`${where}: parameter ${p.name} has no schema`);
    }
    const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
    const declared = params
      .filter((p) => p.in === 'path')
      .map((p) => p.name)
      .sort();
    if (!isDeepStrictEqual(inPath, declared))
      problems.push(`${where}: path parameters ${declared} do not match the template`);
    for (const p of params) {
      if (p.in === 'path' && p.required !== true)
        problems.push(`${where}: path parameter ${p.name} must be required`);
    }

    const responses = Object.entries(op.responses ?? {});
    if (responses.length === 0) problems.push(`${where}: no responses`);
    for (const [status, response] of responses) {
      if (!/^([1-5]\d\d|[1-5]XX|default)$/.test(status))
        problems.push(`${where}: bad response key ${status}`);
      if (typeof deref(doc, response).description !== 'string')
        problems.push(`${where} ${status}: response without description`);
    }
  }
  return problems;
}

// ---- A small JSON Schema validator (strict: undocumented properties are failures) ------------

const regexes = new Map<string, RegExp>();
const regex = (pattern: string): RegExp => {
  let re = regexes.get(pattern);
  if (!re) regexes.set(pattern, (re = new RegExp(pattern, 'u')));
  return re;
};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'null':
      return value === null;
    default:
      return typeof value === type;
  }
}

function validate(doc: OpenApi, schema: Schema, value: unknown, at: string, out: string[]): void {
  if (schema.$ref !== undefined) validate(doc, pointer(doc, schema.$ref) as Schema, value, at, out);
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => hasType(value, t))) {
      out.push(`${at}: expected ${types.join('|')}, got ${JSON.stringify(value)}`);
      return;
    }
  }
  if (schema.const !== undefined && !isDeepStrictEqual(value, schema.const))
    out.push(`${at}: expected ${JSON.stringify(schema.const)}, got ${JSON.stringify(value)}`);
  if (schema.enum !== undefined && !schema.enum.some((e) => isDeepStrictEqual(e, value)))
    out.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if (typeof value === 'string') {
    const length = [...value].length;
    if (schema.minLength !== undefined && length < schema.minLength)
      out.push(`${at}: shorter than ${schema.minLength}`);
    if (schema.maxLength !== undefined && length > schema.maxLength)
      out.push(`${at}: longer than ${schema.maxLength}`);
    if (schema.pattern !== undefined && !regex(schema.pattern).test(value))
      out.push(`${at}: ${JSON.stringify(value)} does not match ${schema.pattern}`);
    if (schema.format === 'uuid' && !UUID.test(value)) out.push(`${at}: not a uuid: ${value}`);
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum)
      out.push(`${at}: ${value} < ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum)
      out.push(`${at}: ${value} > ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems)
      out.push(`${at}: fewer than ${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems)
      out.push(`${at}: more than ${schema.maxItems} items`);
    const items = schema.items;
    if (items) value.forEach((item, i) => validate(doc, items, item, `${at}[${i}]`, out));
  }
  if (isObject(value)) {
    for (const name of schema.required ?? [])
      if (!Object.hasOwn(value, name)) out.push(`${at}: missing required ${name}`);
    const describesMembers =
      schema.properties !== undefined || schema.additionalProperties !== undefined;
    for (const [key, member] of Object.entries(value)) {
      if (schema.propertyNames) validate(doc, schema.propertyNames, key, `${at}{${key}}`, out);
      const declared = schema.properties?.[key];
      if (declared) validate(doc, declared, member, `${at}.${key}`, out);
      else if (isObject(schema.additionalProperties))
        validate(doc, schema.additionalProperties, member, `${at}.${key}`, out);
      else if (describesMembers && schema.additionalProperties !== true)
        out.push(`${at}.${key}: not documented`);
    }
  }
  for (const [key, min, max] of [
    ['anyOf', 1, Infinity],
    ['oneOf', 1, 1],
  ] as const) {
    const options = schema[key];
    if (!options) continue;
    const attempts = options.map((option) => {
      const problems: string[] = [];
      validate(doc, option, value, at, problems);
      return problems;
    });
    const passed = attempts.filter((p) => p.length === 0).length;
    if (passed < min || passed > max)
      out.push(`${at}: ${passed} of the ${key} options match (${attempts.flat().join('; ')})`);
  }
}

// ---- Request shapes: zod (what the routes parse) against the documented request bodies --------

interface ZodLike {
  def: { type: string; innerType?: ZodLike; element?: ZodLike; valueType?: ZodLike };
  shape?: Record<string, ZodLike>;
  format?: string | null;
}

/** The schema a $ref chain ends at (siblings of $ref, like description, do not change types). */
function target(doc: OpenApi, schema: Schema): Schema {
  return schema.$ref !== undefined ? target(doc, pointer(doc, schema.$ref) as Schema) : schema;
}

function compareShape(
  doc: OpenApi,
  zod: ZodLike,
  documented: Schema,
  at: string,
  out: string[],
): void {
  let inner = zod;
  while (['optional', 'nullable', 'default'].includes(inner.def.type) && inner.def.innerType)
    inner = inner.def.innerType;
  const schema = target(doc, documented);
  const kind = inner.def.type;
  const expected =
    kind === 'number'
      ? inner.format === 'safeint' || inner.format === 'int32'
        ? 'integer'
        : 'number'
      : kind === 'record'
        ? 'object'
        : kind;
  if (schema.type !== expected) {
    out.push(`${at}: the server parses ${expected}, the document says ${String(schema.type)}`);
    return;
  }
  if (kind === 'object') {
    const shape = inner.shape ?? {};
    const parsed = Object.keys(shape).sort();
    const described = Object.keys(schema.properties ?? {}).sort();
    for (const key of parsed.filter((k) => !described.includes(k)))
      out.push(`${at}.${key}: accepted by the server, not documented`);
    for (const key of described.filter((k) => !parsed.includes(k)))
      out.push(`${at}.${key}: documented, not accepted by the server`);
    for (const [key, member] of Object.entries(shape)) {
      if (member.def.type !== 'optional' && !(schema.required ?? []).includes(key))
        out.push(`${at}.${key}: required by the server, not documented as required`);
      const property = schema.properties?.[key];
      if (property) compareShape(doc, member, property, `${at}.${key}`, out);
    }
  } else if (kind === 'array' && inner.def.element && schema.items) {
    compareShape(doc, inner.def.element, schema.items, `${at}[]`, out);
  } else if (kind === 'record' && inner.def.valueType && isObject(schema.additionalProperties)) {
    compareShape(doc, inner.def.valueType, schema.additionalProperties, `${at}{}`, out);
  } else if (!['string', 'number', 'boolean'].includes(kind)) {
    out.push(`${at}: cannot compare zod type ${kind}`);
  }
}

/** The zod shape each JSON-bodied operation parses (src/frontend/routes/*.ts). */
const REQUEST_SHAPES: Record<string, unknown> = {
  CreateFunction: CreateFunctionBody,
  UpdateFunctionConfiguration: UpdateFunctionConfigurationBody,
  UpdateFunctionCode: UpdateFunctionCodeBody,
  PutFunctionConcurrency: PutFunctionConcurrencyBody,
  PutFunctionEventInvokeConfig: EventInvokeConfigBody,
  UpdateFunctionEventInvokeConfig: EventInvokeConfigBody,
  PutProvisionedConcurrencyConfig: PutProvisionedConcurrencyConfigBody,
  PublishVersion: PublishVersionBody,
  CreateAlias: CreateAliasBody,
  UpdateAlias: UpdateAliasBody,
  AddPermission: AddPermissionBody,
  TagResource: TagResourceBody,
  PutRuntimeManagementConfig: PutRuntimeManagementConfigBody,
  PutFunctionRecursionConfig: PutFunctionRecursionConfigBody,
  CreateCodeSigningConfig: CreateCodeSigningConfigBody,
  UpdateCodeSigningConfig: UpdateCodeSigningConfigBody,
  PutFunctionCodeSigningConfig: PutFunctionCodeSigningConfigBody,
  PublishLayerVersion: PublishLayerVersionBody,
  AddLayerVersionPermission: AddLayerVersionPermissionBody,
  CreateFunctionUrlConfig: FunctionUrlConfigBody,
  UpdateFunctionUrlConfig: FunctionUrlConfigBody,
};

// ---- The tests ------------------------------------------------------------------------------

const key = (method: string, path: string): string => `${method.toUpperCase()} ${path}`;
const codeOf = (name: string): ErrorCode => name as ErrorCode;

describe('openapi/lambda.json and openapi/runtime-api.json', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer(
      loadConfig({ port: 0, inMemory: true, quiet: true, printFunctionLogs: false }),
    );
  });
  after(() => server.close());

  it('are structurally valid OpenAPI 3.1 documents whose $refs all resolve', () => {
    assert.deepEqual(structuralProblems(lambdaDoc), [], 'openapi/lambda.json');
    assert.deepEqual(structuralProblems(runtimeDoc), [], 'openapi/runtime-api.json');
  });

  it('lambda.json describes every served operation, and nothing else', () => {
    const served = server.operations.map((op) => key(op.method, op.path));
    assert.equal(new Set(served).size, served.length, 'the server serves a method + path twice');
    const documented = operationsOf(lambdaDoc).map(({ method, path }) => key(method, path));
    const missing = served.filter((k) => !documented.includes(k));
    const extra = documented.filter((k) => !served.includes(k));
    assert.deepEqual(
      { missing, extra },
      { missing: [], extra: [] },
      'openapi/lambda.json is out of date: update openapi/generate.py and regenerate',
    );
  });

  it('operationIds are the served operation names', () => {
    const byKey = new Map(
      operationsOf(lambdaDoc).map(({ method, path, op }) => [key(method, path), op.operationId]),
    );
    for (const op of server.operations) {
      assert.equal(byKey.get(key(op.method, op.path)), op.name, key(op.method, op.path));
    }
  });

  it('x-error-catalogue mirrors ERROR_CATALOGUE, with a schema and a response per code', () => {
    const documented = lambdaDoc['x-error-catalogue'];
    assert.ok(documented, 'x-error-catalogue is missing');
    assert.deepEqual(Object.keys(documented).sort(), Object.keys(ERROR_CATALOGUE).sort());
    for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
      assert.deepEqual(documented[code], { ...entry }, `x-error-catalogue.${code}`);
      const schema = lambdaDoc.components?.schemas?.[code];
      assert.ok(schema, `components.schemas.${code} is missing`);
      assert.deepEqual([...(schema.required ?? [])].sort(), ['Type', entry.field].sort(), code);
      assert.equal(schema.properties?.Type?.const, entry.fault, `${code}.Type`);
      assert.equal(schema.properties?.[entry.field]?.type, 'string', `${code}.${entry.field}`);
      const response = lambdaDoc.components?.responses?.[code];
      assert.ok(response, `components.responses.${code} is missing`);
      assert.equal(response.headers?.['x-amzn-ErrorType']?.schema?.const, code, code);
    }
  });

  it("every operation's error codes are catalogued and answered under their status", () => {
    for (const { method, path, op } of operationsOf(lambdaDoc)) {
      const where = `${op.operationId} (${key(method, path)})`;
      const codes = op['x-error-codes'] ?? [];
      assert.ok(codes.length > 0, `${where}: x-error-codes is empty`);
      const statuses = new Set<string>();
      for (const code of codes) {
        const entry = ERROR_CATALOGUE[codeOf(code)];
        assert.ok(entry, `${where}: ${code} is not in ERROR_CATALOGUE`);
        const status = String(entry.status);
        statuses.add(status);
        const response = op.responses?.[status];
        assert.ok(response, `${where}: no ${status} response for ${code}`);
        const resolved = deref(lambdaDoc, response);
        const errorType = resolved.headers?.['x-amzn-ErrorType'];
        assert.ok(errorType, `${where} ${status}: no x-amzn-ErrorType header`);
        const allowed = deref(lambdaDoc, errorType).schema;
        assert.ok(
          allowed?.const === code || (allowed?.enum ?? []).includes(code),
          `${where} ${status}: x-amzn-ErrorType does not allow ${code}`,
        );
        const body: string[] = [];
        validate(
          lambdaDoc,
          resolved.content?.['application/json']?.schema ?? {},
          { Type: entry.fault, [entry.field]: 'text' },
          `${where} ${status} body`,
          body,
        );
        assert.deepEqual(body, [], `${where}: the ${code} body does not match`);
      }
      for (const status of Object.keys(op.responses ?? {})) {
        if (Number(status) >= 400)
          assert.ok(statuses.has(status), `${where}: ${status} answers no listed code`);
      }
    }
  });

  it('request bodies document exactly the members the server parses', () => {
    const problems: string[] = [];
    for (const { op } of operationsOf(lambdaDoc)) {
      const name = op.operationId ?? '';
      const media = op.requestBody?.content?.['application/json'];
      const zod = REQUEST_SHAPES[name];
      if (!media) {
        if (zod) problems.push(`${name}: the server parses a JSON body, none is documented`);
        continue;
      }
      if (!zod) {
        problems.push(`${name}: JSON body documented; add its zod shape to REQUEST_SHAPES`);
        continue;
      }
      compareShape(lambdaDoc, zod as ZodLike, media.schema ?? {}, name, problems);
    }
    assert.deepEqual(problems, []);
  });

  it("the Runtime enum is the server's", () => {
    const runtime = lambdaDoc.components?.schemas?.Runtime;
    assert.deepEqual([...(runtime?.enum ?? [])].sort(), [...ALL_RUNTIMES].sort());
  });

  it("runtime-api.json's paths and headers are protocol.json's", () => {
    const methods: Record<string, Method> = {
      next: 'get',
      response: 'post',
      error: 'post',
      initError: 'post',
      extensionRegister: 'post',
      extensionNext: 'get',
      extensionInitError: 'post',
      extensionExitError: 'post',
      telemetrySubscribe: 'put',
      logsSubscribe: 'put',
    };
    const documented = Object.keys(runtimeDoc.paths).sort();
    assert.deepEqual(documented, Object.values(protocol.paths).sort());
    for (const [name, path] of Object.entries(protocol.paths)) {
      const method = methods[name];
      assert.ok(method, `protocol.json has a new path ${name}: give it its method here`);
      const item = runtimeDoc.paths[path] ?? {};
      const present = METHODS.filter((m) => item[m] !== undefined);
      assert.deepEqual(present, [method], path);
    }

    const names = new Set<string>();
    for (const { op } of operationsOf(runtimeDoc)) {
      for (const p of op.parameters ?? []) {
        const param = deref(runtimeDoc, p);
        if (param.in === 'header') names.add(param.name.toLowerCase());
      }
      for (const response of Object.values(op.responses ?? {})) {
        for (const header of Object.keys(deref(runtimeDoc, response).headers ?? {}))
          names.add(header.toLowerCase());
      }
    }
    const runtimeHeaders = [...names]
      .filter((n) => n.startsWith('lambda-runtime-') || n.startsWith('lambda-extension-'))
      .sort();
    assert.deepEqual(runtimeHeaders, Object.values(protocol.headers).sort());
  });

  describe('responses of the running server match the documented ones', () => {
    const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';
    const zip = buildZip({ 'index.js': 'exports.handler = async () => 1;' }).toString('base64');
    const documented = new Map(
      operationsOf(lambdaDoc).map((entry) => [entry.op.operationId ?? '', entry]),
    );

    interface Exchange {
      status: number;
      headers: Headers;
      text: string;
    }

    /** Calls the operation and checks the answer against its documented response. */
    async function call(
      name: string,
      path: string,
      init: {
        query?: Record<string, string>;
        headers?: Record<string, string>;
        body?: string;
      } = {},
    ): Promise<Exchange & { json: Record<string, unknown> }> {
      const entry = documented.get(name);
      assert.ok(entry, `${name} is not documented`);
      // A constant query member of the path (`?List=ALL`) is sent as a query member.
      const [route = entry.path, literal] = entry.path.split('?');
      const template = new RegExp(`^${route.replace(/\{[^}]+\}/g, '[^/]+')}$`);
      assert.match(path, template, `${path} is not ${name}'s path`);
      const url = new URL(literal ? `${path}?${literal}` : path, server.url);
      for (const [k, v] of Object.entries(init.query ?? {})) url.searchParams.set(k, v);
      const res = await fetch(url, {
        method: entry.method.toUpperCase(),
        headers: init.headers,
        body: init.body,
      });
      const exchange = { status: res.status, headers: res.headers, text: await res.text() };
      const documentedResponse = entry.op.responses?.[String(res.status)];
      assert.ok(
        documentedResponse,
        `${name} answered ${res.status} (${exchange.text}), which is not documented`,
      );
      conforms(deref(lambdaDoc, documentedResponse), exchange, `${name} ${res.status}`);
      if (res.status >= 400) {
        const code = res.headers.get('x-amzn-errortype') ?? '';
        assert.ok(entry.op['x-error-codes']?.includes(code), `${name}: ${code} is not listed`);
        assert.equal(ERROR_CATALOGUE[codeOf(code)]?.status, res.status, code);
      }
      const isJson = exchange.text !== '' && /json/.test(res.headers.get('content-type') ?? '');
      return {
        ...exchange,
        json: isJson ? (JSON.parse(exchange.text) as Record<string, unknown>) : {},
      };
    }

    function conforms(response: ResponseObject, exchange: Exchange, where: string): void {
      const problems: string[] = [];
      assert.ok(
        response.headers?.['x-amzn-RequestId'],
        `${where}: x-amzn-RequestId is not documented`,
      );
      for (const [name, h] of Object.entries(response.headers ?? {})) {
        const header = deref(lambdaDoc, h);
        const value = exchange.headers.get(name);
        if (value === null) {
          if (header.required) problems.push(`${where}: header ${name} is missing`);
          continue;
        }
        const schema = header.schema ?? {};
        const typed = target(lambdaDoc, schema).type === 'integer' ? Number(value) : value;
        validate(lambdaDoc, schema, typed, `${where} header ${name}`, problems);
      }
      const content = response.content ?? {};
      const types = Object.keys(content);
      if (types.length === 0) {
        if (exchange.text !== '') problems.push(`${where}: a body, none documented`);
      } else {
        const contentType = (exchange.headers.get('content-type') ?? '').split(';')[0] ?? '';
        const media = content[contentType] ?? content['*/*'];
        if (!media) problems.push(`${where}: content-type ${contentType} is not ${types}`);
        else if (contentType === 'application/json') {
          validate(lambdaDoc, media.schema ?? {}, JSON.parse(exchange.text), where, problems);
        }
      }
      assert.deepEqual(problems, []);
    }

    const fn = (name: string, rest = ''): string => `/2015-03-31/functions/${name}${rest}`;

    async function settled(name: string): Promise<void> {
      for (let i = 0; i < 200; i++) {
        const { json } = await call('GetFunctionConfiguration', fn(name, '/configuration'));
        if (json.State === 'Active' && json.LastUpdateStatus !== 'InProgress') return;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.fail(`${name} did not settle`);
    }

    it('function management', async () => {
      await call('PublishLayerVersion', '/2018-10-31/layers/shared/versions', {
        body: JSON.stringify({ Content: { ZipFile: zip } }),
      });
      const created = await call('CreateFunction', '/2015-03-31/functions', {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          FunctionName: 'documented',
          Runtime: 'nodejs20.x',
          Handler: 'index.handler',
          Role: ROLE,
          Code: { ZipFile: zip },
          Description: 'every optional member',
          Timeout: 10,
          MemorySize: 256,
          Environment: { Variables: { GREETING: 'hello' } },
          Layers: ['arn:aws:lambda:us-east-1:000000000000:layer:shared:1'],
          EphemeralStorage: { Size: 1024 },
          TracingConfig: { Mode: 'Active' },
          LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'INFO', SystemLogLevel: 'WARN' },
          DeadLetterConfig: { TargetArn: 'arn:aws:sqs:us-east-1:000000000000:dlq' },
          KMSKeyArn: 'arn:aws:kms:us-east-1:000000000000:key/k',
          VpcConfig: { SubnetIds: ['subnet-1'], SecurityGroupIds: ['sg-1'] },
          Architectures: ['arm64'],
          Tags: { team: 'docs' },
        }),
      });
      assert.equal(created.status, 201);
      await call('CreateFunction', '/2015-03-31/functions', {
        body: JSON.stringify({
          FunctionName: 'published',
          Runtime: 'provided.al2023',
          Role: ROLE,
          Code: { ZipFile: zip },
          Publish: true,
        }),
      });
      await settled('documented');
      await settled('published');

      const got = await call('GetFunction', fn('documented'));
      assert.equal(got.status, 200);
      const location = (got.json.Code as { Location: string }).Location;
      const download = await call('DownloadFunctionCode', new URL(location).pathname);
      assert.equal(download.status, 200);
      await call('GetFunction', fn('published'), { query: { Qualifier: '1' } });
      await call('GetFunctionConfiguration', fn('published:1', '/configuration'));

      const page = await call('ListFunctions', '/2015-03-31/functions', {
        query: { MaxItems: '1' },
      });
      assert.equal(typeof page.json.NextMarker, 'string');
      await call('ListFunctions', '/2015-03-31/functions', {
        query: { Marker: String(page.json.NextMarker) },
      });
      await call('ListFunctions', '/2015-03-31/functions', { query: { FunctionVersion: 'ALL' } });

      const updated = await call(
        'UpdateFunctionConfiguration',
        fn('documented', '/configuration'),
        {
          body: JSON.stringify({ Description: 'changed', Environment: {}, KMSKeyArn: '' }),
        },
      );
      assert.equal(updated.status, 200);
      await settled('documented');
      await call('UpdateFunctionCode', fn('documented', '/code'), {
        body: JSON.stringify({ ZipFile: zip, DryRun: true }),
      });
      const published = await call('UpdateFunctionCode', fn('documented', '/code'), {
        body: JSON.stringify({ ZipFile: zip, Publish: true }),
      });
      assert.equal(published.json.Version, '1');
      await settled('documented');

      await call('GetAccountSettings', '/2016-08-19/account-settings');
      const dryRun = await call('Invoke', fn('documented', '/invocations'), {
        headers: { 'X-Amz-Invocation-Type': 'DryRun' },
        body: '{}',
      });
      assert.equal(dryRun.status, 204);

      assert.equal((await call('DeleteFunction', fn('published'))).status, 204);
      assert.equal(
        (await call('DeleteFunction', fn('documented'), { query: { Qualifier: '1' } })).status,
        204,
      );
    });

    it('response streaming', async () => {
      await call('CreateFunction', '/2015-03-31/functions', {
        body: JSON.stringify({
          FunctionName: 'streamed-doc',
          Runtime: 'nodejs20.x',
          Handler: 'index.handler',
          Role: ROLE,
          Code: { ZipFile: zip },
        }),
      });
      await settled('streamed-doc');
      const path = '/2021-11-15/functions/streamed-doc/response-streaming-invocations';
      const dryRun = await call('InvokeWithResponseStream', path, {
        headers: { 'X-Amz-Invocation-Type': 'DryRun' },
      });
      assert.equal(dryRun.status, 204);
      const streamed = await call('InvokeWithResponseStream', path, { body: '{}' });
      assert.equal(streamed.status, 200);
      assert.equal(streamed.headers.get('content-type'), 'application/vnd.amazon.eventstream');
      await call(
        'InvokeWithResponseStream',
        '/2021-11-15/functions/missing/response-streaming-invocations',
      );
      await call('DeleteFunction', fn('streamed-doc'));
    });

    it('asynchronous invocation', async () => {
      const arn = 'arn:aws:lambda:us-east-1:000000000000:function';
      for (const name of ['async-doc', 'async-sink']) {
        await call('CreateFunction', '/2015-03-31/functions', {
          body: JSON.stringify({
            FunctionName: name,
            Runtime: 'nodejs20.x',
            Handler: 'index.handler',
            Role: ROLE,
            Code: { ZipFile: zip },
            Publish: true,
          }),
        });
        await settled(name);
      }
      const eic = (name: string, rest = ''): string =>
        `/2019-09-25/functions/${name}/event-invoke-config${rest}`;
      const put = await call('PutFunctionEventInvokeConfig', eic('async-doc'), {
        body: JSON.stringify({
          MaximumRetryAttempts: 1,
          MaximumEventAgeInSeconds: 60,
          DestinationConfig: {
            OnSuccess: { Destination: `${arn}:async-sink` },
            OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:failed' },
          },
        }),
      });
      assert.equal(put.status, 200);
      await call('PutFunctionEventInvokeConfig', eic('async-doc'), {
        query: { Qualifier: '1' },
        body: JSON.stringify({ MaximumRetryAttempts: 0 }),
      });
      await call('UpdateFunctionEventInvokeConfig', eic('async-doc'), {
        body: JSON.stringify({ MaximumRetryAttempts: 2 }),
      });
      await call('GetFunctionEventInvokeConfig', eic('async-doc'), { query: { Qualifier: '1' } });
      const page = await call('ListFunctionEventInvokeConfigs', eic('async-doc', '/list'), {
        query: { MaxItems: '1' },
      });
      assert.equal(typeof page.json.NextMarker, 'string');
      await call('ListFunctionEventInvokeConfigs', eic('async-doc', '/list'), {
        query: { Marker: String(page.json.NextMarker) },
      });
      const accepted = await call('InvokeAsync', '/2014-11-13/functions/async-sink/invoke-async', {
        body: '{"queued": true}',
      });
      assert.equal(accepted.status, 202);
      assert.deepEqual(accepted.json, { Status: 202 });

      const cases: [string, string, Parameters<typeof call>[2], string][] = [
        ['GetFunctionEventInvokeConfig', eic('async-sink'), {}, 'ResourceNotFoundException'],
        [
          'PutFunctionEventInvokeConfig',
          eic('async-doc'),
          { body: JSON.stringify({ MaximumRetryAttempts: 5 }) },
          'ValidationException',
        ],
        [
          'PutFunctionEventInvokeConfig',
          eic('async-doc'),
          { body: '{}' },
          'InvalidParameterValueException',
        ],
        [
          'UpdateFunctionEventInvokeConfig',
          eic('async-doc'),
          { body: '{' },
          'InvalidRequestContentException',
        ],
        [
          'ListFunctionEventInvokeConfigs',
          eic('async-doc', '/list'),
          { query: { MaxItems: 'x' } },
          'InvalidParameterValueException',
        ],
        [
          'InvokeAsync',
          '/2014-11-13/functions/missing/invoke-async',
          {},
          'ResourceNotFoundException',
        ],
      ];
      for (const [name, path, init, code] of cases) {
        const answer = await call(name, path, init);
        assert.equal(answer.headers.get('x-amzn-errortype'), code, `${name} ${path}`);
      }
      const deleted = await call('DeleteFunctionEventInvokeConfig', eic('async-doc'));
      assert.equal(deleted.status, 204);
      for (const name of ['async-doc', 'async-sink']) await call('DeleteFunction', fn(name));
    });

    it('provisioned concurrency', async () => {
      await call('CreateFunction', '/2015-03-31/functions', {
        body: JSON.stringify({
          FunctionName: 'provisioned-doc',
          Runtime: 'nodejs20.x',
          Handler: 'index.handler',
          Role: ROLE,
          Code: { ZipFile: zip },
          Publish: true,
        }),
      });
      await settled('provisioned-doc');
      const pc = fn('provisioned-doc', '/provisioned-concurrency').replace(
        '2015-03-31',
        '2019-09-30',
      );
      const put = await call('PutProvisionedConcurrencyConfig', pc, {
        query: { Qualifier: '1' },
        body: JSON.stringify({ ProvisionedConcurrentExecutions: 1 }),
      });
      assert.equal(put.status, 202);
      let got = await call('GetProvisionedConcurrencyConfig', pc, { query: { Qualifier: '1' } });
      for (let i = 0; i < 500 && got.json.Status !== 'READY'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        got = await call('GetProvisionedConcurrencyConfig', pc, { query: { Qualifier: '1' } });
      }
      assert.equal(got.json.Status, 'READY');
      const list = await call('ListProvisionedConcurrencyConfigs', pc, {
        query: { MaxItems: '1' },
      });
      assert.equal((list.json.ProvisionedConcurrencyConfigs as unknown[]).length, 1);
      const cases: [string, Parameters<typeof call>[2], string][] = [
        [
          'GetProvisionedConcurrencyConfig',
          { query: { Qualifier: '2' } },
          'ResourceNotFoundException',
        ],
        [
          'PutProvisionedConcurrencyConfig',
          {
            query: { Qualifier: '$LATEST' },
            body: JSON.stringify({ ProvisionedConcurrentExecutions: 1 }),
          },
          'InvalidParameterValueException',
        ],
        [
          'PutProvisionedConcurrencyConfig',
          {
            query: { Qualifier: '1' },
            body: JSON.stringify({ ProvisionedConcurrentExecutions: 0 }),
          },
          'ValidationException',
        ],
        ['ListProvisionedConcurrencyConfigs', { query: { MaxItems: '51' } }, 'ValidationException'],
      ];
      for (const [name, init, code] of cases) {
        const answer = await call(name, pc, init);
        assert.equal(answer.headers.get('x-amzn-errortype'), code, name);
      }
      const deleted = await call('DeleteProvisionedConcurrencyConfig', pc, {
        query: { Qualifier: '1' },
      });
      assert.equal(deleted.status, 204);
      const gone = await call('GetProvisionedConcurrencyConfig', pc, { query: { Qualifier: '1' } });
      assert.equal(
        gone.headers.get('x-amzn-errortype'),
        'ProvisionedConcurrencyConfigNotFoundException',
      );
      await call('DeleteFunction', fn('provisioned-doc'));
    });

    it('versions and aliases', async () => {
      await call('CreateFunction', '/2015-03-31/functions', {
        body: JSON.stringify({
          FunctionName: 'aliased-doc',
          Runtime: 'nodejs20.x',
          Handler: 'index.handler',
          Role: ROLE,
          Code: { ZipFile: zip },
        }),
      });
      await settled('aliased-doc');
      const published = await call('PublishVersion', fn('aliased-doc', '/versions'), {
        body: JSON.stringify({ Description: 'one' }),
      });
      assert.equal(published.status, 201);
      await call('UpdateFunctionConfiguration', fn('aliased-doc', '/configuration'), {
        body: JSON.stringify({ Timeout: 9 }),
      });
      await settled('aliased-doc');
      await call('PublishVersion', fn('aliased-doc', '/versions'));
      const page = await call('ListVersionsByFunction', fn('aliased-doc', '/versions'), {
        query: { MaxItems: '2' },
      });
      assert.equal(typeof page.json.NextMarker, 'string');
      await call('ListVersionsByFunction', fn('aliased-doc', '/versions'), {
        query: { Marker: String(page.json.NextMarker) },
      });
      const created = await call('CreateAlias', fn('aliased-doc', '/aliases'), {
        body: JSON.stringify({
          Name: 'live',
          FunctionVersion: '2',
          Description: 'weighted',
          RoutingConfig: { AdditionalVersionWeights: { '1': 0.1 } },
        }),
      });
      assert.equal(created.status, 201);
      await call('CreateAlias', fn('aliased-doc', '/aliases'), {
        body: JSON.stringify({ Name: 'edge', FunctionVersion: '$LATEST' }),
      });
      await call('GetAlias', fn('aliased-doc', '/aliases/live'));
      await call('UpdateAlias', fn('aliased-doc', '/aliases/live'), {
        body: JSON.stringify({ RoutingConfig: {}, RevisionId: created.json.RevisionId }),
      });
      const aliases = await call('ListAliases', fn('aliased-doc', '/aliases'), {
        query: { MaxItems: '1' },
      });
      assert.equal(typeof aliases.json.NextMarker, 'string');
      await call('ListAliases', fn('aliased-doc', '/aliases'), {
        query: { FunctionVersion: '2', Marker: String(aliases.json.NextMarker) },
      });
      await call('GetFunction', fn('aliased-doc:live'));

      const cases: [string, string, Parameters<typeof call>[2], string][] = [
        ['GetAlias', fn('aliased-doc', '/aliases/none'), {}, 'ResourceNotFoundException'],
        ['GetAlias', fn('aliased-doc', '/aliases/123'), {}, 'ValidationException'],
        [
          'CreateAlias',
          fn('aliased-doc', '/aliases'),
          { body: JSON.stringify({ Name: 'live', FunctionVersion: '1' }) },
          'ResourceConflictException',
        ],
        [
          'CreateAlias',
          fn('aliased-doc', '/aliases'),
          {
            body: JSON.stringify({
              Name: 'w',
              FunctionVersion: '$LATEST',
              RoutingConfig: { AdditionalVersionWeights: { '1': 0.5 } },
            }),
          },
          'InvalidParameterValueException',
        ],
        [
          'CreateAlias',
          fn('aliased-doc', '/aliases'),
          { body: '[' },
          'InvalidRequestContentException',
        ],
        [
          'UpdateAlias',
          fn('aliased-doc', '/aliases/live'),
          { body: JSON.stringify({ RevisionId: 'stale' }) },
          'PreconditionFailedException',
        ],
        [
          'PublishVersion',
          fn('aliased-doc', '/versions'),
          { body: JSON.stringify({ CodeSha256: 'other' }) },
          'InvalidParameterValueException',
        ],
        [
          'ListVersionsByFunction',
          fn('aliased-doc', '/versions'),
          { query: { MaxItems: '0' } },
          'ValidationException',
        ],
        [
          'DeleteFunction',
          fn('aliased-doc'),
          { query: { Qualifier: '2' } },
          'ResourceConflictException',
        ],
      ];
      for (const [name, path, init, code] of cases) {
        const answer = await call(name, path, init);
        assert.equal(answer.headers.get('x-amzn-errortype'), code, `${name} ${path}`);
      }
      assert.equal((await call('DeleteAlias', fn('aliased-doc', '/aliases/live'))).status, 204);
      await call('DeleteFunction', fn('aliased-doc'));
    });

    it('resource policies, tags, runtime management, recursion and code signing', async () => {
      await call('CreateFunction', '/2015-03-31/functions', {
        body: JSON.stringify({
          FunctionName: 'policy-doc',
          Runtime: 'nodejs20.x',
          Handler: 'index.handler',
          Role: ROLE,
          Code: { ZipFile: zip },
          Publish: true,
        }),
      });
      await settled('policy-doc');
      const policy = fn('policy-doc', '/policy');
      const added = await call('AddPermission', policy, {
        body: JSON.stringify({
          StatementId: 's3',
          Action: 'lambda:InvokeFunction',
          Principal: 's3.amazonaws.com',
          SourceArn: 'arn:aws:s3:::bucket',
          SourceAccount: '000000000000',
        }),
      });
      assert.equal(added.status, 201);
      await call('AddPermission', policy, {
        query: { Qualifier: '1' },
        body: JSON.stringify({ StatementId: 'v1', Action: 'lambda:*', Principal: '111111111111' }),
      });
      const got = await call('GetPolicy', policy);
      await call('RemovePermission', `${policy}/v1`, {
        query: { Qualifier: '1', RevisionId: String(got.json.RevisionId) },
      });
      const arn = encodeURIComponent('arn:aws:lambda:us-east-1:000000000000:function:policy-doc');
      const tags = `/2017-03-31/tags/${arn}`;
      await call('TagResource', tags, { body: JSON.stringify({ Tags: { team: 'docs' } }) });
      await call('ListTags', tags);
      await call('UntagResource', tags, { query: { tagKeys: 'team' } });
      const runtime = fn('policy-doc', '/runtime-management-config').replace(
        '2015-03-31',
        '2021-07-20',
      );
      await call('GetRuntimeManagementConfig', runtime);
      await call('PutRuntimeManagementConfig', runtime, {
        query: { Qualifier: '1' },
        body: JSON.stringify({
          UpdateRuntimeOn: 'Manual',
          RuntimeVersionArn: 'arn:aws:lambda:us-east-1::runtime:abcdef0123456789',
        }),
      });
      const recursion = fn('policy-doc', '/recursion-config').replace('2015-03-31', '2024-08-31');
      await call('PutFunctionRecursionConfig', recursion, {
        body: JSON.stringify({ RecursiveLoop: 'Allow' }),
      });
      await call('GetFunctionRecursionConfig', recursion);

      const configs = '/2020-04-22/code-signing-configs';
      const created = await call('CreateCodeSigningConfig', configs, {
        body: JSON.stringify({
          Description: 'docs',
          AllowedPublishers: {
            SigningProfileVersionArns: [
              'arn:aws:signer:us-east-1:000000000000:/signing-profiles/p/1',
            ],
          },
          CodeSigningPolicies: { UntrustedArtifactOnDeployment: 'Enforce' },
          Tags: { kind: 'csc' },
        }),
      });
      assert.equal(created.status, 201);
      const cscArn = (created.json.CodeSigningConfig as { CodeSigningConfigArn: string })
        .CodeSigningConfigArn;
      const config = `${configs}/${encodeURIComponent(cscArn)}`;
      await call('GetCodeSigningConfig', config);
      await call('UpdateCodeSigningConfig', config, {
        body: JSON.stringify({ Description: 'changed' }),
      });
      await call('ListCodeSigningConfigs', configs, { query: { MaxItems: '1' } });
      const fnConfig = fn('policy-doc', '/code-signing-config').replace('2015-03-31', '2020-06-30');
      await call('GetFunctionCodeSigningConfig', fnConfig);
      await call('PutFunctionCodeSigningConfig', fnConfig, {
        body: JSON.stringify({ CodeSigningConfigArn: cscArn }),
      });
      await call('GetFunctionCodeSigningConfig', fnConfig);
      await call('ListFunctionsByCodeSigningConfig', `${config}/functions`);

      const cases: [string, string, Parameters<typeof call>[2], string][] = [
        ['GetPolicy', fn('missing', '/policy'), {}, 'ResourceNotFoundException'],
        [
          'AddPermission',
          policy,
          { body: JSON.stringify({ StatementId: 's3', Action: 'lambda:*', Principal: '*' }) },
          'ResourceConflictException',
        ],
        [
          'AddPermission',
          policy,
          { body: JSON.stringify({ StatementId: 'x', Action: 'iam:*', Principal: '*' }) },
          'ValidationException',
        ],
        [
          'AddPermission',
          policy,
          {
            body: JSON.stringify({
              StatementId: 'big',
              Action: 'lambda:*',
              Principal: '*',
              SourceArn: `arn:aws:s3:::${'b'.repeat(21_000)}`,
            }),
          },
          'PolicyLengthExceededException',
        ],
        [
          'RemovePermission',
          `${policy}/s3`,
          { query: { RevisionId: 'stale' } },
          'PreconditionFailedException',
        ],
        [
          'TagResource',
          tags,
          { body: JSON.stringify({ Tags: {} }) },
          'InvalidParameterValueException',
        ],
        ['ListTags', '/2017-03-31/tags/not-an-arn', {}, 'ValidationException'],
        [
          'PutFunctionCodeSigningConfig',
          fnConfig,
          {
            body: JSON.stringify({
              CodeSigningConfigArn: cscArn.replace(/csc-.*/, `csc-${'0'.repeat(17)}`),
            }),
          },
          'CodeSigningConfigNotFoundException',
        ],
        ['DeleteCodeSigningConfig', config, {}, 'ResourceConflictException'],
      ];
      for (const [name, path, init, code] of cases) {
        const answer = await call(name, path, init);
        assert.equal(answer.headers.get('x-amzn-errortype'), code, `${name} ${path}`);
      }
      await call('DeleteFunctionCodeSigningConfig', fnConfig);
      assert.equal((await call('DeleteCodeSigningConfig', config)).status, 204);
      const gone = await call('GetCodeSigningConfig', config);
      assert.equal(gone.headers.get('x-amzn-errortype'), 'ResourceNotFoundException');
      await call('DeleteFunction', fn('policy-doc'));
    });

    it('layers', async () => {
      const versions = '/2018-10-31/layers/documented-layer/versions';
      const published = await call('PublishLayerVersion', versions, {
        body: JSON.stringify({
          Content: { ZipFile: zip },
          Description: 'every member',
          CompatibleRuntimes: ['nodejs20.x'],
          CompatibleArchitectures: ['x86_64', 'arm64'],
          LicenseInfo: 'MIT',
        }),
      });
      assert.equal(published.status, 201);
      await call('PublishLayerVersion', versions, {
        body: JSON.stringify({ Content: { ZipFile: zip } }),
      });
      const arn = String(published.json.LayerVersionArn);
      await call('GetLayerVersion', `${versions}/1`);
      await call('GetLayerVersionByArn', '/2018-10-31/layers', { query: { Arn: arn } });
      const page = await call('ListLayerVersions', versions, { query: { MaxItems: '1' } });
      assert.equal(typeof page.json.NextMarker, 'string');
      await call('ListLayerVersions', versions, {
        query: { Marker: String(page.json.NextMarker), CompatibleRuntime: 'nodejs20.x' },
      });
      await call('ListLayers', '/2018-10-31/layers', { query: { MaxItems: '1' } });
      await call('ListLayers', '/2018-10-31/layers', {
        query: { CompatibleArchitecture: 'arm64' },
      });
      const added = await call('AddLayerVersionPermission', `${versions}/1/policy`, {
        body: JSON.stringify({
          StatementId: 'all',
          Action: 'lambda:GetLayerVersion',
          Principal: '*',
          OrganizationId: 'o-abcdefghij',
        }),
      });
      assert.equal(added.status, 201);
      await call('GetLayerVersionPolicy', `${versions}/1/policy`);
      const other = {
        authorization:
          'AWS4-HMAC-SHA256 Credential=111111111111/20240101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=0',
      };
      const cases: [string, string, Parameters<typeof call>[2], string][] = [
        ['GetLayerVersion', `${versions}/9`, {}, 'ResourceNotFoundException'],
        ['GetLayerVersion', `${versions}/0`, {}, 'InvalidParameterValueException'],
        ['GetLayerVersion', '/2018-10-31/layers/bad%20name/versions/1', {}, 'ValidationException'],
        [
          'GetLayerVersion',
          `/2018-10-31/layers/${encodeURIComponent(arn.replace(/:1$/, ''))}/versions/1`,
          { headers: other },
          'AccessDeniedException',
        ],
        [
          'GetLayerVersionByArn',
          '/2018-10-31/layers',
          { query: { Arn: 'x' } },
          'ValidationException',
        ],
        ['ListLayers', '/2018-10-31/layers', { query: { MaxItems: '51' } }, 'ValidationException'],
        ['PublishLayerVersion', versions, { body: '{' }, 'InvalidRequestContentException'],
        [
          'PublishLayerVersion',
          versions,
          { body: JSON.stringify({ Content: { ZipFile: 'bm90IGEgemlw' } }) },
          'InvalidParameterValueException',
        ],
        [
          'AddLayerVersionPermission',
          `${versions}/1/policy`,
          {
            body: JSON.stringify({
              StatementId: 'all',
              Action: 'lambda:GetLayerVersion',
              Principal: '*',
            }),
          },
          'ResourceConflictException',
        ],
        [
          'AddLayerVersionPermission',
          `${versions}/1/policy`,
          {
            query: { RevisionId: 'stale' },
            body: JSON.stringify({
              StatementId: 'new',
              Action: 'lambda:GetLayerVersion',
              Principal: '*',
            }),
          },
          'PreconditionFailedException',
        ],
        [
          'RemoveLayerVersionPermission',
          `${versions}/1/policy/none`,
          {},
          'ResourceNotFoundException',
        ],
        ['GetLayerVersionPolicy', `${versions}/2/policy`, {}, 'ResourceNotFoundException'],
      ];
      for (const [name, path, init, code] of cases) {
        const answer = await call(name, path, init);
        assert.equal(answer.headers.get('x-amzn-errortype'), code, `${name} ${path}`);
      }
      const removed = await call('RemoveLayerVersionPermission', `${versions}/1/policy/all`);
      assert.equal(removed.status, 204);
      for (const version of ['1', '2', '3'])
        assert.equal((await call('DeleteLayerVersion', `${versions}/${version}`)).status, 204);
    });

    it('function URLs', async () => {
      await call('CreateFunction', '/2015-03-31/functions', {
        body: JSON.stringify({
          FunctionName: 'url-doc',
          Runtime: 'nodejs20.x',
          Handler: 'index.handler',
          Role: ROLE,
          Code: { ZipFile: zip },
        }),
      });
      const url = (rest = '') => `/2021-10-31/functions/url-doc/url${rest}`;
      const cors = {
        AllowCredentials: true,
        AllowHeaders: ['x-custom'],
        AllowMethods: ['GET', 'POST'],
        AllowOrigins: ['https://example.com'],
        ExposeHeaders: ['x-exposed'],
        MaxAge: 60,
      };
      const created = await call('CreateFunctionUrlConfig', url(), {
        body: JSON.stringify({ AuthType: 'NONE', Cors: cors, InvokeMode: 'BUFFERED' }),
      });
      assert.equal(created.status, 201);
      await call('GetFunctionUrlConfig', url());
      await call('UpdateFunctionUrlConfig', url(), {
        body: JSON.stringify({ AuthType: 'AWS_IAM' }),
      });
      const page = await call('ListFunctionUrlConfigs', url('s'), { query: { MaxItems: '1' } });
      assert.equal((page.json.FunctionUrlConfigs as unknown[]).length, 1);
      const cases: [string, string, Parameters<typeof call>[2], string][] = [
        [
          'CreateFunctionUrlConfig',
          url(),
          { body: JSON.stringify({ AuthType: 'NONE' }) },
          'ResourceConflictException',
        ],
        ['CreateFunctionUrlConfig', url(), { body: '{}' }, 'ValidationException'],
        [
          'CreateFunctionUrlConfig',
          url(),
          { body: JSON.stringify({ AuthType: 'NONE', Cors: { AllowMethods: ['GET'] } }) },
          'InvalidParameterValueException',
        ],
        ['UpdateFunctionUrlConfig', url(), { body: '{' }, 'InvalidRequestContentException'],
        ['GetFunctionUrlConfig', url(), { query: { Qualifier: '1' } }, 'ValidationException'],
        [
          'GetFunctionUrlConfig',
          url(),
          { query: { Qualifier: 'live' } },
          'ResourceNotFoundException',
        ],
        [
          'ListFunctionUrlConfigs',
          url('s'),
          { query: { MaxItems: 'x' } },
          'InvalidParameterValueException',
        ],
        [
          'ListFunctionUrlConfigs',
          '/2021-10-31/functions/missing/urls',
          {},
          'ResourceNotFoundException',
        ],
      ];
      for (const [name, path, init, code] of cases) {
        const answer = await call(name, path, init);
        assert.equal(answer.headers.get('x-amzn-errortype'), code, `${name} ${path}`);
      }
      assert.equal((await call('DeleteFunctionUrlConfig', url())).status, 204);
      await call('DeleteFunction', fn('url-doc'));
    });

    it('errors', async () => {
      const cases: [string, string, Parameters<typeof call>[2], string][] = [
        ['GetFunction', fn('missing'), {}, 'ResourceNotFoundException'],
        ['GetFunction', fn('bad%20name'), {}, 'ValidationException'],
        [
          'ListFunctions',
          '/2015-03-31/functions',
          { query: { MaxItems: '0' } },
          'ValidationException',
        ],
        [
          'ListFunctions',
          '/2015-03-31/functions',
          { query: { MaxItems: 'many' } },
          'InvalidParameterValueException',
        ],
        [
          'CreateFunction',
          '/2015-03-31/functions',
          { body: '{' },
          'InvalidRequestContentException',
        ],
        [
          'CreateFunction',
          '/2015-03-31/functions',
          {
            body: JSON.stringify({
              FunctionName: 'documented',
              Runtime: 'nodejs20.x',
              Handler: 'index.handler',
              Role: ROLE,
              Code: { ZipFile: zip },
            }),
          },
          'ResourceConflictException',
        ],
        [
          'UpdateFunctionConfiguration',
          fn('documented', '/configuration'),
          { body: JSON.stringify({ RevisionId: 'stale' }) },
          'PreconditionFailedException',
        ],
        [
          'DeleteFunction',
          fn('documented'),
          { query: { Qualifier: '$LATEST' } },
          'InvalidParameterValueException',
        ],
        [
          'Invoke',
          fn('documented', '/invocations'),
          { headers: { 'X-Amz-Invocation-Type': 'Sometimes' } },
          'ValidationException',
        ],
        [
          'DownloadFunctionCode',
          `/_asimov/code/${'0'.repeat(64)}.zip`,
          {},
          'ResourceNotFoundException',
        ],
      ];
      for (const [name, path, init, code] of cases) {
        const answer = await call(name, path, init);
        assert.equal(answer.headers.get('x-amzn-errortype'), code, `${name} ${path}`);
      }
      assert.equal((await call('DeleteFunction', fn('documented'))).status, 204);

      const res = await fetch(new URL('/2015-03-31/nothing-here', server.url));
      const code = 'UnknownOperationException';
      assert.equal(res.headers.get('x-amzn-errortype'), code);
      const response = lambdaDoc.components?.responses?.[code];
      assert.ok(response);
      conforms(
        response,
        { status: res.status, headers: res.headers, text: await res.text() },
        'unknown path',
      );
      assert.equal(res.status, ERROR_CATALOGUE[code].status);
    });
  });
});
