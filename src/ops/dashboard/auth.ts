// HTTP Basic authentication of the dashboard (issue #5 §1). The browser prompts and resends the
// credentials itself; scripts and Prometheus use basic_auth. scrypt per request would burn a CPU core
// (bull-board polls several endpoints every few seconds), so a successful verification is remembered for a
// few minutes, keyed by an HMAC of the credentials under a per-process key (the cache holds no password,
// and a lookup's timing says nothing about one), in a bounded map. Verifications that miss the cache run
// at most two at once with a bounded queue (semaphore.ts): beyond it the answer is "busy", never a hang.
import { createHmac, randomBytes } from "node:crypto";
import { decoyHash, verifyPassword } from "./password.js";
import { BUSY, createSemaphore } from "./semaphore.js";
import type { DashboardUser, Role } from "./settings.js";

export interface Principal {
  user: string;
  role: Role;
}

/**
 * `missing`: no (readable) Basic credentials; `wrong`: the user or password is wrong (`user` is the name
 * tried, for the log); `busy`: too many verifications at once, nothing was checked — try again shortly.
 */
export type AuthResult = { ok: true; principal: Principal } | { ok: false; why: "missing" } | { ok: false; why: "wrong"; user: string } | { ok: false; why: "busy"; user: string };

export interface Authenticator {
  /** Checks an Authorization header. */
  authenticate(header: string | undefined): Promise<AuthResult>;
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

export function createAuthenticator(users: readonly DashboardUser[], options: AuthenticatorOptions = {}): Authenticator {
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
    async authenticate(header) {
      const credentials = parseBasic(header);
      if (!credentials) return { ok: false, why: "missing" };
      const key = createHmac("sha256", cacheKey).update(credentials.user).update("\0").update(credentials.password).digest("base64");
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
      if (!principal) return { ok: false, why: "wrong", user: credentials.user };
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
