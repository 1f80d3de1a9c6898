// Inter's documented rate limits (inter-api.md §6.2, production column), enforced with
// rate-limiter-flexible's in-memory fixed windows.
//
// ASSUMPTIONS (UNVERIFIED, §6.1/§6.2):
//  - limits are counted per integration (client_id); Inter does not say whether per integration,
//    account or token;
//  - every call counts, including the ones refused (a 429 does not refund its point), and a window
//    starts at its first call;
//  - a 429 carries `Retry-After` with the whole seconds until the window frees (Inter documents no
//    429 at all; the official SDKs just wait 60 s).
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";

/** Calls per minute unless the name says otherwise. 0 or Infinity disables a limit. */
export interface EmulatorLimits {
  token: number;
  send: number;
  sendPerSecond: number;
  status: number;
  webhook: number;
  callbacks: number;
  callbackRetry: number;
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
  scale: 1,
};

export type LimitBucket = "token" | "send" | "status" | "webhook" | "callbacks" | "callbackRetry";

export type LimitResult = { ok: true } | { ok: false; retryAfterSeconds: number };

const OK: LimitResult = { ok: true };

function limiter(perWindow: number, scale: number, seconds: number): RateLimiterMemory | null {
  const points = perWindow * scale;
  if (!(points > 0) || !Number.isFinite(points)) return null;
  return new RateLimiterMemory({ points: Math.max(1, Math.floor(points)), duration: seconds });
}

export class RateLimits {
  readonly #limiters: Record<LimitBucket, RateLimiterMemory[]>;

  constructor(limits: EmulatorLimits) {
    const s = limits.scale;
    const perMinute = (n: number): RateLimiterMemory[] => {
      const l = limiter(n, s, 60);
      return l ? [l] : [];
    };
    const perSecond = limiter(limits.sendPerSecond, s, 1);
    this.#limiters = {
      token: perMinute(limits.token),
      // The per-second limit is checked first so that a burst refused by it does not use minute points.
      send: [...(perSecond ? [perSecond] : []), ...perMinute(limits.send)],
      status: perMinute(limits.status),
      webhook: perMinute(limits.webhook),
      callbacks: perMinute(limits.callbacks),
      callbackRetry: perMinute(limits.callbackRetry),
    };
  }

  /** Takes one call from the bucket for `key`; synchronous-looking fast path when disabled. */
  async consume(bucket: LimitBucket, key: string): Promise<LimitResult> {
    const limiters = this.#limiters[bucket];
    for (const l of limiters) {
      try {
        await l.consume(key);
      } catch (err) {
        if (err instanceof RateLimiterRes) {
          return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(err.msBeforeNext / 1000)) };
        }
        throw err;
      }
    }
    return OK;
  }

  enabled(bucket: LimitBucket): boolean {
    return this.#limiters[bucket].length > 0;
  }
}
