// Durations counted in fixed buckets, so that many processes can add their counts in Redis and a reader can
// tell a percentile of the sum: the answer is the upper bound of the bucket the percentile falls in (an
// "at most"), which is what a chart of "p95 under N s" needs and what a histogram can honestly say.

/** Upper bounds in ms of the buckets of a bank call's latency; a last, open bucket takes the rest. */
export const LATENCY_BOUNDS_MS: readonly number[] = [
  25, 50, 100, 200, 300, 500, 750, 1_000, 2_000, 5_000, 10_000, 30_000,
];

/** Upper bounds in ms of the buckets of the time from enqueue to paid. */
export const ENQUEUE_TO_PAID_BOUNDS_MS: readonly number[] = [
  1_000, 2_000, 5_000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000,
  86_400_000,
];

/** The bucket of `ms`: the index of the first bound ≥ ms, or bounds.length (the open bucket). */
export function bucketOf(ms: number, bounds: readonly number[]): number {
  for (let i = 0; i < bounds.length; i++) if (ms <= (bounds[i] ?? Infinity)) return i;
  return bounds.length;
}

/**
 * The q-quantile (0 < q ≤ 1) of counts per bucket, as the upper bound of its bucket in ms; `Infinity`
 * when it falls in the open bucket; undefined when there are no counts.
 */
export function quantileOf(counts: readonly number[], bounds: readonly number[], q: number): number | undefined {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total <= 0) return undefined;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i] ?? 0;
    if (seen >= rank) return i < bounds.length ? (bounds[i] ?? Infinity) : Infinity;
  }
  return Infinity;
}
