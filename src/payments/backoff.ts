// Waiting times, as pure functions of the attempt number and a random number in [0, 1).

export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

/**
 * Capped exponential backoff with ±25 % jitter: base·2^n, at most cap, so that payments that failed
 * together do not come back together.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: number): number {
  const exponential = policy.baseMs * 2 ** Math.min(Math.max(attempt, 0), 30);
  const capped = Math.min(policy.capMs, exponential);
  return Math.max(1, Math.round(capped * (0.75 + 0.5 * random)));
}
