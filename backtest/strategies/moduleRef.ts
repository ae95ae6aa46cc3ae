import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { InputError } from '../../errors';
import { compileStrategyModule } from './module';
import { getStrategy } from './registry';
import type { StrategyDef } from './types';

/**
 * A user strategy module as a session knows it: where it is and what it contained when the session was
 * configured. Workers load it by content, so a session runs the code it was started with, and sessions
 * whose modules share a strategy name never see each other's code.
 */
export interface StrategyModuleRef {
  /** Absolute path; every worker reads the module at this path. */
  path: string;
  /** SHA-256 (hex) of the module file's bytes. */
  sha256: string;
}

/** Compiled strategies by content hash; a worker serves many sessions, so only recent versions stay. */
const MAX_CACHED_MODULES = 16;
const byHash = new Map<string, StrategyDef>();

function readModule(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(`${file}: strategy module not found.`);
    throw new InputError(`${file}: the strategy module cannot be read: ${(err as Error).message}`);
  }
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The reference a session stores for the module at `file`.
 * @throws InputError when it cannot be read.
 */
export function moduleRef(file: string): StrategyModuleRef {
  return { path: file, sha256: sha256(readModule(file)) };
}

/**
 * The strategy `name` from exactly the module version `ref` names, compiled once per content hash.
 * @throws InputError when the file is missing on this machine, was edited since the session was
 * configured, fails to load, or does not export `name`. Each of these recurs on every attempt.
 */
export function strategyFromModule(name: string, ref: StrategyModuleRef): StrategyDef {
  let def = byHash.get(ref.sha256);
  if (def) {
    byHash.delete(ref.sha256);
  } else {
    const bytes = readModule(ref.path);
    const found = sha256(bytes);
    if (found !== ref.sha256) {
      throw new InputError(
        `${ref.path}: the strategy module changed after the session was configured (sha256 ${ref.sha256.slice(0, 12)}… expected, ` +
          `${found.slice(0, 12)}… found); a session keeps the code it started with: restore the file, or start a new session to use the edited module.`,
      );
    }
    def = compileStrategyModule(ref.path, bytes.toString('utf8'), ref.path);
    if (byHash.size >= MAX_CACHED_MODULES) byHash.delete(byHash.keys().next().value as string);
  }
  byHash.set(ref.sha256, def);
  if (def.name !== name) throw new InputError(`${ref.path}: the module defines strategy "${def.name}", not "${name}".`);
  return def;
}

/** A built-in (or registered) strategy by name, or the one in the session's module. */
export function resolveStrategy(name: string, module?: StrategyModuleRef): StrategyDef {
  return module ? strategyFromModule(name, module) : getStrategy(name);
}
