// OAuth2 client_credentials against `POST /oauth/v2/token` (docs/reference/inter-api.md §2.2): credentials in the form
// body (never HTTP Basic), all four fields, space-separated scopes, over the same mTLS agent.
//
// A token is reused until `expires_in` minus a margin: single-flight inside the process, and shared by
// the whole fleet through a TokenStore (Redis) with a lock, so N workers starting together make one
// token call. A failed token call is remembered as a cooldown — in the process always, and in the
// store for the fleet — so that nobody keeps asking while the endpoint says no: a 429 for its
// Retry-After (or a minute), a refusal of our credentials for a minute, an unavailable endpoint for a
// few seconds.
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import type { Logger, SecretRegistry } from "../logger.js";
import {
  InterError,
  InterRateLimitedError,
  InterUnavailableError,
  TokenCacheError,
  badResponse,
  errorFromAnswer,
  interError,
} from "./errors.js";
import type { InterHttp } from "./http.js";
import type { CooldownScope, StoredToken, TokenCooldown, TokenStore } from "./token-store.js";

const tokenResponse = z.object({
  access_token: z.string().min(1),
  // No field of the token answer is marked required in Inter's spec: a missing token_type is a bearer token.
  token_type: z
    .string()
    .refine((t) => t.toLowerCase() === "bearer", "token_type is not Bearer")
    .optional(),
  expires_in: z.coerce.number().positive(),
  scope: z.string().optional(),
});

export interface TokenProvider {
  readonly scopes: readonly string[];
  /** A bearer token valid for at least the margin. */
  get(): Promise<string>;
  /**
   * The bank refused `token` with a 401. Forgets it here and in the fleet cache (unless already
   * replaced) and returns true, so the caller may try once more with a new token — except when `token`
   * itself replaced a refused one moments ago: a second 401 then says something is wrong beyond
   * expiry, and asking again would only burn the 5-a-minute token budget, so it returns false.
   */
  invalidate(token: string): Promise<boolean>;
  /** Stops waiting for other processes' token calls (for shutdown). */
  close(): void;
}

export interface TokenProviderOptions {
  http: InterHttp;
  clientId: string;
  clientSecret: string;
  scopes: readonly string[];
  /** Shared cache; without one the token is cached in this process only. */
  store?: TokenStore;
  /** Refresh this long before expiry (capped at half the token's lifetime). Official SDKs use 60 s. */
  marginMs: number;
  logger: Logger;
  secrets?: SecretRegistry;
  /** How long the lock holder may take to get a token; others wait up to this long plus a little. */
  lockTtlMs?: number;
  /** Cooldown after the endpoint refused our credentials or scopes (400/401/403), or its address (404/410). */
  refusalCooldownMs?: number;
  /** Cooldown after the endpoint was unavailable (5xx, timeout, connection). */
  unavailableCooldownMs?: number;
  /** The longest cooldown a Retry-After can set (PIXOUT_MAX_BANK_WAIT_SECONDS; default 5 minutes). */
  maxCooldownMs?: number;
  /**
   * The fleet's token budget: resolves with 0 when a token call may go now, else how long until one may
   * (the worker shares Inter's 5-a-minute limit through Redis).
   */
  tokenBudget?: () => Promise<number>;
  /** A 401 on a token that replaced a refused one less than this ago does not make us ask again. */
  minTokenAgeForRefreshMs?: number;
  now?: () => number;
}

function usable(token: StoredToken | undefined, marginMs: number, now: number): token is StoredToken {
  if (!token) return false;
  const margin = Math.min(marginMs, (token.expiresAt - token.obtainedAt) / 2);
  return token.expiresAt - margin > now;
}

// The endpoint refused us for a reason a retry cannot change: credentials, scopes, or its address.
const REFUSALS = new Set(["INTER_AUTH", "INTER_FORBIDDEN", "INTER_REJECTED", "INTER_NOT_FOUND", "INTER_GONE"]);

