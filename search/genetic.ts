import type { Algorithm, Candidate } from './algorithm';
import type { Prng } from './prng';
import type { Space } from './space';

interface Individual {
  x: number[];
  loss: number;
}

interface GeneticState {
  /** At most `populationSize` individuals; the worst is replaced when a better child arrives. */
  population: Individual[];
}

/** Children per call, so that a child repeating a seen point of a finite space costs no extra round. */
export const CHILDREN = 8;
const BLX_ALPHA = 0.5;

const reflect = (u: number): number => {
  const r = Math.abs(u) % 2;
  return r > 1 ? 2 - r : r;
};

function tournament(population: readonly Individual[], size: number, rng: Prng): Individual {
  let best = population[rng.below(population.length)] as Individual;
  for (let i = 1; i < size; i++) {
    const other = population[rng.below(population.length)] as Individual;
    if (other.loss < best.loss) best = other;
  }
  return best;
}

/** A child of two parents: crossover (BLX-alpha or uniform), then mutation of each gene with `mutationProb`. */
export function child(space: Space, a: { x: readonly number[] }, b: { x: readonly number[] }, rng: Prng, options: Record<string, unknown>): number[] {
  const cross = rng.float() < (options.crossoverProb as number);
  const blx = options.crossover === 'blx';
  const mutation = (options.mutationProb as number | null) ?? 1 / space.dims.length;
  const scale = options.mutationScale as number;
  return space.dims.map((d, i) => {
    const xa = a.x[i] as number;
    const xb = b.x[i] as number;
    let gene = xa;
    if (cross && blx && d.kind !== 'categorical') {
      const lo = Math.min(xa, xb);
      const span = Math.max(xa, xb) - lo;
      gene = reflect(lo - BLX_ALPHA * span + rng.float() * (1 + 2 * BLX_ALPHA) * span);
    } else if (cross && rng.float() < 0.5) {
      gene = xb;
    }
    if (rng.float() < mutation) gene = d.kind === 'categorical' ? rng.float() : reflect(gene + scale * rng.normal());
    return gene;
  });
}

/**
 * A steady-state genetic algorithm: the first `populationSize` results form the population (random proposals
 * until then); afterwards each proposal is a child of two tournament winners (BLX-alpha or uniform crossover,
 * then Gaussian mutation of numeric genes and resampling of categorical ones), and a child that beats the worst
 * individual replaces it, so the best is never lost (elitism). With no generations to wait for, it fits the
 * sliding window of parallel trials.
 */
export const genetic: Algorithm<GeneticState> = {
  adaptive: true,
  options: {
    populationSize: { type: 'number', default: 50, min: 2, integer: true },
    tournamentSize: { type: 'number', default: 2, min: 1, integer: true },
    crossover: { type: 'enum', default: 'blx', values: ['blx', 'uniform'] },
    crossoverProb: { type: 'number', default: 0.9, min: 0, max: 1 },
    mutationProb: { type: 'number', default: null, min: 0, max: 1 },
    mutationScale: { type: 'number', default: 0.1, min: 0, max: 1 },
  },
  shuffledWalk: () => true,
  init: () => ({ population: [] }),
  propose(state, { space, rng, options }) {
    const { population } = state;
    if (population.length < (options.populationSize as number)) return [{ x: space.uniform(rng) }];
    const size = options.tournamentSize as number;
    const children: Candidate[] = [];
    for (let c = 0; c < CHILDREN; c++) {
      children.push({ x: child(space, tournament(population, size, rng), tournament(population, size, rng), rng, options) });
    }
    return children;
  },
  observe(state, x, loss, _tag, { space, options }) {
    const { population } = state;
    const individual = { x: space.snap(x), loss };
    if (population.length < (options.populationSize as number)) {
      population.push(individual);
      return;
    }
    let worst = 0;
    population.forEach((p, i) => {
      if (p.loss >= (population[worst] as Individual).loss) worst = i;
    });
    if (loss < (population[worst] as Individual).loss) population[worst] = individual;
  },
};
