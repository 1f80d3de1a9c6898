// HTTP Basic authentication of the dashboard. The browser prompts and resends the
// credentials itself; scripts and Prometheus use basic_auth. scrypt per request would burn a CPU core
// (bull-board polls several endpoints every few seconds), so a successful verification is remembered for a
// few minutes, keyed by an HMAC of the credentials under a per-process key (the cache holds no password,
// and a lookup's timing says nothing about one), in a bounded map. Verifications that miss the cache run
// at most two at once with a bounded queue (semaphore.ts): beyond it the answer is "busy", never a hang.
import { createHmac, randomBytes } from "node:crypto";
import { decoyHash, verifyPassword } from "./password.js";
import { BUSY, createSemaphore } from "./semaphore.js";
import type { DashboardUser, Role } from "./settings.js";
import type { SignInThrottle } from "./sign-in-throttle.js";

export interface Principal {
  user: string;
  role: Role;
}

/**
 * `missing`: no (readable) Basic credentials; `wrong`: the user or password is wrong (`user` is the name
 * tried and `known` whether it is a user's, for the log; `lockout` when this failure started one);
 * `busy`: too many verifications at once, nothing was checked — try again shortly; `throttled`: too many
 * failures from this address, or for this user from an address it never signed in from — nothing checked.
 */
export type AuthResult =
  | { ok: true; principal: Principal }
  | { ok: false; why: "missing" }
  | {
      ok: false;
      why: "wrong";
      user: string;
      known: boolean;
      lockout?: { retryAfterSeconds: number; by: "address" | "user" };
    }
  | { ok: false; why: "busy"; user: string }
  | { ok: false; why: "throttled"; user: string; known: boolean; retryAfterSeconds: number; by: "address" | "user" };

export interface Authenticator {
  /** Checks an Authorization header from a client `address`. */
  authenticate(header: string | undefined, address?: string): Promise<AuthResult>;
  /** How many password verifications (scrypt runs) were made, and how many logins are remembered. */
  stats(): { verifications: number; remembered: number };
}

export interface AuthenticatorOptions {
  /** How long a successful verification is remembered. */
  cacheTtlMs?: number;
  /** At most this many remembered credentials; the oldest go first. */
  cacheSize?: number;
  /** Password verifications running at once (each a full scrypt on libuv's thread pool). */
  maxConcurrent?: number;
  /** Verifications waiting for a slot; more at once are answered `busy`. */
  maxWaiting?: number;
  now?: () => number;
  /** Failed sign-ins throttled per address and per user (sign-in-throttle.ts); none: unthrottled. */
  throttle?: SignInThrottle;
}

/** `Basic base64(user:password)` → its parts; undefined when malformed. */
export function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header ?? "");
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export function createAuthenticator(
  users: readonly DashboardUser[],
  options: AuthenticatorOptions = {},
): Authenticator {
  const ttl = options.cacheTtlMs ?? 5 * 60_000;
  const size = options.cacheSize ?? 1_000;
  const now = options.now ?? Date.now;
  const cacheKey = randomBytes(32);
  const byName = new Map(users.map((u) => [u.name, u]));
  const remembered = new Map<string, { principal: Principal; until: number }>();
  // bull-board opens with several requests at once: one scrypt for all of them.
  const inFlight = new Map<string, Promise<Principal | undefined | typeof BUSY>>();
  const slots = createSemaphore({ concurrency: options.maxConcurrent ?? 2, maxWaiting: options.maxWaiting ?? 32 });
  // An unknown user costs the same scrypt as a known one (with the default parameters, those hash-password
  // uses), so the time taken does not reveal who exists; server.ts warns about users with other parameters.
  const decoy = decoyHash();
  let verifications = 0;

  async function verify(user: string, password: string): Promise<Principal | undefined> {
    const known = byName.get(user);
    verifications++;
    const matches = await verifyPassword(password, known?.hash ?? decoy);
    return matches && known ? { user: known.name, role: known.role } : undefined;
  }

  return {
    async authenticate(header, address) {
      const credentials = parseBasic(header);
      if (!credentials) return { ok: false, why: "missing" };
      const key = createHmac("sha256", cacheKey)
        .update(credentials.user)
        .update("\0")
        .update(credentials.password)
        .digest("base64");
      const known = byName.has(credentials.user);
      const throttle = options.throttle;
      const where = address ?? "unknown";
      // Before the remembered logins: a lookup there would tell a locked-out guesser whether a guess is right.
      if (throttle) {
        const refusal = await throttle.check(credentials.user, where);
        if (refusal.refused)
          return {
            ok: false,
            why: "throttled",
            user: credentials.user,
            known,
            retryAfterSeconds: refusal.retryAfterSeconds,
            by: refusal.by,
          };
      }
      const hit = remembered.get(key);
      if (hit && hit.until > now()) return { ok: true, principal: hit.principal };
      if (hit) remembered.delete(key);
      let pending = inFlight.get(key);
      if (!pending) {
        pending = slots.run(() => verify(credentials.user, credentials.password)).finally(() => inFlight.delete(key));
        inFlight.set(key, pending);
      }
      const principal = await pending;
      if (principal === BUSY) return { ok: false, why: "busy", user: credentials.user };
      if (!principal) {
        const lockout = throttle ? await throttle.failed(credentials.user, where) : { refused: false as const };
        return {
          ok: false,
          why: "wrong",
          user: credentials.user,
          known,
          ...(lockout.refused ? { lockout: { retryAfterSeconds: lockout.retryAfterSeconds, by: lockout.by } } : {}),
        };
      }
      await throttle?.succeeded(credentials.user, where);
      remembered.delete(key);
      remembered.set(key, { principal, until: now() + ttl });
      while (remembered.size > size) {
        const oldest = remembered.keys().next();
        if (oldest.done === true) break;
        remembered.delete(oldest.value);
      }
      return { ok: true, principal };
    },
    stats() {
      return { verifications, remembered: remembered.size };
    },
  };
}