export function createTokenProvider(options: TokenProviderOptions): TokenProvider {
  const { http, store, logger, secrets, marginMs } = options;
  const now = options.now ?? Date.now;
  const lockTtlMs = options.lockTtlMs ?? 45_000;
  const refusalCooldownMs = options.refusalCooldownMs ?? 60_000;
  const unavailableCooldownMs = options.unavailableCooldownMs ?? 5_000;
  const maxCooldownMs = options.maxCooldownMs ?? 300_000;
  const minTokenAgeMs = options.minTokenAgeForRefreshMs ?? 10_000;
  const scope = options.scopes.join(" ");
  const owner = randomUUID();
  let cached: StoredToken | undefined;
  let inflight: Promise<StoredToken> | undefined;
  let localCooldown: TokenCooldown | undefined;
  let closed = false;
  let replacingRefused = false;

  function cooldownError(cooldown: TokenCooldown, where: string): InterError {
    const waitMs = Math.max(0, cooldown.until - now());
    return interError({
      code: cooldown.code,
      operation: "token",
      retryable: !REFUSALS.has(cooldown.code),
      retryAfterMs: waitMs,
      ...(cooldown.status === undefined ? {} : { status: cooldown.status }),
      message: `${cooldown.message} (${where}; next token request in ${String(Math.ceil(waitMs / 1000))} s)`,
    });
  }

  /** What to remember after a failed token call, and for whom. */
  function cooldownFor(error: InterError): { cooldown: TokenCooldown; scope: CooldownScope } {
    const base = {
      code: error.code,
      message: error.message,
      ...(error.status === undefined ? {} : { status: error.status }),
    };
    if (error.code === "INTER_RATE_LIMITED") {
      // Never longer than the cap: one answer with a huge Retry-After must not stop the fleet for a month.
      return {
        cooldown: { ...base, until: now() + Math.min(error.retryAfterMs ?? 60_000, maxCooldownMs) },
        scope: "integration",
      };
    }
    if (REFUSALS.has(error.code))
      return { cooldown: { ...base, until: now() + refusalCooldownMs }, scope: "credentials" };
    // Unavailable: a few seconds, or as long as the bank asks (a 503's Retry-After), never more than the cap.
    const asked = Math.min(error.retryAfterMs ?? 0, maxCooldownMs);
    return { cooldown: { ...base, until: now() + Math.max(unavailableCooldownMs, asked) }, scope: "integration" };
  }

  async function requestToken(): Promise<StoredToken> {
    const form = new URLSearchParams({
      client_id: options.clientId,
      client_secret: options.clientSecret,
      grant_type: "client_credentials",
      scope,
    });
    try {
      const wait = (await options.tokenBudget?.()) ?? 0;
      if (wait > 0) {
        throw new InterRateLimitedError({
          code: "INTER_RATE_LIMITED",
          operation: "token",
          retryable: true,
          retryAfterMs: wait,
          message: `token: the fleet's token budget (PIXOUT_TOKEN_PER_MINUTE) is used up for ${String(Math.ceil(wait / 1000))} s`,
        });
      }
      const sentAt = now();
      const answer = await http.exchange({
        operation: "token",
        method: "POST",
        path: "/oauth/v2/token",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: form.toString(),
      });
      if (answer.status !== 200) throw errorFromAnswer({ operation: "token", ...answer });
      let body: z.infer<typeof tokenResponse>;
      try {
        body = tokenResponse.parse(JSON.parse(answer.body));
      } catch (cause) {
        throw badResponse("token", "not a token response", cause, answer.status);
      }
      secrets?.add(body.access_token);
      localCooldown = undefined;
      logger.info({ scope: body.scope ?? scope, expiresInSeconds: body.expires_in }, "obtained an Inter access token");
      // Count the lifetime from when we asked, not when the answer came: never overestimate it.
      return {
        accessToken: body.access_token,
        obtainedAt: sentAt,
        expiresAt: sentAt + body.expires_in * 1000,
        scope: body.scope ?? scope,
        ...(body.scope === undefined ? { scopeUnconfirmed: true } : {}),
        ...(replacingRefused ? { afterRefusal: true } : {}),
      };
    } catch (err) {
      if (err instanceof InterError) {
        const { cooldown, scope: who } = cooldownFor(err);
        localCooldown = cooldown;
        await store?.writeCooldown(cooldown, who, now()).catch((e: unknown) => {
          logger.warn({ err: e }, "could not share the token cooldown through Redis");
        });
      }
      throw err;
    }
  }

  async function fromFleet(fleet: TokenStore): Promise<StoredToken> {
    const deadline = now() + lockTtlMs + 5_000;
    for (let attempt = 0; ; attempt++) {
      const shared = await fleet.read();
      if (usable(shared, marginMs, now())) {
        secrets?.add(shared.accessToken);
        return shared;
      }
      const cooldown = await fleet.readCooldown();
      if (cooldown && cooldown.until > now()) throw cooldownError(cooldown, "shared by the fleet");
      if (await fleet.tryLock(owner, lockTtlMs)) {
        try {
          const again = await fleet.read(); // it may have been written between our read and the lock
          if (usable(again, marginMs, now())) {
            secrets?.add(again.accessToken);
            return again;
          }
          const token = await requestToken();
          // The bank gave us a token: use it even if sharing it fails (others will ask on their own).
          await fleet.write(token, now()).catch((e: unknown) => {
            logger.warn({ err: e }, "could not share the Inter token through Redis");
          });
          return token;
        } finally {
          await fleet.unlock(owner).catch(() => undefined);
        }
      }
      if (closed || now() > deadline) {
        throw new InterUnavailableError({
          code: "INTER_TIMEOUT",
          operation: "token",
          retryable: true,
          message: closed
            ? "token: shutting down while another worker process was obtaining an Inter token"
            : "token: timed out waiting for another worker process to obtain an Inter token",
        });
      }
      // Another process holds the lock and is asking the bank: poll the cache, gently.
      await sleep(Math.min(200, 20 * 2 ** Math.min(attempt, 4)) + Math.floor(Math.random() * 20));
    }
  }

  async function obtain(): Promise<StoredToken> {
    if (localCooldown && localCooldown.until > now()) throw cooldownError(localCooldown, "remembered by this process");
    let token: StoredToken;
    try {
      token = store ? await fromFleet(store) : await requestToken();
    } catch (err) {
      if (err instanceof InterError) throw err;
      // Redis failed under the shared cache: our own error, and nothing was asked of the bank.
      const init = {
        code: "INTER_CONNECTION",
        operation: "token",
        retryable: true,
        cause: err,
        message: `token: the shared token cache in Redis is unreachable (${err instanceof Error ? err.message : String(err)})`,
      } as const;
      throw new TokenCacheError(init, err);
    }
    cached = token;
    replacingRefused = false;
    return token;
  }

  return {
    scopes: options.scopes,
    async get() {
      if (usable(cached, marginMs, now())) return cached.accessToken;
      inflight ??= obtain().finally(() => {
        inflight = undefined;
      });
      return (await inflight).accessToken;
    },
    async invalidate(token) {
      const known = cached?.accessToken === token ? cached : undefined;
      if (known?.afterRefusal === true && now() - known.obtainedAt < minTokenAgeMs) {
        logger.warn(
          { ageMs: now() - known.obtainedAt },
          "Inter refused the access token that replaced a refused one moments ago; not asking for another yet",
        );
        return false;
      }
      if (known) cached = undefined;
      replacingRefused = true;
      try {
        await store?.invalidate(token);
      } catch (err) {
        logger.warn({ err }, "could not drop the refused token from the shared cache");
      }
      return true;
    },
    close() {
      closed = true;
    },
  };
}
