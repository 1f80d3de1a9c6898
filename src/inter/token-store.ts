// The fleet-wide token cache in Redis (issue #2 §3). Inter allows 5 token calls a minute per integration
// and asks that a token be reused for its hour (inter-api.md §2.2), so every worker process on every
// machine shares one token per scope set, and only the holder of a short lock may ask for a new one.
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import type { InterErrorCode } from "./errors.js";

export interface StoredToken {
  accessToken: string;
  /** Epoch ms at which the bank stops accepting it. */
  expiresAt: number;
  obtainedAt: number;
  scope: string;
}

/** A refusal or a 429 from the token endpoint, shared so that the fleet does not hammer it. */
export interface TokenCooldown {
  until: number;
  code: InterErrorCode;
  message: string;
  status?: number;
}

export interface TokenStore {
  read(): Promise<StoredToken | undefined>;
  write(token: StoredToken, now: number): Promise<void>;
  tryLock(owner: string, ttlMs: number): Promise<boolean>;
  unlock(owner: string): Promise<void>;
  /** Deletes the shared token only if it is still `accessToken` (a newer one is kept). */
  invalidate(accessToken: string): Promise<void>;
  readCooldown(): Promise<TokenCooldown | undefined>;
  writeCooldown(cooldown: TokenCooldown, now: number): Promise<void>;
}

/** Key of one integration's token for one scope set; the secret is not part of it. */
export function tokenKey(prefix: string, baseUrl: string, clientId: string, scopes: readonly string[]): string {
  const fingerprint = createHash("sha256")
    .update([baseUrl, clientId, [...scopes].sort().join(" ")].join("\n"))
    .digest("hex")
    .slice(0, 24);
  return `${prefix}:inter-token:${fingerprint}`;
}

const DELETE_IF_TOKEN = `
local v = redis.call('GET', KEYS[1])
if v and cjson.decode(v).accessToken == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;
const DELETE_IF_OWNER = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

function parseJson(text: string | null): unknown {
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function createRedisTokenStore(redis: Redis, key: string): TokenStore {
  const lockKey = `${key}:lock`;
  const cooldownKey = `${key}:cooldown`;
  return {
    async read() {
      const token = parseJson(await redis.get(key)) as Partial<StoredToken> | undefined;
      return token && typeof token.accessToken === "string" && typeof token.expiresAt === "number"
        ? (token as StoredToken)
        : undefined;
    },
    async write(token, now) {
      const ttl = token.expiresAt - now;
      if (ttl > 0) await redis.set(key, JSON.stringify(token), "PX", ttl);
    },
    async tryLock(owner, ttlMs) {
      return (await redis.set(lockKey, owner, "PX", ttlMs, "NX")) === "OK";
    },
    async unlock(owner) {
      await redis.eval(DELETE_IF_OWNER, 1, lockKey, owner);
    },
    async invalidate(accessToken) {
      await redis.eval(DELETE_IF_TOKEN, 1, key, accessToken);
    },
    async readCooldown() {
      const cooldown = parseJson(await redis.get(cooldownKey)) as Partial<TokenCooldown> | undefined;
      return cooldown && typeof cooldown.until === "number" && typeof cooldown.code === "string"
        ? (cooldown as TokenCooldown)
        : undefined;
    },
    async writeCooldown(cooldown, now) {
      const ttl = cooldown.until - now;
      if (ttl > 0) await redis.set(cooldownKey, JSON.stringify(cooldown), "PX", ttl);
    },
  };
}
