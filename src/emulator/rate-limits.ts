// Inter's documented rate limits (production's by default, or the sandbox's), as in-memory fixed windows
// on the emulator's clock (so tests can hold a window open or close it deterministically).
//
// ASSUMPTIONS (UNVERIFIED, docs/reference/inter-api.md §6.1/§6.2):
//  - limits are counted per integration (client_id); Inter does not say whether per integration,
//    account or token;
//  - every call counts, including the ones refused (a 429 does not refund its point), and a window
//    starts at its first call;
//  - a 429 carries `Retry-After` with the whole seconds until the window frees (Inter documents no
//    429 at all; the official SDKs just wait 60 s).

/** Calls per minute unless the name says otherwise. 0 or Infinity disables a limit. */
export interface EmulatorLimits {
  token: number;
  send: number;
  sendPerSecond: number;
  status: number;
  /** PUT, GET and DELETE of the webhook: each has this many a minute of its own. */
  webhook: number;
  callbacks: number;
  callbackRetry: number;
  /** GET /banking/v2/extrato/completo. */
  statement: number;
  /** GET /banking/v2/saldo. */
  balance: number;
  /** Multiplies every limit (benchmarks run "10× Inter"). */
  scale: number;
}

export const INTER_PRODUCTION_LIMITS: Readonly<EmulatorLimits> = {
  token: 5,
  send: 60,
  sendPerSecond: 1,
  status: 20,
  webhook: 10,
  callbacks: 10,
  callbackRetry: 5,
  // Inter publishes 10 a minute for each of the statement and balance endpoints, in both environments.
  statement: 10,
  balance: 10,
  scale: 1,
};

/**
 * The sandbox publishes 10 sends and 10 status queries a minute; it has no callback re-send at all. Its
 * statement and balance limits are production's (10 a minute each).
 */
export const INTER_SANDBOX_LIMITS: Readonly<EmulatorLimits> = {
  ...INTER_PRODUCTION_LIMITS,
  send: 10,
  sendPerSecond: 0,
  status: 10,
  callbackRetry: 0,
};

export type LimitBucket =
  | "token"
  | "send"
  | "status"
  | "webhookPut"
  | "webhookGet"
  | "webhookDelete"
  | "callbacks"
  | "callbackRetry"
  | "statement"
  | "balance";

export type LimitResult = { ok: true } | { ok: false; retryAfterSeconds: number };

const OK: LimitResult = { ok: true };

/** Windows kept before expired ones are swept (keys are client ids, so normally a handful). */
const SWEEP_ABOVE = 1000;

/** `points` calls per `durationMs`, per key; a window opens at a key's first call after the last one closed. */
class FixedWindowLimiter {
  readonly #points: number;
  readonly #durationMs: number;
  readonly #windows = new Map<string, { start: number; used: number }>();

  constructor(points: number, durationMs: number) {
    this.#points = points;
    this.#durationMs = durationMs;
  }

  /** Takes one call; undefined when allowed, else the milliseconds until the window closes. */
  take(key: string, now: number): number | undefined {
    let w = this.#windows.get(key);
    if (w === undefined || now >= w.start + this.#durationMs || now < w.start) {
      if (this.#windows.size >= SWEEP_ABOVE) this.#sweep(now);
      w = { start: now, used: 0 };
      this.#windows.set(key, w);
    }
    w.used += 1;
    return w.used <= this.#points ? undefined : w.start + this.#durationMs - now;
  }

  #sweep(now: number): void {
    for (const [key, w] of this.#windows) if (now >= w.start + this.#durationMs) this.#windows.delete(key);
  }
}

function limiter(perWindow: number, scale: number, seconds: number): FixedWindowLimiter | null {
  const points = perWindow * scale;
  if (!(points > 0) || !Number.isFinite(points)) return null;
  return new FixedWindowLimiter(Math.max(1, Math.floor(points)), seconds * 1000);
}

export class RateLimits {
  readonly #limiters: Record<LimitBucket, FixedWindowLimiter[]>;

  constructor(limits: EmulatorLimits) {
    const s = limits.scale;
    const perMinute = (n: number): FixedWindowLimiter[] => {
      const l = limiter(n, s, 60);
      return l ? [l] : [];
    };
    const perSecond = limiter(limits.sendPerSecond, s, 1);
    this.#limiters = {
      token: perMinute(limits.token),
      // The per-second limit is checked first so that a burst refused by it does not use minute points.
      send: [...(perSecond ? [perSecond] : []), ...perMinute(limits.send)],
      status: perMinute(limits.status),
      webhookPut: perMinute(limits.webhook),
      webhookGet: perMinute(limits.webhook),
      webhookDelete: perMinute(limits.webhook),
      callbacks: perMinute(limits.callbacks),
      callbackRetry: perMinute(limits.callbackRetry),
      statement: perMinute(limits.statement),
      balance: perMinute(limits.balance),
    };
  }

  /** Takes one call from the bucket for `key` at instant `now` (the emulator's clock). */
  consume(bucket: LimitBucket, key: string, now: number): LimitResult {
    for (const l of this.#limiters[bucket]) {
      const waitMs = l.take(key, now);
      if (waitMs !== undefined) return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    }
    return OK;
  }
}
