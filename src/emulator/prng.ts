// A small seeded PRNG (mulberry32) so that fault decisions are reproducible: the same seed and the
// same request order give the same faults. Not for anything secret.

export type Random = () => number;

/** Returns a function giving floats in [0, 1), determined by `seed` (any 32-bit integer). */
export function createRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
