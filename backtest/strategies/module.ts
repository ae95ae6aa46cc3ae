import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../../types/errors';
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
  if (abs.endsWith('.ts')) installTypeScriptLoader(file);
  let exported: unknown;
  try {
    exported = require(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const hint = code === 'ERR_REQUIRE_ESM' ? ' ES modules are not supported; write CommonJS (.js) or TypeScript (.ts).' : '';
    throw new InputError(`${file}: the strategy module failed to load: ${(err as Error).message}${hint}`);
  }
  const ns = exported as Record<string, unknown> | undefined;
  const def = ns?.default ?? ns?.strategy ?? ns;
  validateStrategyDef(def, file);
  return registerStrategy(def);
}

function installTypeScriptLoader(file: string): void {
  const extensions = require.extensions as Record<string, ((m: NodeModule, filename: string) => void) | undefined>;
  if (extensions['.ts']) return;
  let ts: typeof import('typescript');
  try {
    ts = require('typescript') as typeof import('typescript');
  } catch {
    throw new InputError(`${file}: loading a .ts strategy needs the "typescript" package; install it or compile the module to .js.`);
  }
  extensions['.ts'] = (m, filename) => {
    const source = fs.readFileSync(filename, 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      fileName: filename,
    });
    (m as NodeModule & { _compile(code: string, filename: string): void })._compile(outputText, filename);
  };
}
