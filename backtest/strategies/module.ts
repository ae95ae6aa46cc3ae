import fs from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import { InputError } from '../../errors';
import { registerStrategy } from './registry';
import type { StrategyDef } from './types';
import { validateStrategyDef } from './validate';

/**
 * Loads a user strategy from a CommonJS `.js` module or a `.ts` module (compiled on the fly, with any `.ts`
 * files it imports), validates it and registers it under its name. The module exports the definition as
 * its default export or as `strategy`.
 *
 * @throws InputError when the file is missing, fails to load, or exports no valid strategy.
 * @example
 * // my_strategy.ts
 * export default { name: 'my_sma', description: '…', params: { n: { type: 'int', default: 20, min: 2, max: 500, description: 'period' } },
 *   lookback: (p) => p.n - 1, signals: (ind, p, out) => { … } };
 * const def = loadStrategyModule('my_strategy.ts');
 */
export function loadStrategyModule(file: string): StrategyDef {
  const abs = path.resolve(file);
  if (!fs.existsSync(abs)) throw new InputError(`${file}: strategy module not found.`);
  return registerStrategy(compileStrategyModule(abs, fs.readFileSync(abs, 'utf8'), file));
}

/**
 * Compiles one version of a strategy module into a module instance of its own (outside Node's require
 * cache), so two versions of one file, or two files exporting the same strategy name, never replace each
 * other. Modules it imports resolve from its folder as usual.
 * @throws InputError when it fails to load or exports no valid strategy.
 */
export function compileStrategyModule(abs: string, source: string, shownAs: string): StrategyDef {
  if (abs.endsWith('.ts')) installTypeScriptLoader(shownAs);
  let exported: unknown;
  try {
    const m = new Module(abs, module);
    m.filename = abs;
    m.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(abs));
    const code = abs.endsWith('.ts') ? transpile(source, abs) : source;
    (m as Module & { _compile(code: string, filename: string): void })._compile(code, abs);
    exported = m.exports;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const hint = code === 'ERR_REQUIRE_ESM' || /Cannot use import statement|Unexpected token 'export'/.test((err as Error).message)
      ? ' ES modules are not supported; write CommonJS (.js) or TypeScript (.ts).'
      : '';
    throw new InputError(`${shownAs}: the strategy module failed to load: ${(err as Error).message}${hint}`);
  }
  const ns = exported as Record<string, unknown> | undefined;
  const def = ns?.default ?? ns?.strategy ?? ns;
  validateStrategyDef(def, shownAs);
  return def;
}

function typescript(file: string): typeof import('typescript') {
  try {
    return require('typescript') as typeof import('typescript');
  } catch {
    throw new InputError(`${file}: loading a .ts strategy needs the "typescript" package; install it or compile the module to .js.`);
  }
}

function transpile(source: string, filename: string): string {
  const ts = typescript(filename);
  return ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    fileName: filename,
  }).outputText;
}

/** `.ts` files a strategy module imports are compiled on the fly too. */
function installTypeScriptLoader(file: string): void {
  const extensions = require.extensions as Record<string, ((m: NodeModule, filename: string) => void) | undefined>;
  if (extensions['.ts']) return;
  typescript(file);
  extensions['.ts'] = (m, filename) => {
    (m as NodeModule & { _compile(code: string, filename: string): void })._compile(transpile(fs.readFileSync(filename, 'utf8'), filename), filename);
  };
}
