import fs from 'node:fs/promises';

/**
 * SAM's `--env-vars env.json`: `{"Parameters": {…}, "<FunctionLogicalId>": {…}}`. The Parameters
 * block reaches every function, a function's block only that function and wins over Parameters.
 * Unlike `sam local`, every variable in the file reaches the function, declared in the template
 * or not.
 */
export type EnvVarsFile = Record<string, Record<string, string>>;

export async function readEnvVarsFile(file: string): Promise<EnvVarsFile> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (err) {
    throw new Error(`--env-vars ${file}: ${(err as Error).message}`);
  }
  if (!isMap(parsed)) throw new Error(`--env-vars ${file}: must be a JSON object`);
  const out: EnvVarsFile = {};
  for (const [block, variables] of Object.entries(parsed)) {
    if (!isMap(variables))
      throw new Error(`--env-vars ${file}: "${block}" must map variable names to values`);
    out[block] = Object.fromEntries(
      Object.entries(variables).map(([name, value]) => [name, variableText(value)]),
    );
  }
  return out;
}

/** The variables the file gives one function (by logical ID, or its FunctionName as SAM allows). */
export function envVarsFor(file: EnvVarsFile, names: readonly string[]): Record<string, string> {
  const own = names.map((name) => file[name]).find((block) => block !== undefined);
  return { ...file.Parameters, ...own };
}

/** Lambda's variables are strings: SAM writes numbers and booleans as JSON does. */
function variableText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return '';
  return JSON.stringify(value);
}

const isMap = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);
