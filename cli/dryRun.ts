import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { redactUrl } from '../store/redis/url';
import { formatZonedTime, timeZone, UTC } from '../backtest/zones';
import { evaluatorBars } from '../config/data';
import { loadSessionSpec, type ConfigOverrides } from '../config/load';
import { objectiveText } from '../config/metrics';
import { InputError } from '../errors';
import type { BacktestEvaluatorSpec, BrokerValue, SessionSpec, WarmStartNote } from '../types/session';
import { connectClient, type TemporalTarget } from '../workers/connection';
import { probeServices, sessionUrl, type RedisPlan, type TemporalPlan } from './services';
import { strategyLabel } from './sessionClient';
import { checkWarmStart } from './warmStart';
import { describePruning } from '../pruning/rules';

/** What became of the session id on the server `run` would use; `unknown` while no server runs to ask. */
type SessionState = 'new' | 'running' | 'finished' | 'unknown';

/** The Temporal `run` would use, without its credentials. */
type TemporalReport =
  | { how: 'cluster'; address: string; namespace: string }
  | { how: 'join'; address: string; namespace: string; pid: number }
  | { how: 'start'; cli: string; db: string };

/** Everything `tuneflow run --dry-run` found, as `--json` prints it. */
export interface DryRunReport {
  config: string;
  sessionId: string;
  session: SessionState;
  search: { algorithm: string; parameters: string[]; trials: number; parallelism: number; seed: number; batch: number | 'auto' };
  /** How trials are pruned (describePruning), or null when every trial runs whole. */
  pruning: string | null;
  objective: string;
  evaluator: string;
  /** The built-in engine's broker settings, tuned ones named by their parameter; null for an external evaluator. */
  broker: string | null;
  /** The bars trials would see: resampled to `timeframe` when the config has one; times written in `timezone` (null: UTC). */
  data: { path: string; bars: number; from: string; to: string; timezone: string | null; timeframe: string | null };
  walkForwardSplits: number | null;
  outputs: string;
  taskQueue: string;
  temporal: TemporalReport;
  /** Its URL with any password shown as `***`. */
  redis: RedisPlan;
  /** Workers that polled the session's task queue in the last two minutes (cluster only; null otherwise). */
  workersPolling: number | null;
  /**
   * A new session's warm start as checked against the trial store, or `{ session }` alone while no trial store
   * runs to ask; null without `search.warm_start` or for a session that exists already.
   */
  warmStart: WarmStartNote | { session: string } | null;
  webUi: string | null;
}

/**
 * `tuneflow run --dry-run`: every check `run` makes (config, data, strategy module, output folder, the services it
 * would use and the session id on them) and what it would run, starting nothing and writing nothing. External
 * services are asked; local ones are looked up without joining them, and one that does not run is found startable.
 * @throws InputError or UnreachableServiceError where `run` would stop.
 */
export async function dryRun(configFile: string, overrides: ConfigOverrides): Promise<DryRunReport> {
  const spec = loadSessionSpec(configFile, overrides);
  const { temporal, redis } = await probeServices();
  let session: SessionState = 'unknown';
  let workersPolling: number | null = null;
  if (temporal.how === 'start') {
    // A new server on an existing database may know the id; only a fresh database surely does not.
    if (!fs.existsSync(temporal.db)) session = 'new';
  } else {
    const found = await askServer(temporal.target, spec);
    session = found.session;
    if (temporal.how === 'cluster') workersPolling = found.pollers;
  }
  let warmStart: DryRunReport['warmStart'] = null;
  if (spec.warmStart && (session === 'new' || session === 'unknown')) {
    warmStart = redis.how === 'start' ? { session: spec.warmStart.sessionId } : await checkWarmStart(redis.url, spec);
  }
  const bars = evaluatorBars(spec.evaluator);
  const zone = bars.timezone ? timeZone(bars.timezone) : UTC;
  const time = bars.time;
  const { search } = spec;
  return {
    config: path.resolve(configFile),
    sessionId: spec.sessionId,
    session,
    search: {
      algorithm: search.algorithm,
      parameters: Object.keys(search.space),
      trials: search.trials,
      parallelism: search.parallelism ?? 1,
      seed: search.seed,
      batch: spec.trial.batch ?? 1,
    },
    pruning: spec.pruning ? describePruning(spec.pruning) : null,
    objective: objectiveText(spec),
    evaluator: strategyLabel(spec),
    broker: spec.evaluator.kind === 'backtest' ? describeBroker(spec.evaluator) : null,
    data: {
      path: spec.evaluator.dataPath,
      bars: time.length,
      from: formatZonedTime(time[0], zone),
      to: formatZonedTime(time[time.length - 1], zone),
      timezone: bars.timezone ?? null,
      timeframe: spec.evaluator.kind === 'backtest' ? (spec.evaluator.timeframe ?? null) : null,
    },
    walkForwardSplits: spec.walkForward?.splits.length ?? null,
    outputs: path.join(spec.output.dir, spec.sessionId),
    taskQueue: spec.taskQueue,
    temporal: temporalReport(temporal),
    redis: redis.how === 'start' ? redis : { ...redis, url: redactUrl(redis.url) },
    workersPolling,
    warmStart,
    webUi: temporal.how === 'start' ? null : sessionUrl(temporal.uiUrl, temporal.target.namespace, spec.sessionId),
  };
}

