import fs from 'node:fs';
import path from 'node:path';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { formatCsv, generateBars } from '../../backtest';
import { loadSessionSpec } from '../../config/load';
import type { SessionSpec, SessionSummary } from '../../types/session';
import { sleep, withLinkedSignal } from './wait';

export interface CampaignOptions {
  trials: number;
  parallelism: number;
  /** Daily bars of the generated series each trial backtests. */
  bars: number;
  seed: number;
  heartbeatTimeout: string;
}

/** The parameter space: 63,148 feasible points (fast < slow), so random search does not run out of new ones. */
/** About 122,000 parameter sets with fast < slow: more than a chaos run's trials, so the random search never runs dry. */
export const SPACE = { fast: [2, 150], slow: [10, 900] } as const;

/**
 * Writes the chaos campaign into `dir`: random search (ordered mode) over sma_crossover on a generated daily
 * series, with the trial settings as YAML states them (default retries: 3 attempts).
 */
export function writeCampaign(dir: string, opts: CampaignOptions): string {
  fs.mkdirSync(dir, { recursive: true });
  const bars = generateBars({ seed: 5, bars: opts.bars, interval: '1d', weekends: false, start: '2000-01-03', mu: 0.08, sigma: 0.25, startPrice: 100 });
  fs.writeFileSync(path.join(dir, 'prices.csv'), formatCsv(bars));
  const config = path.join(dir, 'chaos.yaml');
  fs.writeFileSync(
    config,
    `name: chaos
data: prices.csv
strategy: sma_crossover
backtest: { cash: 10000, commission: 0.002 }
params:
  fast: { type: int, low: ${SPACE.fast[0]}, high: ${SPACE.fast[1]} }
  slow: { type: int, low: ${SPACE.slow[0]}, high: ${SPACE.slow[1]} }
constraints: ["fast < slow"]
objective: sharpe
search: { algorithm: random, seed: ${opts.seed}, trials: ${opts.trials}, parallelism: ${opts.parallelism}, mode: ordered }
trial:
  heartbeat_timeout: ${opts.heartbeatTimeout}
output: { dir: ${JSON.stringify(path.join(dir, 'outputs'))}, top_n: 10 }
`,
  );
  return config;
}

export function chaosSpec(config: string, sessionId: string, taskQueue: string): SessionSpec {
  return { ...loadSessionSpec(config, { sessionId }), taskQueue };
}

/**
 * The session's result once it has finished, following continue-as-new. It looks every second with
 * `describe()` instead of long-polling, so every call carries its own abort link; a server that is down or
 * restarting only delays it, and a failed or terminated workflow ends the wait with its error.
 */
export async function awaitSummary(client: Client, sessionId: string, signal: AbortSignal): Promise<SessionSummary> {
  const handle = client.workflow.getHandle(sessionId);
  for (;;) {
    const status = await withLinkedSignal(signal, (local) => client.withAbortSignal(local, () => handle.describe())).then(
      (description) => description.status.name,
      () => 'UNREACHABLE',
    );
    if (status !== 'RUNNING' && status !== 'UNREACHABLE') {
      try {
        return (await withLinkedSignal(signal, (local) => client.withAbortSignal(local, () => handle.result()))) as SessionSummary;
      } catch (err) {
        if (err instanceof WorkflowFailedError || signal.aborted) throw err;
      }
    }
    await sleep(1000, signal);
  }
}
