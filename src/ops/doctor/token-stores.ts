// The token stores doctor hands the worker's token provider: an observed one, to tell a token read from the
// fleet's cache from a new one, and a store of its own for when Redis is unreachable.
import type { StoredToken, TokenCooldown, TokenStore } from "../../inter/token-store.js";

/** A store for one process (Redis unreachable): the provider then asks the bank directly. */
export function memoryStore(): TokenStore {
  let token: StoredToken | undefined;
  let cooldown: TokenCooldown | undefined;
  return {
    read: () => Promise.resolve(token),
    write: (t) => {
      token = t;
      return Promise.resolve();
    },
    tryLock: () => Promise.resolve(true),
    unlock: () => Promise.resolve(),
    invalidate: () => Promise.resolve(),
    readCooldown: () => Promise.resolve(cooldown),
    writeCooldown: (c) => {
      cooldown = c;
      return Promise.resolve();
    },
  };
}

/**
 * Wraps a store to learn which token the provider handed out: one it read (cached) or one it wrote (new).
 * With `newerThan`, tokens obtained before that instant are not seen, so the provider asks the bank.
 */
export function observed(
  store: TokenStore,
  newerThan?: number,
): { store: TokenStore; read?: StoredToken; written?: StoredToken } {
  const seen: { store: TokenStore; read?: StoredToken; written?: StoredToken } = { store };
  seen.store = {
    ...store,
    async read() {
      const stored = await store.read();
      const token = stored && (newerThan === undefined || stored.obtainedAt >= newerThan) ? stored : undefined;
      if (token) seen.read = token;
      return token;
    },
    async write(token, now) {
      seen.written = token;
      await store.write(token, now);
    },
  };
  return seen;
}
