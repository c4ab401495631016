import { DEFAULT_ACCOUNT } from '../aws/arn.js';
import type { Config } from '../config.js';
import { TemplateDeployer } from '../sam/deployer.js';
import { readEnvVarsFile } from '../sam/env-vars.js';
import { parseParameterOverrides } from '../sam/parameters.js';
import { SamTemplate } from '../sam/template.js';
import type { RunningServer } from '../server.js';

/** `asimov invoke --template`'s SAM flags, as `sam local invoke` takes them. */
export interface TemplateInvokeFlags {
  template: string;
  parameterOverrides: string[];
  envVars?: string;
}

/**
 * Deploys a template's functions (under their logical IDs) into the embedded server that
 * `asimov invoke --template` starts, so the invocation can name one. Nothing is printed: stdout
 * carries only the result.
 */
export async function deployTemplateForInvoke(
  server: RunningServer,
  config: Config,
  flags: TemplateInvokeFlags,
): Promise<void> {
  const ns = { account: DEFAULT_ACCOUNT, region: config.defaultRegion };
  const template = await SamTemplate.load(flags.template, {
    ns,
    parameterOverrides: parseParameterOverrides(flags.parameterOverrides),
    envVars: flags.envVars ? await readEnvVarsFile(flags.envVars) : undefined,
  });
  await new TemplateDeployer(server.services, ns).deploy(template);
}
