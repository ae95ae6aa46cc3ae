import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Params } from '../search/types';
import { BROKER_SETTINGS, type BacktestEvaluatorSpec, type BrokerSettingName, type BrokerValue, type EvaluatorSpec } from '../types/session';

/**
 * Everything a built-in backtest's metrics depend on: the engine's code, the strategy's (a module's content
 * hash; a built-in strategy is part of the engine's code), the data's bytes, the zone and timeframe the bars are
 * read in, the backtest settings, the window and the parameters. Two trials with equal inputs compute equal
 * metrics, whatever session they belong to.
 */
export interface BacktestIdentity {
  engine: string;
  strategy: string;
  module: string | null;
  data: string;
  /** Absent without `data.timezone` or `data.timeframe`, so that the keys of sessions without them stay as they were. */
  timezone?: string;
  timeframe?: string;
  cash: number;
  commission: BrokerValue;
  /** The broker settings a session sets beyond cash and commission; absent otherwise, so that older keys stay as they were. */
  broker?: Pick<BacktestEvaluatorSpec, BrokerSettingName>;
  /** Absent in specs written before it existed (nothing opens on the last bar there), so their keys stay as they were. */
  lastBarEntries?: boolean;
  window: { start: number; end: number } | null;
  params: Params;
}

/** The cache key of a backtest: SHA-256 (hex) of its identity as canonical JSON (keys sorted at every level). */
export function resultCacheKey(identity: BacktestIdentity): string {
  return createHash('sha256').update(canonicalJson(identity)).digest('hex');
}

/** JSON with object keys sorted at every level, so equal values give equal text whatever order they were built in. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * The cache key of a trial, or null when its session does not use the cache (no `cache:`, or an external
 * command, whose code tuneflow cannot hash) or the key cannot be made (e.g. the data file is missing: the
 * trial then runs, and fails with the reason).
 */
export function trialCacheKey(spec: EvaluatorSpec, params: Params): string | null {
  if (spec.kind !== 'backtest' || !spec.cache) return null;
  try {
    return resultCacheKey(backtestIdentity(spec, params));
  } catch {
    return null;
  }
}

/** The identity of one trial of `spec`; reads the engine's code and the data file once per process (see below). */
export function backtestIdentity(spec: BacktestEvaluatorSpec, params: Params): BacktestIdentity {
  return {
    engine: engineHash(),
    strategy: spec.strategy,
    module: typeof spec.strategyModule === 'object' ? spec.strategyModule.sha256 : null,
    data: dataSha256(spec.dataPath),
    timezone: spec.timezone,
    timeframe: spec.timeframe,
    cash: spec.cash,
    commission: spec.commission,
    broker: brokerOf(spec),
    lastBarEntries: spec.lastBarEntries,
    window: spec.window ?? null,
    params,
  };
}

function brokerOf(spec: BacktestEvaluatorSpec): BacktestIdentity['broker'] {
  const set = BROKER_SETTINGS.filter((name) => spec[name] !== undefined);
  return set.length ? Object.fromEntries(set.map((name) => [name, spec[name]])) : undefined;
}

let engine: string | null = null;

/**
 * SHA-256 over the compiled backtest engine (every file under backtest/, with its relative path): any change
 * to the engine, its statistics or a built-in strategy gives new keys, so a cached result is never one that
 * the running code would not compute.
 */
function engineHash(): string {
  if (engine !== null) return engine;
  const root = path.join(__dirname, '..', 'backtest');
  const hash = createHash('sha256');
  for (const file of filesUnder(root)) hash.update(path.relative(root, file)).update('\0').update(fs.readFileSync(file)).update('\0');
  engine = hash.digest('hex');
  return engine;
}

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return filesUnder(full);
      return entry.isFile() && full.endsWith('.js') ? [full] : [];
    });
}

/** Data files hashed by this process, by path; a file is hashed again only when its size or mtime changed. */
const MAX_HASHED_FILES = 16;
const dataHashes = new Map<string, { size: number; mtimeMs: number; sha256: string }>();

/** SHA-256 (hex) of the data file's bytes, computed once per file version (path, size, mtime) in this process. */
function dataSha256(file: string): string {
  const { size, mtimeMs } = fs.statSync(file);
  const known = dataHashes.get(file);
  if (known && known.size === size && known.mtimeMs === mtimeMs) return known.sha256;
  const sha256 = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  dataHashes.delete(file);
  dataHashes.set(file, { size, mtimeMs, sha256 });
  if (dataHashes.size > MAX_HASHED_FILES) dataHashes.delete(dataHashes.keys().next().value as string);
  return sha256;
}
