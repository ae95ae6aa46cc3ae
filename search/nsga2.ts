import type { Algorithm, Candidate } from './algorithm';
import { CHILDREN, child, genetic } from './genetic';
import { crowdingDistance, nonDominatedSort } from './pareto';
import type { Prng } from './prng';

interface Member {
  x: number[];
  /** One loss per objective, all minimised. */
  losses: number[];
}

interface Nsga2State {
  /** At most `populationSize` members, in the order they joined. */
  population: Member[];
}

/** Each member's front (0 = non-dominated) and crowding distance within its front. */
function standing(population: readonly Member[]): { front: Int32Array; crowding: Float64Array } {
  const front = new Int32Array(population.length);
  const crowding = new Float64Array(population.length);
  nonDominatedSort(population.map((m) => m.losses)).forEach((members, f) => {
    const distance = crowdingDistance(members.map((i) => (population[i] as Member).losses));
    members.forEach((i, k) => {
      front[i] = f;
      crowding[i] = distance[k] as number;
    });
  });
  return { front, crowding };
}

/** NSGA-II's crowded comparison: the lower front wins, then the larger crowding distance, then the older member. */
function crowdedTournament(size: number, front: Int32Array, crowding: Float64Array, n: number, rng: Prng): number {
  let best = rng.below(n);
  for (let i = 1; i < size; i++) {
    const other = rng.below(n);
    const better = front[other] < front[best] || (front[other] === front[best] && (crowding[other] > crowding[best] || (crowding[other] === crowding[best] && other < best)));
    if (better) best = other;
  }
  return best;
}

/**
 * The genetic algorithm in NSGA-II mode, for two or more objectives (Deb et al. 2002, as a steady-state
 * algorithm after Durillo et al. 2009, so it fits the sliding window of parallel trials as the single-objective
 * one does): the first `populationSize` results form the population (random proposals until then); then each
 * proposal is a child of two crowded-tournament winners (lower non-dominated front first, then the larger
 * crowding distance), bred by the same crossover and mutation as the single-objective algorithm. Each result
 * joins the population, and the member of the worst front with the smallest crowding distance leaves it (the
 * newest on a tie): the non-dominated front survives, spread out along its length.
 */
export const nsga2: Algorithm<Nsga2State, readonly number[]> = {
  adaptive: true,
  options: genetic.options,
  shuffledWalk: () => true,
  init: () => ({ population: [] }),
  propose(state, { space, rng, options }) {
    const { population } = state;
    if (population.length < (options.populationSize as number)) return [{ x: space.uniform(rng) }];
    const { front, crowding } = standing(population);
    const size = options.tournamentSize as number;
    const pick = () => population[crowdedTournament(size, front, crowding, population.length, rng)] as Member;
    const children: Candidate[] = [];
    for (let c = 0; c < CHILDREN; c++) children.push({ x: child(space, pick(), pick(), rng, options) });
    return children;
  },
  observe(state, x, losses, _tag, { space, options }) {
    const { population } = state;
    population.push({ x: space.snap(x), losses: [...losses] });
    if (population.length <= (options.populationSize as number)) return;
    const { front, crowding } = standing(population);
    let leaving = 0;
    for (let i = 1; i < population.length; i++) {
      const worse = front[i] > front[leaving] || (front[i] === front[leaving] && crowding[i] <= crowding[leaving]);
      if (worse) leaving = i;
    }
    population.splice(leaving, 1);
  },
};
