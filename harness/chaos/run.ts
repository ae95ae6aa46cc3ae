import fs from 'node:fs';
import path from 'node:path';
import { startOrAttach } from '../../cli/sessionClient';
import { Prng } from '../../search/prng';
import { evaluateChecks } from './checks';
import type { ChaosOptions, ChaosResult } from './result';
import { FAULT_KINDS } from './faults';
import { Fleet, type Endpoint } from './fleet';
import { injectFaults } from './injector';
import { createNetns, netnsUnavailable, removeStaleNetns, type Netns } from './netns';
import { SessionObserver } from './observe';
import { startChaosServices, type ChaosServices } from './services';
import { awaitSummary, chaosSpec, writeCampaign } from './session';
import { verifySession } from './verify';

/** Cleanups of runs in progress that can run synchronously, for a process that is exiting right now. */
const emergencies = new Set<() => void>();

/** Kills every worker and server of the runs in progress and removes their namespaces, synchronously. */
export function killEverythingNow(): void {
  for (const cleanup of emergencies) cleanup();
}

/**
 * Logs progress every `everyMs` and aborts `controller` when the session stores no trial for `stallMs`:
 * a hang must fail the run, not keep it waiting forever.
 */
function watchProgress(services: ChaosServices, sessionId: string, trials: number, opts: ChaosOptions, controller: AbortController): () => void {
  const everyMs = 5000;
  let last = -1;
  let lastChange = Date.now();
  let lastLog = 0;
  const timer = setInterval(() => {
    void services.store.countTrials(sessionId).then(
      (stored) => {
        if (stored !== last) [last, lastChange] = [stored, Date.now()];
        if (Date.now() - lastLog >= 30_000) {
          lastLog = Date.now();
          opts.log(`${sessionId}: ${stored} / ${trials} trials stored`);
        }
      },
      () => undefined,
    );
    if (Date.now() - lastChange > opts.stallMs) controller.abort(new Error(`no trial of ${sessionId} was stored for ${opts.stallMs / 1000} s: the session hangs`));
  }, everyMs);
  return () => clearInterval(timer);
}

/** Races `promise` against the abort of `signal`. */
function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Runs one chaos session: private servers, a fleet of worker processes (one in a network namespace), the
 * session under seeded faults until it ends, then the same session undisturbed, then the checks.
 */
export async function runChaos(opts: ChaosOptions): Promise<ChaosResult> {
  fs.mkdirSync(opts.dir, { recursive: true });
  const controller = new AbortController();
  const stopOnAbort = () => controller.abort(opts.signal!.reason);
  opts.signal?.addEventListener('abort', stopOnAbort, { once: true });
  const { signal } = controller;

  let partitionSkipped = opts.netns ? netnsUnavailable() : 'not requested';
  let netns: Netns | null = null;
  if (!partitionSkipped) {
    try {
      removeStaleNetns();
      netns = createNetns();
    } catch (err) {
      partitionSkipped = `the network namespace could not be made: ${(err as Error).message}`;
    }
  }
  if (partitionSkipped) opts.log(`partition fault skipped: ${partitionSkipped}`);
  const kinds = FAULT_KINDS.filter((k) => k !== 'partition' || netns !== null);

  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const sessionId = `chaos-${stamp}-${process.pid}`;
  const taskQueue = `chaos-${process.pid}`;
  const config = writeCampaign(path.join(opts.dir, 'campaign'), opts.campaign);
  const result: ChaosResult = {
    options: opts,
    kinds,
    partitionSkipped,
    injection: { faults: [], windowMs: 0, unexpectedExits: [] },
    sessionId,
    summary: null,
    sessionMs: 0,
    referenceMs: null,
    verification: null,
    error: null,
    checks: [],
  };

  let services: ChaosServices | null = null;
  let fleet: Fleet | null = null;
  const emergency = () => {
    fleet?.killNow();
    services?.killNow();
    netns?.remove();
  };
  emergencies.add(emergency);
  let stopWatching: () => void = () => undefined;
  try {
    services = await startChaosServices({ dir: path.join(opts.dir, 'servers'), name: sessionId, hostIp: netns?.hostIp ?? null, log: opts.log });
    const host: Endpoint = { temporalAddress: services.temporalAddress, redisUrl: services.redisUrl };
    const endpoints = Array.from({ length: opts.fleet.workers }, (): Endpoint => host);
    if (netns && services.remote) endpoints[endpoints.length - 1] = { ...services.remote, netns: netns.name };
    fleet = new Fleet({ taskQueue, ...opts.fleet, logDir: path.join(opts.dir, 'workers') }, endpoints);
    await fleet.start();
    opts.log(`${opts.fleet.workers} workers polling ${taskQueue}${netns ? `, ${fleet.workerId(fleet.netnsSlot()!)} in ${netns.name}` : ''}`);

    const spec = chaosSpec(config, sessionId, taskQueue);
    const started = Date.now();
    await startOrAttach(services.client, spec);
    stopWatching = watchProgress(services, sessionId, spec.search.trials, opts, controller);
    let finished = false;
    const summary = unlessAborted(awaitSummary(services.client, sessionId, signal), signal).finally(() => {
      finished = true;
      result.sessionMs = Date.now() - started;
    });
    summary.catch(() => undefined);
    const observer = new SessionObserver(services.client, sessionId, signal);
    const rng = Prng.fromSeed(opts.faultSeed, 0xc4a05);
    const injection = injectFaults(
      { services, fleet, netns, observer, rng, timing: opts.timing, signal, log: opts.log },
      { kinds, gapMs: opts.gapMs, maxFaults: opts.maxFaults, finished: () => finished },
    );
    result.injection = await unlessAborted(injection, signal);
    result.summary = await summary;
    stopWatching();
    opts.log(`session done in ${(result.sessionMs / 1000).toFixed(1)} s: ${JSON.stringify(result.summary.counts)}; running it again undisturbed`);

    const reference = chaosSpec(config, `${sessionId}-undisturbed`, taskQueue);
    const referenceStarted = Date.now();
    await startOrAttach(services.client, reference);
    stopWatching = watchProgress(services, reference.sessionId, reference.search.trials, opts, controller);
    const undisturbed = await unlessAborted(awaitSummary(services.client, reference.sessionId, signal), signal);
    result.referenceMs = Date.now() - referenceStarted;
    stopWatching();
    result.verification = await verifySession({ store: services.store, stats: services.stats, trials: spec.search.trials, summary: result.summary, reference: undisturbed });
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    result.error = err instanceof Error ? err.message : String(err);
    opts.log(`run stopped: ${result.error}`);
  } finally {
    stopWatching();
    opts.signal?.removeEventListener('abort', stopOnAbort);
    await fleet?.stop();
    await services?.close();
    netns?.remove();
    emergencies.delete(emergency);
  }
  result.checks = evaluateChecks(result);
  return result;
}
