import path from 'node:path';
import { DEFAULT_ACCOUNT, type Namespace } from '../aws/arn.js';
import type { Config } from '../config.js';
import { TemplateDeployer, type Deployed } from '../sam/deployer.js';
import { readEnvVarsFile } from '../sam/env-vars.js';
import { watchFiles } from '../sam/file-watcher.js';
import { parseParameterOverrides } from '../sam/parameters.js';
import { SamTemplate } from '../sam/template.js';
import type { RunningServer } from '../server.js';

export interface TemplateFlags {
  template: string;
  parameterOverrides: string[];
  envVars?: string;
  watch: boolean;
}

export const TEMPLATE_USAGE = `       asimov serve --template template.yaml [--parameter-overrides Key=Value …]
                    [--env-vars env.json] [--no-watch-template] [serve flags…]`;

/**
 * Takes `asimov serve`'s SAM flags out of its arguments: `--template` (`-t`), `--env-vars`,
 * `--no-watch-template`, and `--parameter-overrides` followed by one or more `Key=Value` words
 * (SAM's form: `--parameter-overrides A=1 B=2`, or one quoted string).
 */
export function takeTemplateFlags(args: readonly string[]): {
  flags?: TemplateFlags;
  rest: string[];
} {
  const rest: string[] = [];
  const flags: Partial<TemplateFlags> & { parameterOverrides: string[] } = {
    parameterOverrides: [],
    watch: true,
  };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = splitInline(args[i] as string);
    const value = (): string => {
      const next = inline ?? args[++i];
      if (next === undefined) throw new Error(`${flag} needs a value`);
      return next;
    };
    if (flag === '--template' || flag === '-t' || flag === '--template-file')
      flags.template = value();
    else if (flag === '--env-vars' || flag === '-n') flags.envVars = value();
    else if (flag === '--no-watch-template') flags.watch = false;
    else if (flag === '--parameter-overrides') {
      flags.parameterOverrides.push(value());
      while (args[i + 1] !== undefined && !(args[i + 1] as string).startsWith('-'))
        flags.parameterOverrides.push(args[++i] as string);
    } else rest.push(args[i] as string);
  }
  if (flags.template === undefined) {
    if (flags.envVars !== undefined || flags.parameterOverrides.length > 0)
      throw new Error('--env-vars and --parameter-overrides go with --template');
    return { rest };
  }
  return { flags: flags as TemplateFlags, rest };
}

function splitInline(arg: string): [string, string | undefined] {
  const at = arg.indexOf('=');
  return arg.startsWith('--') && at > 0 ? [arg.slice(0, at), arg.slice(at + 1)] : [arg, undefined];
}

/**
 * `asimov serve --template`: deploys the template's functions and layers into the running
 * server under their logical IDs (as `sam local start-lambda` names them), prints them and what
 * is not run here, and redeploys when the template or the env-vars file changes.
 */
export async function serveTemplate(
  server: RunningServer,
  config: Config,
  flags: TemplateFlags,
): Promise<() => void> {
  const ns: Namespace = { account: DEFAULT_ACCOUNT, region: config.defaultRegion };
  const deployer = new TemplateDeployer(server.services, ns);
  const overrides = parseParameterOverrides(flags.parameterOverrides);
  const load = async (): Promise<{ template: SamTemplate; deployed: Deployed }> => {
    const envVars = flags.envVars ? await readEnvVarsFile(flags.envVars) : undefined;
    const template = await SamTemplate.load(flags.template, {
      ns,
      parameterOverrides: overrides,
      envVars,
    });
    return { template, deployed: await deployer.deploy(template) };
  };
  const first = await load();
  report(first.template, first.deployed, server.url, flags.watch);
  if (!flags.watch) return () => undefined;
  let running = Promise.resolve();
  const files = [flags.template, ...(flags.envVars ? [flags.envVars] : [])];
  return watchFiles(files, () => {
    running = running.then(async () => {
      try {
        const { deployed } = await load();
        console.log(
          `${path.basename(flags.template)} changed: serving ${deployed.functions.join(', ')}`,
        );
      } catch (err) {
        console.error(`${path.basename(flags.template)} changed, not applied: ${message(err)}`);
      }
    });
  });
}

function report(template: SamTemplate, deployed: Deployed, url: string, watch: boolean): void {
  const file = path.relative(process.cwd(), template.file) || template.file;
  console.log(
    `Serving ${file}: ${plural(deployed.functions.length, 'function')}, ${plural(deployed.layers.size, 'layer')}`,
  );
  for (const name of deployed.functions) {
    const link = deployed.urls.get(name);
    console.log(`  ${name}${link ? `  ${link}` : ''}`);
  }
  for (const [id, arn] of deployed.layers) console.log(`  ${id}  ${arn}`);
  const notRun = template.notRun();
  const unknown = template.unknownOverrides();
  if (unknown.length > 0)
    notRun.push(`--parameter-overrides: no parameter named ${unknown.join(', ')}`);
  if (notRun.length > 0) {
    console.log('Not run here:');
    for (const line of notRun) console.log(`  - ${line}`);
  }
  if (watch)
    console.log('Hot reload: code folders and the template are watched; no redeploy needed.');
  const example = deployed.functions[0] ?? 'FUNCTION';
  console.log(
    `Invoke: aws lambda invoke --endpoint-url ${url} --function-name ${example} out.json`,
  );
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));