function temporalReport(plan: TemporalPlan): TemporalReport {
  if (plan.how === 'start') return plan;
  const { address, namespace } = plan.target;
  return plan.how === 'join' ? { how: 'join', address, namespace, pid: plan.pid } : { how: 'cluster', address, namespace };
}

/** How recent a poll of the session's task queue counts as a worker that is there. */
const RECENT_POLL_MS = 120_000;

/** The session id's state on the server, and how many workers poll its task queue. */
async function askServer(target: TemporalTarget, spec: SessionSpec): Promise<{ session: SessionState; pollers: number }> {
  const connection = await connectClient(target);
  try {
    // A missing namespace answers "not found" like a missing session would: ask about it first.
    await connection.workflowService.describeNamespace({ namespace: target.namespace }).catch((err: Error) => {
      throw new InputError(`Temporal at ${target.address} has no namespace "${target.namespace}" (${err.message.split('\n')[0]}); set TEMPORAL_NAMESPACE to one it has.`);
    });
    const client = new Client({ connection, namespace: target.namespace });
    let session: SessionState = 'new';
    try {
      const status = (await client.workflow.getHandle(spec.sessionId).describe()).status.name;
      if (status === 'RUNNING') session = 'running';
      else if (status === 'COMPLETED' || status === 'CONTINUED_AS_NEW') session = 'finished';
      else throw new InputError(`Session ${spec.sessionId} already ended as ${status} on ${target.address}; \`tuneflow run\` would stop. Start a new one with another --session-id.`);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    const queue = await connection.workflowService.describeTaskQueue({
      namespace: target.namespace,
      taskQueue: { name: spec.taskQueue },
      taskQueueType: proto.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    // The server remembers pollers for minutes after they stop; a live worker renews its poll at least once a minute.
    const since = Date.now() - RECENT_POLL_MS;
    const recent = (queue.pollers ?? []).filter((p) => Number(p.lastAccessTime?.seconds ?? 0) * 1000 >= since);
    return { session, pollers: new Set(recent.map((p) => p.identity)).size };
  } finally {
    await connection.close();
  }
}

/** The report as lines for a person: what would run, and where. */
export function describeDryRun(report: DryRunReport, opts: { detach: boolean; concurrency?: number }): string[] {
  const { search } = report;
  const lines = [
    `Dry run of ${report.config}: every check passed; nothing was started or written.`,
    `Session   ${report.sessionId}: ${sessionLine(report, opts.detach)}`,
    `Search    ${search.algorithm} over ${search.parameters.join(', ')}: ${search.trials} trials, parallelism ${search.parallelism}, ` +
      `batches ${search.batch}, seed ${search.seed}, ${report.objective}` +
      (report.walkForwardSplits === null ? '' : `; in each of ${report.walkForwardSplits} walk-forward splits`) +
      (report.pruning === null ? '' : `; pruning ${report.pruning}`),
    `Evaluator ${report.evaluator} on ${report.data.path} (${dataText(report.data)})`,
    ...(report.broker === null ? [] : [`Broker    ${report.broker}`]),
    `Outputs   ${report.outputs}`,
    `Temporal  ${temporalLine(report.temporal)}`,
    `Redis     ${redisLine(report.redis)}`,
    `Workers   ${workersLine(report, opts)}`,
  ];
  if (report.warmStart) lines.push(`Warm start ${warmStartLine(report.warmStart)}`);
  if (report.webUi) lines.push(`Web UI    ${report.webUi}`);
  return lines;
}

function sessionLine(report: DryRunReport, detach: boolean): string {
  switch (report.session) {
    case 'new':
      return detach ? 'new; would be started, and run would return at once' : 'new; would be started and followed to its end';
    case 'unknown':
      return 'would be started, or attached to if the local server\'s database already holds it (known once the server runs)';
    case 'running':
      return 'already running; run would attach to it (its original config applies)';
    case 'finished':
      return 'already finished; run would print its result';
  }
}

function warmStartLine(warm: NonNullable<DryRunReport['warmStart']>): string {
  if (!('trials' in warm)) return `from session ${warm.session}: checked against the trial store once the local Redis runs`;
  const left = warm.outOfSpace > 0 ? `; ${warm.outOfSpace} of its succeeded trials lie outside this search space` : '';
  return `from session ${warm.session}: ${warm.trials} of its trials would seed the search${left}`;
}

function temporalLine(plan: TemporalReport): string {
  switch (plan.how) {
    case 'cluster':
      return `${plan.address}, namespace ${plan.namespace} (TEMPORAL_ADDRESS): answers`;
    case 'join':
      return `the local dev server at ${plan.address} (pid ${plan.pid}): running, would be joined`;
    case 'start':
      return `no local dev server runs; would start one with ${plan.cli} on ${plan.db}`;
  }
}

function redisLine(plan: RedisPlan): string {
  switch (plan.how) {
    case 'url':
      return `${plan.url} (REDIS_URL): answers`;
    case 'join':
      return `the local Redis at ${plan.url} (pid ${plan.pid}): running, would be joined`;
    case 'start':
      return plan.binary
        ? `no local Redis runs; would start ${plan.binary} on ${plan.folder}`
        : `no local Redis runs and redis-server is missing; would install Debian's redis-server with apt-get, then start it on ${plan.folder}`;
  }
}

function workersLine(report: DryRunReport, opts: { concurrency?: number }): string {
  if (report.temporal.how !== 'cluster') {
    const threads = os.availableParallelism();
    return `a worker in this process: ${threads} backtest thread${threads === 1 ? '' : 's'} (the cores), ${opts.concurrency ?? report.search.parallelism} trial activities at once`;
  }
  const polling = report.workersPolling ?? 0;
  const queue = `task queue ${report.taskQueue}`;
  return polling === 0
    ? `no worker polled ${queue} in the last two minutes: the session would wait for one (\`tuneflow worker\`)`
    : `${polling} worker${polling === 1 ? '' : 's'} polled ${queue} in the last two minutes`;
}

/** `2000 bars, 2005-01-03 to 2012-08-31`, or `500 4h bars in Europe/Berlin, …` */
function dataText(data: DryRunReport['data']): string {
  const bars = `${data.bars}${data.timeframe ? ` ${data.timeframe}` : ''} bars${data.timezone ? ` in ${data.timezone}` : ''}`;
  return `${bars}, ${data.from} to ${data.to}`;
}

/** A backtest spec's broker settings as YAML names them: `stop_loss 0.05`, or `stop_loss tuned` for one the search sets. */
function describeBroker(e: BacktestEvaluatorSpec): string {
  const settings: Array<[string, BrokerValue | undefined]> = [
    ['commission', e.commission], ['commission.fixed', e.commissionFixed], ['spread', e.spread], ['slippage.fixed', e.slippage?.fixed],
    ['slippage.range', e.slippage?.range], ['size', e.sizeFraction], ['size.units', e.sizeUnits], ['stop_loss', e.stopLoss],
    ['take_profit', e.takeProfit], ['trailing_stop', e.trailingStop],
  ];
  const shown = settings.flatMap(([name, v]) => (v === undefined ? [] : [`${name} ${typeof v === 'number' ? v : 'tuned'}`]));
  return [`cash ${e.cash}`, ...shown, `last_bar_entries ${e.lastBarEntries ?? false}`].join(', ');
}
