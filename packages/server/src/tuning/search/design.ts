/**
 * The initial design of Bayesian search: a randomly shifted Halton sequence (a low-discrepancy
 * sequence, extensible one point at a time), so the first trials spread over the space instead of
 * clumping as independent draws do, and trial k's point depends only on the seed and k.
 */
import { createRng } from "./prng.js";

const STREAM_DESIGN = 0x64657369; // "desi"

/** The k-th point (k >= 0) of the seed's shifted Halton sequence in [0, 1)^dims. */
export function haltonPoint(seed: number, k: number, dims: number): number[] {
  const rng = createRng(seed, STREAM_DESIGN);
  const bases = primes(dims);
  return bases.map((b) => {
    const u = radicalInverse(k + 1, b) + rng.next();
    return u - Math.floor(u);
  });
}

/** The digits of i in base b, mirrored about the point: 0.d₀d₁d₂... */
export function radicalInverse(i: number, b: number): number {
  let f = 1;
  let r = 0;
  while (i > 0) {
    f /= b;
    r += f * (i % b);
    i = Math.floor(i / b);
  }
  return r;
}

function primes(count: number): number[] {
  const out: number[] = [];
  for (let c = 2; out.length < count; c++) {
    if (out.every((p) => c % p !== 0)) out.push(c);
  }
  return out;
}
