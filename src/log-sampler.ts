// At most one log line per key (a user name tried) per window, with the count of what happened since the
// key's last line — a flood of bad logins would otherwise write a line per request. Bounded: past
// `maxKeys`, the oldest key is forgotten (its next event is logged again).

export interface LogSampler {
  /** The number of events for `key` since its last line, this one included, when a line is due; else undefined. */
  take(key: string): number | undefined;
}

export function createLogSampler(o: { windowMs: number; maxKeys?: number; now?: () => number }): LogSampler {
  const maxKeys = o.maxKeys ?? 1_000;
  const now = o.now ?? Date.now;
  const keys = new Map<string, { loggedAt: number; count: number }>();
  return {
    take(key) {
      const t = now();
      const seen = keys.get(key);
      if (seen && t - seen.loggedAt < o.windowMs) {
        seen.count++;
        return undefined;
      }
      const count = (seen?.count ?? 0) + 1;
      keys.delete(key);
      keys.set(key, { loggedAt: t, count: 0 });
      while (keys.size > maxKeys) {
        const oldest = keys.keys().next();
        if (oldest.done === true) break;
        keys.delete(oldest.value);
      }
      return count;
    },
  };
}
