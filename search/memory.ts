/** One result a model remembers, in unit coordinates, its loss to be minimised. */
export interface Observation {
  /** Order in which the model saw it. */
  seq: number;
  x: number[];
  loss: number;
}

/**
 * A bounded memory of results, shared by the model-based samplers (TPE, GP): the best `keepBest` ever, sorted by
 * loss, plus the most recent others, sorted by `seq`, up to `limit` in all. So a proposal costs the same at
 * 10,000 trials as at 1,000 and the state stays small, while the best results, which the models lean on most,
 * are never forgotten.
 */
export interface ObservationMemory {
  /** Observations ever seen (failed trials excluded). */
  count: number;
  /** Sorted by loss, best first. */
  best: Observation[];
  /** Sorted by seq, oldest first. */
  recent: Observation[];
}

export const bySeq = (a: Observation, b: Observation): number => a.seq - b.seq;

/** Adds a result (`x` already snapped to the space) to `memory`, dropping the oldest others past `limit`. */
export function remember(memory: ObservationMemory, x: number[], loss: number, keepBest: number, limit: number): void {
  const obs: Observation = { seq: memory.count++, x, loss };
  const worst = memory.best[memory.best.length - 1];
  if (memory.best.length < keepBest || (worst && loss < worst.loss)) {
    let at = memory.best.length;
    while (at > 0 && (memory.best[at - 1] as Observation).loss > loss) at--;
    memory.best.splice(at, 0, obs);
    if (memory.best.length > keepBest) {
      const dropped = memory.best.pop() as Observation;
      let to = memory.recent.length;
      while (to > 0 && (memory.recent[to - 1] as Observation).seq > dropped.seq) to--;
      memory.recent.splice(to, 0, dropped);
    }
  } else {
    memory.recent.push(obs);
  }
  while (memory.best.length + memory.recent.length > limit) memory.recent.shift();
}
