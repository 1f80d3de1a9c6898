// The fleet-wide token cache in Redis. Inter allows 5 token calls a minute per integration
// and asks that a token be reused for its hour (docs/reference/inter-api.md §2.2), so every worker process on every
// machine shares one token per scope set, and only the holder of a short lock may ask for a new one.
import { createHash } from "node:crypto";
import type { RedisClient } from "../redis/connections.js";
import type { InterErrorCode } from "./errors.js";
import { integrationKeyPrefix, type Integration } from "./integration-keys.js";

export interface StoredToken {
  accessToken: string;
  /** Epoch ms at which the bank stops accepting it. */
  expiresAt: number;
  obtainedAt: number;
  scope: string;
  /** The bank's answer had no `scope`: `scope` is what we asked for, not what was granted. */
  scopeUnconfirmed?: boolean;
  /** Asked for because the bank refused the previous token with a 401. */
  afterRefusal?: boolean;
}

/** A failed token call, remembered so that the fleet does not hammer the endpoint. */
export interface TokenCooldown {
  until: number;
  code: InterErrorCode;
  message: string;
  status?: number;
}

/**
 * Who a cooldown applies to. A 429 or an unavailable endpoint concerns every process of the
 * integration; a refusal of our credentials concerns only the processes using the same secret (one
 * worker left with a rotated-out secret must not block the others).
 */
export type CooldownScope = "integration" | "credentials";

export interface TokenStore {
  read(): Promise<StoredToken | undefined>;
  write(token: StoredToken, now: number): Promise<void>;
  tryLock(owner: string, ttlMs: number): Promise<boolean>;
  unlock(owner: string): Promise<void>;
  /** Deletes the shared token only if it is still `accessToken` (a newer one is kept). */
  invalidate(accessToken: string): Promise<void>;
  /** The cooldown that applies to us, if any (the later one when both scopes have one). */
  readCooldown(): Promise<TokenCooldown | undefined>;
  writeCooldown(cooldown: TokenCooldown, scope: CooldownScope, now: number): Promise<void>;
}

function fingerprint(parts: readonly string[]): string {
  return createHash("sha256").update(parts.join("\n")).digest("hex").slice(0, 24);
}

/**
 * Key of one integration's token for one scope set (the secret is not part of it), under the integration's
 * keys (src/inter/integration-keys.ts): the token, its lock and its cooldowns share its Redis Cluster slot,
 * and every deployment on the integration shares the token.
 */
export function tokenKey(integration: Integration, scopes: readonly string[]): string {
  return `${integrationKeyPrefix(integration)}:token:${fingerprint([[...scopes].sort().join(" ")])}`;
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

function asCooldown(value: unknown): TokenCooldown | undefined {
  const c = value as Partial<TokenCooldown> | undefined;
  return c && typeof c.until === "number" && typeof c.code === "string" && typeof c.message === "string"
    ? (c as TokenCooldown)
    : undefined;
}

/** `clientSecret` only feeds a hash that names the credentials' own cooldown key. */
export function createRedisTokenStore(redis: RedisClient, key: string, clientSecret: string): TokenStore {
  const lockKey = `${key}:lock`;
  const cooldownKeys: Record<CooldownScope, string> = {
    integration: `${key}:cooldown`,
    credentials: `${key}:refused:${fingerprint([clientSecret])}`,
  };
  const ttl = (until: number, now: number): number => Math.floor(until - now);
  return {
    async read() {
      const token = parseJson(await redis.get(key)) as Partial<StoredToken> | undefined;
      return token && typeof token.accessToken === "string" && typeof token.expiresAt === "number"
        ? (token as StoredToken)
        : undefined;
    },
    async write(token, now) {
      const ms = ttl(token.expiresAt, now);
      if (ms > 0) await redis.set(key, JSON.stringify(token), "PX", ms);
    },
    async tryLock(owner, ttlMs) {
      return (await redis.set(lockKey, owner, "PX", Math.max(1, Math.floor(ttlMs)), "NX")) === "OK";
    },
    async unlock(owner) {
      await redis.eval(DELETE_IF_OWNER, 1, lockKey, owner);
    },
    async invalidate(accessToken) {
      await redis.eval(DELETE_IF_TOKEN, 1, key, accessToken);
    },
    async readCooldown() {
      const [shared, own] = await redis.mget(cooldownKeys.integration, cooldownKeys.credentials);
      const found = [asCooldown(parseJson(shared ?? null)), asCooldown(parseJson(own ?? null))].filter(
        (c): c is TokenCooldown => c !== undefined,
      );
      return found.sort((a, b) => b.until - a.until)[0];
    },
    async writeCooldown(cooldown, scope, now) {
      const ms = ttl(cooldown.until, now);
      if (ms > 0) await redis.set(cooldownKeys[scope], JSON.stringify(cooldown), "PX", ms);
    },
  };
}
