// For receivers of pixout's notifications: the same event may arrive more than once (a delivery retried
// after a timeout whose request did arrive, a worker re-running a final step). Each delivery carries its
// id (`pixout-delivery-id`, derived from the payment, its generation and outcome), so a receiver drops the
// ones it has already handled. This filter remembers ids in memory for a window longer than pixout's
// retries (24 h by default); a receiver with several replicas keeps ids in a shared store instead (docs/
// integrating/outcomes-and-events.md: one SET NX EX in Redis).

export interface RedeliveryFilterOptions {
  /** How long an id is remembered (default 24 h: pixout's last retry comes about 11.4 h after the first). */
  windowSeconds?: number;
  /** At most this many ids are remembered; the oldest are forgotten first (default 100,000). */
  maxEntries?: number;
  /** The current time in milliseconds, like Date.now (the default). */
  now?: () => number;
}

export interface RedeliveryFilter {
  /** True the first time an id is seen within the window (it is remembered from then on); false for a redelivery. */
  firstTime(deliveryId: string): boolean;
  /** Forgets an id: acting on its event failed, so its redelivery must be handled. */
  forget(deliveryId: string): void;
  readonly size: number;
}

export function createRedeliveryFilter(options: RedeliveryFilterOptions = {}): RedeliveryFilter {
  const windowMs = (options.windowSeconds ?? 24 * 3600) * 1000;
  const maxEntries = options.maxEntries ?? 100_000;
  if (!Number.isFinite(windowMs) || windowMs <= 0)
    throw new RangeError("windowSeconds must be a number of seconds above 0");
  if (!Number.isSafeInteger(maxEntries) || maxEntries <= 0)
    throw new RangeError("maxEntries must be a whole number above 0");
  const now = options.now ?? Date.now;
  // Insertion order is expiry order (one window for all): the oldest entries are at the front.
  const seen = new Map<string, number>();
  return {
    firstTime(deliveryId) {
      const t = now();
      for (const [id, until] of seen) {
        if (until > t && seen.size <= maxEntries) break;
        seen.delete(id);
      }
      const until = seen.get(deliveryId);
      if (until !== undefined && until > t) return false;
      seen.delete(deliveryId);
      seen.set(deliveryId, t + windowMs);
      while (seen.size > maxEntries) {
        const oldest = seen.keys().next();
        if (oldest.done === true) break;
        seen.delete(oldest.value);
      }
      return true;
    },
    forget(deliveryId) {
      seen.delete(deliveryId);
    },
    get size() {
      return seen.size;
    },
  };
}
