import { prunedCount } from '../print';
import { trialsDone, type WatchSnapshot } from './snapshot';
import { progressRecord } from './records';
import { renderView } from './view';

/** Where a followed session's progress goes: a live view on a terminal, JSON lines, or plain lines. */
export interface ProgressDisplay {
  /** Whether it shows the fleet, which is then worth reading. */
  readonly showsFleet: boolean;
  show(snapshot: WatchSnapshot): void;
  /** Ends the display, showing `last` when given; what it drew stays. Calling it again does nothing. */
  close(last?: WatchSnapshot): void;
}

/**
 * The live view on a terminal, redrawn in place (log-update keeps track of the lines it drew, rewrites only
 * those that changed, and hides the cursor until the view closes, or the process exits).
 */
export async function liveDisplay(stream: NodeJS.WriteStream): Promise<ProgressDisplay> {
  // Both are ES modules: imported when a terminal shows the view, which keeps every other command free of them.
  const [{ createLogUpdate }, { clearViewport }] = await Promise.all([import('log-update'), import('ansi-escapes')]);
  let draw = createLogUpdate(stream);
  let latest: WatchSnapshot | null = null;
  let drawnLines = 0;
  let closed = false;
  const render = () => {
    if (!latest) return;
    const lines = renderView(latest, { columns: stream.columns ?? 80, rows: stream.rows ?? 24 }, Date.now());
    // log-update 7 rewrites only the lines that changed, as if the lines below them stayed in place, so a
    // frame of another height would leave the old frame's lines behind: it is drawn anew instead.
    if (lines.length !== drawnLines) draw.clear();
    draw(lines.join('\n'));
    drawnLines = lines.length;
  };
  // A terminal rewraps the lines it shows when its width changes, so which rows hold the view is no longer
  // known: the view starts again at the top of a cleared screen.
  const onResize = () => {
    stream.write(clearViewport);
    draw = createLogUpdate(stream);
    drawnLines = 0;
    render();
  };
  stream.on('resize', onResize);
  return {
    showsFleet: true,
    show: (snapshot) => {
      if (closed) return;
      latest = snapshot;
      render();
    },
    close: (last) => {
      if (closed) return;
      closed = true;
      if (last) latest = last;
      render();
      stream.off('resize', onResize);
      draw.done();
    },
  };
}

/** One JSON object a line for every change of the session's progress (see progressRecord). */
export function jsonLinesDisplay(stream: NodeJS.WritableStream): ProgressDisplay {
  let lastPrinted = '';
  let closed = false;
  const print = (snapshot: WatchSnapshot) => {
    const { at: _at, ...record } = progressRecord(snapshot);
    const key = JSON.stringify(record);
    if (key === lastPrinted) return;
    lastPrinted = key;
    stream.write(`${JSON.stringify(progressRecord(snapshot))}\n`);
  };
  return {
    showsFleet: false,
    show: (snapshot) => {
      if (!closed && snapshot.progress) print(snapshot);
    },
    close: (last) => {
      if (closed) return;
      closed = true;
      if (last?.progress) print(last);
    },
  };
}

/**
 * `tuneflow run` off a terminal, as a log reads best: a line at every tenth of the budget, and a line when
 * the session starts waiting on a retried activity.
 */
export function linearDisplay(stream: NodeJS.WritableStream): ProgressDisplay {
  let last = '';
  let lastStall: string | null = null;
  let closed = false;
  return {
    showsFleet: false,
    show: (snapshot) => {
      if (closed) return;
      const p = snapshot.progress;
      if (p) {
        const done = trialsDone(p);
        const best = p.best ? ` best ${p.best.objective.toFixed(4)} (#${p.best.trialId})` : '';
        const line = `${done}/${p.budget} trials, ${p.running} running, ${p.counts.failed} failed${prunedCount(p.counts)}${best}`;
        if (line !== last) {
          last = line;
          if (done % Math.max(1, Math.ceil(p.budget / 10)) === 0) stream.write(`${line}\n`);
        }
      }
      if (snapshot.waitingOn !== null && snapshot.waitingOn !== lastStall) stream.write(`Waiting on retries: ${snapshot.waitingOn}\n`);
      lastStall = snapshot.waitingOn;
    },
    close: () => {
      closed = true;
    },
  };
}
