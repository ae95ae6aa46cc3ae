import { FAULTS, draw, type FaultContext, type FaultKind, type FaultRecord } from './faults';
import { sleep } from './wait';

export interface InjectorOptions {
  kinds: FaultKind[];
  /** Quiet time before each fault, drawn from this range (ms). */
  gapMs: [number, number];
  /** Stop after this many faults (the session may go on); unlimited when not given. */
  maxFaults?: number;
  /** True once the session has finished: no fault starts after that. */
  finished: () => boolean;
}

export interface InjectionLog {
  faults: FaultRecord[];
  /** From the start of the first fault until the last one was over. */
  windowMs: number;
  /** Workers that exited without being killed by a fault, and were replaced. */
  unexpectedExits: string[];
}

/** Sleeps `ms`, waking early when the session finishes. */
async function pause(ms: number, finished: () => boolean, signal: AbortSignal): Promise<void> {
  const until = Date.now() + ms;
  while (!finished() && Date.now() < until) await sleep(Math.min(500, until - Date.now()), signal);
}

/** A seeded shuffle of the kinds, so each comes round once per cycle in an order nobody chose. */
function shuffled(kinds: FaultKind[], ctx: FaultContext): FaultKind[] {
  const bag = [...kinds];
  for (let i = bag.length - 1; i > 0; i--) {
    const j = ctx.rng.below(i + 1);
    [bag[i], bag[j]] = [bag[j], bag[i]];
  }
  return bag;
}

/**
 * Injects faults one after another while the session runs, each after a random quiet gap, until the session
 * finishes or `maxFaults` is reached. Each fault is over (service back, link up, replacement polling) and its
 * recovery measured before the next begins, so every recovery time belongs to one fault.
 */
export async function injectFaults(ctx: FaultContext, opts: InjectorOptions): Promise<InjectionLog> {
  const started = Date.now();
  const faults: FaultRecord[] = [];
  const unexpectedExits: string[] = [];
  let windowEnd = started;
  const more = () => !opts.finished() && (opts.maxFaults === undefined || faults.length < opts.maxFaults);
  while (more()) {
    for (const kind of shuffled(opts.kinds, ctx)) {
      await pause(draw(ctx.rng, opts.gapMs), opts.finished, ctx.signal);
      if (!more()) break;
      const at = Date.now() - started;
      ctx.log(`fault ${faults.length + 1}: ${kind} at ${(at / 1000).toFixed(1)} s`);
      const record: FaultRecord = { kind, at, ...(await FAULTS[kind](ctx)) };
      faults.push(record);
      windowEnd = Date.now();
      ctx.log(`  ${record.detail}; resumed after ${seconds(record.resumeMs)}${record.redoMs !== undefined ? `; ${record.interrupted} interrupted trials done after ${seconds(record.redoMs)}` : ''}`);
      for (let slot = 0; slot < ctx.fleet.size; slot++) {
        if (ctx.fleet.isRunning(slot)) continue;
        const gone = ctx.fleet.workerId(slot);
        unexpectedExits.push(`${gone} after fault ${faults.length} (${kind})`);
        ctx.log(`  worker ${gone} exited on its own; starting a replacement`);
        await ctx.fleet.refill(slot);
      }
    }
  }
  return { faults, windowMs: faults.length > 0 ? windowEnd - started - faults[0].at : 0, unexpectedExits };
}

function seconds(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? 'never (cap reached)' : `${(ms / 1000).toFixed(2)} s`;
}
