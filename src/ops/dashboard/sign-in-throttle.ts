// Throttled password guessing on the dashboard: failed sign-ins are counted per client address and per
// user name (rate-limiter-flexible, in Redis so that every replica counts together; in memory while Redis is
// away). Beyond the limit an address is refused outright for the block time, `429` with Retry-After, no
// password checked. A user under attack is refused only from addresses that have not signed in as that user
// before (kept 30 days): the legitimate user, signed in from their usual address, is never locked out by
// someone guessing from elsewhere. Checked before the authenticator's remembered logins, which would
// otherwise answer a locked-out guesser's right guess.
import { createHash } from "node:crypto";
import type { RedisClient } from "../../redis/connections.js";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";

export interface SignInThrottleOptions {
  redis: RedisClient;
  /** Keys go under `${keyPrefix}:…` (the dashboard's Redis prefix). */
  keyPrefix: string;
  /** Failed sign-ins allowed per address, and per user from unknown addresses, within `windowSeconds`. */
  failures?: number;
  windowSeconds?: number;
  /** How long an address or a user stays refused once over the limit. */
  blockSeconds?: number;
  /** How long an address that signed in as a user stays known for that user. */
  knownDays?: number;
  now?: () => number;
}

export type Refusal = { refused: false } | { refused: true; retryAfterSeconds: number; by: "address" | "user" };

export interface SignInThrottle {
  /** Before a password check. */
  check(user: string, address: string): Promise<Refusal>;
  /** After a failed check: the refusal it starts, if this failure reached a limit (log it once). */
  failed(user: string, address: string): Promise<Refusal>;
  /** After a successful check: this address is known for this user. */
  succeeded(user: string, address: string): Promise<void>;
}

function limiter(options: SignInThrottleOptions, name: string): RateLimiterAbstract {
  // The limiter refuses a count beyond `points`: the failure that reaches the limit is the one refused, and
  // starts the block.
  const shape = {
    points: (options.failures ?? 10) - 1,
    duration: options.windowSeconds ?? 15 * 60,
    blockDuration: options.blockSeconds ?? 15 * 60,
  };
  const keyPrefix = `${options.keyPrefix}:dashboard:${name}`;
  return new RateLimiterRedis({
    storeClient: options.redis,
    keyPrefix,
    ...shape,
    insuranceLimiter: new RateLimiterMemory({ keyPrefix, ...shape }),
  });
}

const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

export function createSignInThrottle(options: SignInThrottleOptions): SignInThrottle {
  const byAddress = limiter(options, "failed-sign-ins-by-address");
  const byUser = limiter(options, "failed-sign-ins-by-user");
  const points = (options.failures ?? 10) - 1;
  const now = options.now ?? Date.now;
  // A user name is whatever a client typed: keyed by its digest, of fixed length.
  const userKey = (user: string): string => createHash("sha256").update(user).digest("base64url");
  const knownKey = (user: string): string => `${options.keyPrefix}:dashboard:known-addresses:${userKey(user)}`;
  const knownTtl = Math.round((options.knownDays ?? 30) * 86_400);

  async function knownAddress(user: string, address: string): Promise<boolean> {
    try {
      return (await options.redis.hexists(knownKey(user), address)) === 1;
    } catch {
      return false;
    }
  }

  async function over(l: RateLimiterAbstract, key: string): Promise<number | undefined> {
    const res = await l.get(key).catch(() => null);
    return res !== null && res.consumedPoints > points ? res.msBeforeNext : undefined;
  }

  async function count(l: RateLimiterAbstract, key: string): Promise<number | undefined> {
    try {
      await l.consume(key);
      return undefined;
    } catch (res) {
      // Rejected with the limiter's answer once over the limit (an Error only without an insurance limiter).
      return res instanceof RateLimiterRes ? res.msBeforeNext : undefined;
    }
  }

  return {
    async check(user, address) {
      const addressWait = await over(byAddress, address);
      if (addressWait !== undefined) return { refused: true, retryAfterSeconds: seconds(addressWait), by: "address" };
      const userWait = await over(byUser, userKey(user));
      if (userWait !== undefined && !(await knownAddress(user, address)))
        return { refused: true, retryAfterSeconds: seconds(userWait), by: "user" };
      return { refused: false };
    },
    async failed(user, address) {
      const before = await over(byAddress, address);
      const addressWait = await count(byAddress, address);
      if (addressWait !== undefined && before === undefined)
        return { refused: true, retryAfterSeconds: seconds(addressWait), by: "address" };
      // Every name is counted, a user's or nobody's, so that the answers never tell which names exist (an
      // address's own limit bounds how many an attacker can make).
      const userBefore = await over(byUser, userKey(user));
      const userWait = await count(byUser, userKey(user));
      if (userWait !== undefined && userBefore === undefined)
        return { refused: true, retryAfterSeconds: seconds(userWait), by: "user" };
      return { refused: false };
    },
    async succeeded(user, address) {
      await options.redis
        .multi()
        .hset(knownKey(user), address, String(now()))
        .expire(knownKey(user), knownTtl)
        .exec()
        .catch(() => undefined);
    },
  };
}
