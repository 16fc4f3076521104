/**
 * A small seeded pseudo-random number generator (sfc32, seeded through a murmur3-style mix), so
 * that every proposal is a pure function of (RandomSeed, the trial history): a strategy derives
 * a fresh generator from the seed and the number of trials on each call and keeps no state.
 */

/** A source of uniform numbers in [0, 1) and of the few distributions the strategies need. */
export interface Rng {
  /** Uniform in [0, 1), 53 random bits. */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box-Muller). */
  normal(): number;
}

/** Mix 32-bit words into one (murmur3's finalizer after a multiply-rotate per word). */
export function hash32(...words: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const w of words) {
    let k = Math.imul(w | 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= words.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A generator for one purpose: `createRng(seed, trialCount, STREAM)` gives the same numbers for
 * the same arguments, and unrelated numbers when any of them differs. Arguments are integers
 * (a seed outside 32 bits is folded in by its high and low words).
 */
export function createRng(...key: readonly number[]): Rng {
  const words: number[] = [];
  for (const k of key) {
    const n = Math.trunc(k);
    words.push(n >>> 0, Math.floor(n / 0x1_0000_0000) >>> 0);
  }
  let a = hash32(...words, 1);
  let b = hash32(...words, 2);
  let c = hash32(...words, 3);
  let d = 1;
  const u32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) u32(); // leave the seeding neighbourhood
  let spare: number | undefined;
  const rng: Rng = {
    next: () => (u32() * 0x20_0000 + (u32() >>> 11)) / 0x20_0000_0000_0000,
    int: (n) => Math.min(n - 1, Math.floor(rng.next() * n)),
    normal: () => {
      if (spare !== undefined) {
        const s = spare;
        spare = undefined;
        return s;
      }
      let u = 0;
      while (u === 0) u = rng.next();
      const v = rng.next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
  };
  return rng;
}
