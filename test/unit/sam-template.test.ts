import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { readEnvVarsFile } from '../../src/sam/env-vars.js';
import { withFunctionGlobals } from '../../src/sam/globals.js';
import { inlineCodeZip } from '../../src/sam/inline-code.js';
import { NO_VALUE, resolve, type Scope } from '../../src/sam/intrinsics.js';
import { parseParameterOverrides } from '../../src/sam/parameters.js';
import { SamTemplate } from '../../src/sam/template.js';
import { parseTemplate } from '../../src/sam/template-file.js';
import { extractZip, validateZip } from '../../src/store/zip.js';

const NS = { account: '000000000000', region: 'eu-west-1' };

const scope: Scope = {
  region: 'eu-west-1',
  ref: (name) =>
    ({ Stage: 'prod', Subnets: ['a', 'b'], 'AWS::NoValue': NO_VALUE })[name] ?? `ref:${name}`,
  getAtt: (resource, attribute) => `${resource}/${attribute}`,
  findInMap: (map, top, second) => {
    if (map === 'M' && top === 'prod' && second === 'Size') return 512;
    throw new Error('missing');
  },
  condition: (name) => name === 'IsProd',
};

describe('template short forms', () => {
  it('become the long form CloudFormation reads', () => {
    const parsed = parseTemplate(`
Resources:
  F:
    Properties:
      A: !Ref Stage
      B: !GetAtt Fn.Arn
      C: !Sub ['\${X}-x', { X: !Ref Stage }]
      D: !If [IsProd, !Join [',', [a, b]], !Ref AWS::NoValue]
      E: !GetAZs ''
      G: !Select [0, !Split [',', 'p,q']]
`);
    assert.deepEqual((parsed.Resources as Record<string, { Properties: unknown }>).F?.Properties, {
      A: { Ref: 'Stage' },
      B: { 'Fn::GetAtt': ['Fn', 'Arn'] },
      C: { 'Fn::Sub': ['${X}-x', { X: { Ref: 'Stage' } }] },
      D: { 'Fn::If': ['IsProd', { 'Fn::Join': [',', ['a', 'b']] }, { Ref: 'AWS::NoValue' }] },
      E: { 'Fn::GetAZs': '' },
      G: { 'Fn::Select': [0, { 'Fn::Split': [',', 'p,q'] }] },
    });
  });

  it('reads JSON templates too, and refuses unknown tags naming the line', () => {
    assert.deepEqual(parseTemplate('{"Resources": {"A": {"Type": "X"}}}'), {
      Resources: { A: { Type: 'X' } },
    });
    assert.throws(
      () => parseTemplate('Resources:\n  A: !Nope x\n'),
      /unknown tag !Nope \(line 2\)/,
    );
  });
});

