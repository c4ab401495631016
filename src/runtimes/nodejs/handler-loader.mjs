/**
 * Resolves `_HANDLER` (`path/to/module.export.path`) to the user's function, loading the module
 * as CommonJS or ES module by the rules of AWS's Node.js runtime.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  HandlerNotFound,
  ImportModuleError,
  MalformedHandlerName,
  UserCodeSyntaxError,
  safeString,
} from './errors.mjs';

// Anchored on the bootstrap so that "Require stack" in a missing-module error names it, as on AWS.
const require = createRequire(new URL('./bootstrap.mjs', import.meta.url));
// AWS allows an empty module name; we do not, since it would resolve `<task root>.js`.
const HANDLER_PATTERN = /^([^.]+)\.(.*)$/;
const ESM_ONLY = new Set(['ERR_REQUIRE_ESM', 'ERR_REQUIRE_ASYNC_MODULE']);
const NOT_FOUND = new Set(['MODULE_NOT_FOUND', 'ERR_MODULE_NOT_FOUND']);

export async function loadHandler(taskRoot, handlerString) {
  const { moduleRoot, moduleName, exportPath } = parseHandler(taskRoot, handlerString);
  const userModule = await loadModule(taskRoot, moduleRoot, moduleName);
  const handler = exportPath.split('.').reduce((scope, key) => scope && scope[key], userModule);
  if (!handler) throw new HandlerNotFound(`${handlerString} is undefined or not exported`);
  if (typeof handler === 'function') return handler;
  throw new HandlerNotFound(`${handlerString} is not a function`);
}

function parseHandler(taskRoot, handlerString) {
  if (handlerString.includes('..')) {
    throw new MalformedHandlerName(
      `'${handlerString}' is not a valid handler name. Use absolute paths when specifying root ` +
        'directories in handler names.',
    );
  }
  const base = path.basename(handlerString);
  const match = HANDLER_PATTERN.exec(base);
  if (!match) throw new MalformedHandlerName(`Bad handler ${handlerString}`);
  const moduleDir = handlerString.slice(0, handlerString.lastIndexOf(base));
  return {
    moduleRoot: path.resolve(taskRoot, moduleDir),
    moduleName: match[1],
    exportPath: match[2],
  };
}

async function loadModule(taskRoot, moduleRoot, moduleName) {
  try {
    const file = path.join(moduleRoot, moduleName);
    const loaded = await loadFile(file, taskRoot);
    if (loaded !== undefined) return loaded;
    // Last resort, as on AWS: a package on the module paths; also yields AWS's not-found message.
    return require(require.resolve(moduleName, { paths: [taskRoot, moduleRoot] }));
  } catch (err) {
    throw classify(err);
  }
}

async function loadFile(file, taskRoot) {
  if (isFile(file)) return require(file);
  if (isFile(`${file}.js`)) {
    if (isModuleScope(path.dirname(file), taskRoot)) return importFile(`${file}.js`);
    return requireOrImport(`${file}.js`);
  }
  if (isFile(`${file}.mjs`)) return importFile(`${file}.mjs`);
  if (isFile(`${file}.cjs`)) return require(`${file}.cjs`);
  return undefined;
}

function isFile(file) {
  return fs.statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
}

function importFile(file) {
  return import(pathToFileURL(file).href);
}

// Node itself looks past the task root for package.json: if it decides "module" where we did not,
// require() refuses (or cannot finish) and import() is the way in.
async function requireOrImport(file) {
  try {
    return require(file);
  } catch (err) {
    if (ESM_ONLY.has(err?.code)) return importFile(file);
    throw err;
  }
}

/** Whether the nearest package.json, searched up to the task root, says `"type": "module"`. */
function isModuleScope(dir, taskRoot) {
  for (;;) {
    if (path.basename(dir) === 'node_modules') return false;
    const manifest = readManifest(path.join(dir, 'package.json'));
    if (manifest !== undefined) return manifest?.type === 'module';
    const parent = path.dirname(dir);
    if (dir === taskRoot || parent === dir) return false;
    dir = parent;
  }
}

function readManifest(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    console.warn(
      `${file} cannot be read, it will be ignored for ES module detection purposes.`,
      err,
    );
    return null;
  }
}

function classify(err) {
  if (err instanceof SyntaxError) return new UserCodeSyntaxError(safeString(err));
  if (NOT_FOUND.has(err?.code)) return new ImportModuleError(safeString(err));
  return err;
}
