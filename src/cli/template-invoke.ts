import type { Config } from '../config.js';
import type { RunningServer } from '../server.js';

/** `asimov invoke --template`'s SAM flags, as `sam local invoke` takes them. */
export interface TemplateInvokeFlags {
  template: string;
  parameterOverrides: string[];
  envVars?: string;
}

/**
 * Deploys a template's functions (under their logical IDs) into the embedded server that
 * `asimov invoke --template` starts, so the invocation can name one. This needs the template
 * loader of `asimov serve --template` (src/sam/: SamTemplate.load, then TemplateDeployer.deploy
 * into `server`, printing nothing on stdout), which this build does not have yet.
 */
export async function deployTemplateForInvoke(
  _server: RunningServer,
  _config: Config,
  flags: TemplateInvokeFlags,
): Promise<void> {
  throw new Error(
    `--template ${flags.template}: asimov invoke --template needs the template loader (src/sam/), which this build lacks. ` +
      'Serve the template with `asimov serve --template` and run `asimov invoke <LogicalId>` against it.',
  );
}