describe('intrinsic functions', () => {
  const r = (value: unknown): unknown => resolve(value, scope);

  it('Sub: parameters, attributes, literals and its own variables', () => {
    assert.equal(
      r({ 'Fn::Sub': '${Stage}-${Fn.Arn}-${!Literal}-${AWS::Region}' }),
      'prod-Fn/Arn-${Literal}-ref:AWS::Region',
    );
    assert.equal(r({ 'Fn::Sub': ['${A}/${Stage}', { A: { Ref: 'Stage' } }] }), 'prod/prod');
  });

  it('lists: Join, Split, Select, Length, GetAZs, Cidr', () => {
    assert.equal(r({ 'Fn::Join': ['-', [{ Ref: 'Stage' }, 'x']] }), 'prod-x');
    assert.equal(r({ 'Fn::Select': [1, { Ref: 'Subnets' }] }), 'b');
    assert.deepEqual(r({ 'Fn::Split': ['|', 'a|b'] }), ['a', 'b']);
    assert.equal(r({ 'Fn::Length': [1, 2, 3] }), 3);
    assert.deepEqual(r({ 'Fn::GetAZs': '' }), ['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
    assert.deepEqual(r({ 'Fn::Cidr': ['10.0.0.0/16', 3, 8] }), [
      '10.0.0.0/24',
      '10.0.1.0/24',
      '10.0.2.0/24',
    ]);
  });

  it('conditions: If, Equals, Not, And, Or, Condition', () => {
    assert.equal(r({ 'Fn::If': ['IsProd', 'yes', 'no'] }), 'yes');
    assert.equal(r({ 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] }), true);
    assert.equal(r({ 'Fn::Not': [{ Condition: 'IsProd' }] }), false);
    assert.equal(r({ 'Fn::And': [true, { Condition: 'IsProd' }] }), true);
    assert.equal(r({ 'Fn::Or': [false, { Condition: 'Other' }] }), false);
  });

  it('AWS::NoValue leaves the member out', () => {
    assert.deepEqual(r({ A: 1, B: { 'Fn::If': ['Other', 2, { Ref: 'AWS::NoValue' }] } }), { A: 1 });
    assert.deepEqual(r([1, { Ref: 'AWS::NoValue' }]), [1]);
  });

  it('FindInMap with a DefaultValue, Base64, ToJsonString', () => {
    assert.equal(r({ 'Fn::FindInMap': ['M', { Ref: 'Stage' }, 'Size'] }), 512);
    assert.equal(r({ 'Fn::FindInMap': ['M', 'dev', 'Size', { DefaultValue: 128 }] }), 128);
    assert.equal(r({ 'Fn::Base64': 'hi' }), 'aGk=');
    assert.equal(r({ 'Fn::ToJsonString': { a: [1] } }), '{"a":[1]}');
  });

  it('ImportValue cannot be resolved here', () => {
    assert.throws(() => r({ 'Fn::ImportValue': 'Shared' }), /no other stacks here/);
  });
});

describe('SAM conventions', () => {
  it('--parameter-overrides in both of SAM forms, quoted values kept whole', () => {
    assert.deepEqual(
      parseParameterOverrides([
        'Stage=prod ParameterKey=Name,ParameterValue="two words"',
        "List='a,b'",
      ]),
      { Stage: 'prod', Name: 'two words', List: 'a,b' },
    );
    assert.throws(() => parseParameterOverrides(['novalue']), /Key=Value/);
  });

  it('Globals: the function wins for values, maps merge, lists add up', () => {
    const merged = withFunctionGlobals(
      {
        Function: {
          Timeout: 10,
          Layers: ['g'],
          Environment: { Variables: { A: 'global', B: 'global' } },
        },
      },
      { Timeout: 3, Layers: ['own'], Environment: { Variables: { B: 'own' } } },
    );
    assert.deepEqual(merged, {
      Timeout: 3,
      Layers: ['g', 'own'],
      Environment: { Variables: { A: 'global', B: 'own' } },
    });
  });

  it('env.json values become strings', async () => {
    const file = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'asimov-env-')), 'env.json');
    await fs.writeFile(file, JSON.stringify({ Parameters: { N: 5, B: true }, F: { S: 's' } }));
    assert.deepEqual(await readEnvVarsFile(file), {
      Parameters: { N: '5', B: 'true' },
      F: { S: 's' },
    });
  });

  it('inline code is a valid package with index.<extension>', async () => {
    const zip = inlineCodeZip('def handler(e, c):\n  return 1\n', 'python3.12');
    await validateZip(zip);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'asimov-inline-'));
    await extractZip(zip, path.join(dir, 'tree'));
    assert.equal(
      await fs.readFile(path.join(dir, 'tree', 'index.py'), 'utf8'),
      'def handler(e, c):\n  return 1\n',
    );
  });

  it('AWS::Lambda::Function with inline code, conditions and a Lambda URL', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'asimov-cfn-'));
    const file = path.join(dir, 'template.json');
    await fs.writeFile(
      file,
      JSON.stringify({
        Parameters: { Env: { Type: 'String', Default: 'dev' } },
        Conditions: { IsProd: { 'Fn::Equals': [{ Ref: 'Env' }, 'prod'] } },
        Resources: {
          Fn: {
            Type: 'AWS::Lambda::Function',
            Properties: {
              Runtime: 'nodejs22.x',
              Handler: 'index.handler',
              Role: { 'Fn::GetAtt': ['FnRole', 'Arn'] },
              Code: { ZipFile: 'exports.handler = async () => 1;' },
              TracingConfig: { Mode: 'Active' },
              Environment: { Variables: { QUEUE: { 'Fn::GetAtt': ['Queue', 'Arn'] } } },
            },
          },
          FnUrl: {
            Type: 'AWS::Lambda::Url',
            Properties: { TargetFunctionArn: { 'Fn::GetAtt': ['Fn', 'Arn'] }, AuthType: 'AWS_IAM' },
          },
          ProdOnly: {
            Type: 'AWS::Lambda::Function',
            Condition: 'IsProd',
            Properties: {},
          },
          Queue: { Type: 'AWS::SQS::Queue' },
          FnRole: { Type: 'AWS::IAM::Role' },
        },
      }),
    );
    const template = await SamTemplate.load(file, { ns: NS });
    const [fn, ...others] = await template.functions(new Map());
    assert.equal(others.length, 0, 'ProdOnly is left out by its condition');
    assert.equal(fn?.logicalId, 'Fn');
    assert.equal(fn?.config.Role, 'arn:aws:iam::000000000000:role/FnRole');
    assert.deepEqual(fn?.config.TracingConfig, { Mode: 'Active' });
    assert.deepEqual(fn?.url, { AuthType: 'AWS_IAM' });
    assert.equal(fn?.config.Environment.Variables.QUEUE, '');
    assert.ok(fn && 'zip' in fn.code);
    assert.deepEqual(template.notRun(), [
      'Queue (AWS::SQS::Queue): not run here',
      'FnRole (AWS::IAM::Role): not run here',
      'Fn: variable QUEUE is empty here (Fn::GetAtt Queue.Arn: Queue (AWS::SQS::Queue) is not run here)',
    ]);
  });
});
