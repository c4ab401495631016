/**
 * The template checks that serve nothing: the fixture passes cfn-lint, and templates that asimov
 * refuses say why. Apart from test/integration/sam-template.test.ts, whose hot-reload bounds
 * make it run alone (scripts/test.sh), so that these run beside other files.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { copyFixture, FIXTURE, serveCliFailure } from '../helpers/sam-app.js';

const run = promisify(execFile);

describe('the sam-app fixture', () => {
  it('passes cfn-lint', async (t) => {
    const found = await run('cfn-lint', ['--version']).catch(() => undefined);
    if (!found) {
      const reason = 'cfn-lint is not installed here (no Debian package for this release)';
      console.log(`# skipped cfn-lint check: ${reason}`);
      t.skip(reason);
      return;
    }
    const { stdout } = await run('cfn-lint', [path.join(FIXTURE, 'template.yaml')]);
    assert.equal(stdout.trim(), '');
  });
});

describe('template errors', () => {
  const broken = async (edit: (text: string) => string): Promise<string> => {
    const dir = await copyFixture();
    const file = path.join(dir, 'template.yaml');
    await fs.writeFile(file, edit(await fs.readFile(file, 'utf8')));
    const { code, output } = await serveCliFailure(['--template', file]);
    assert.equal(code, 1, output);
    return output;
  };

  it('name the resource and the property', async () => {
    assert.match(
      await broken((t) => t.replace('CodeUri: hello-world/', 'CodeUri: no-such-folder/')),
      /asimov: resource HelloWorldFunction, property CodeUri: no-such-folder\/ \(.*\) is neither a folder nor a \.zip file/,
    );
    assert.match(
      await broken((t) => t.replace('Runtime: nodejs22.x', 'Runtime: !GetAtt Nowhere.Arn')),
      /asimov: resource HelloWorldFunction, property Runtime: Fn::GetAtt Nowhere\.Arn: no such resource/,
    );
    assert.match(
      await broken((t) => t.replace('Timeout: 5', 'Timeout: soon')),
      /asimov: resource HelloPythonFunction, property Timeout: must be a whole number, got "soon"/,
    );
    assert.match(
      await broken((t) => t.replace('    Timeout: 10', '    Timeout: 10\n    Handlr: x')),
      /asimov: resource Globals\.Function, property Handlr: 'Handlr' is not a supported property of 'Function'/,
    );
  });

  it('say why a parameter value is refused', async () => {
    const dir = await copyFixture();
    const { code, output } = await serveCliFailure([
      '--template',
      path.join(dir, 'template.yaml'),
      '--parameter-overrides',
      'Stage=staging',
    ]);
    assert.equal(code, 1);
    assert.match(
      output,
      /resource Parameters\.Stage, property AllowedValues: 'staging' is not one of dev, test, prod/,
    );
  });

  it('create PackageType Image functions on Docker: a missing image names the resource', async () => {
    const imageFunction = [
      '  HelloImageFunction:',
      '    Type: AWS::Lambda::Function',
      '    Properties:',
      '      PackageType: Image',
      '      Code:',
      '        ImageUri: asimov-test/no-such-image:latest',
      '',
      'Outputs:',
    ].join('\n');
    assert.match(
      await broken((t) => t.replace('Outputs:', imageFunction)),
      /resource HelloImageFunction: InvalidParameterValueException: .*(Source image asimov-test\/no-such-image:latest does not exist|docker)/i,
    );
  });

  it('and a template that is not YAML says so', async () => {
    assert.match(await broken(() => 'Resources: [unclosed'), /asimov: not valid YAML or JSON/);
  });
});
