// When a failed delivery is tried again: the first delay from the settings, doubling, capped at an hour.
// BullMQ's built-in exponential backoff has no cap, so the notification worker registers this one.

/** The `backoff.type` of notification jobs; the notification worker knows it. */
export const NOTIFY_BACKOFF_TYPE = "pixout-notify";
export const NOTIFY_BACKOFF_CAP_MS = 3_600_000;

/** Delay after the `attemptsMade`-th failed attempt (1 → firstMs, 2 → 2 × firstMs, …). */
export function notifyRetryDelayMs(attemptsMade: number, firstMs: number): number {
  const doublings = Math.max(0, attemptsMade - 1);
  // 2^32 × any first delay is past the cap; stop there rather than overflow.
  return doublings >= 32 ? NOTIFY_BACKOFF_CAP_MS : Math.min(NOTIFY_BACKOFF_CAP_MS, firstMs * 2 ** doublings);
}
