/**
 * Random search (and Hyperband's proposals, which SageMaker's ASHA-based Hyperband samples at
 * random and prunes by early stopping): each trial's values drawn independently and uniformly on
 * every parameter's scale, from a generator derived from the seed and the number of trials so
 * far. In a finite space (integer and categorical ranges only) a draw that repeats a tried point
 * is drawn again, and once every point has been tried the answer is "exhausted".
 */
import { createRng } from "./prng.js";
import type { SearchSpace } from "./space.js";
import type { Proposal, SearchStrategy, TrialState } from "./types.js";

const STREAM_RANDOM = 0x72616e64; // "rand"
const DRAWS = 200;

export class RandomStrategy implements SearchStrategy {
  constructor(
    private readonly space: SearchSpace,
    private readonly seed: number,
  ) {}

  next(trials: readonly TrialState[]): Proposal {
    const rng = createRng(this.seed, trials.length, STREAM_RANDOM);
    let hyperparameters = this.space.decode(this.space.sample(rng));
    // Draws repeat only where the space is finite (a continuous range makes a repeat vanishingly rare).
    if (!Number.isFinite(this.space.size())) return { hyperparameters };
    const tried = triedKeys(this.space, trials);
    if (tried.size >= this.space.size()) return "exhausted";
    for (let i = 1; i < DRAWS && tried.has(this.space.key(hyperparameters)); i++) {
      hyperparameters = this.space.decode(this.space.sample(rng));
    }
    return { hyperparameters };
  }
}

/** The points already proposed, by `SearchSpace.key` (points outside the space are left out). */
export function triedKeys(space: SearchSpace, trials: readonly TrialState[]): Set<string> {
  const keys = new Set<string>();
  for (const t of trials) if (space.encode(t.hyperparameters) !== undefined) keys.add(space.key(t.hyperparameters));
  return keys;
}
