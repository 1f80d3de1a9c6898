// OAuth2 client_credentials against `POST /oauth/v2/token` (inter-api.md §2.2): credentials in the form
// body (never HTTP Basic), all four fields, space-separated scopes, over the same mTLS agent.
//
// A token is reused until `expires_in` minus a margin: single-flight inside the process, and shared by
// the whole fleet through a TokenStore (Redis) with a lock, so N workers starting together make one
// token call. A refusal or a 429 from the endpoint is shared too, as a cooldown, so that a fleet with
// wrong credentials does not burn the 5-a-minute budget.
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import type { Logger, SecretRegistry } from "../logger.js";
import {
  InterError,
  InterUnavailableError,
  badResponse,
  errorFromAnswer,
  interError,
} from "./errors.js";
import type { InterHttp } from "./http.js";
import type { StoredToken, TokenStore } from "./token-store.js";

const tokenResponse = z.object({
  access_token: z.string().min(1),
  token_type: z.string().refine((t) => t.toLowerCase() === "bearer", "token_type is not Bearer"),
  expires_in: z.coerce.number().positive(),
  scope: z.string().optional(),
});

export interface TokenProvider {
  readonly scopes: readonly string[];
  /** A bearer token valid for at least the margin. */
  get(): Promise<string>;
  /** The bank refused `token` (401): forget it here and in the fleet cache, unless already replaced. */
  invalidate(token: string): Promise<void>;
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
  /** How long the fleet waits after the endpoint refused our credentials before asking again. */
  refusalCooldownMs?: number;
  now?: () => number;
}

function usable(token: StoredToken | undefined, marginMs: number, now: number): token is StoredToken {
  if (!token) return false;
  const margin = Math.min(marginMs, (token.expiresAt - token.obtainedAt) / 2);
  return token.expiresAt - margin > now;
}

export function createTokenProvider(options: TokenProviderOptions): TokenProvider {
  const { http, store, logger, secrets, marginMs } = options;
  const now = options.now ?? Date.now;
  const lockTtlMs = options.lockTtlMs ?? 45_000;
  const refusalCooldownMs = options.refusalCooldownMs ?? 60_000;
  const scope = options.scopes.join(" ");
  const owner = randomUUID();
  let cached: StoredToken | undefined;
  let inflight: Promise<StoredToken> | undefined;

  async function requestToken(): Promise<StoredToken> {
    const form = new URLSearchParams({
      client_id: options.clientId,
      client_secret: options.clientSecret,
      grant_type: "client_credentials",
      scope,
    });
    const sentAt = now();
    const answer = await http.exchange({
      operation: "token",
      method: "POST",
      path: "/oauth/v2/token",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: form.toString(),
    });
    if (answer.status !== 200) {
      const error = errorFromAnswer({ operation: "token", ...answer });
      const until =
        error.code === "INTER_RATE_LIMITED"
          ? now() + (error.retryAfterMs ?? 60_000)
          : ["INTER_AUTH", "INTER_FORBIDDEN", "INTER_REJECTED"].includes(error.code)
            ? now() + refusalCooldownMs
            : undefined;
      if (until !== undefined && store) {
        await store
          .writeCooldown({ until, code: error.code, message: error.message, status: answer.status }, now())
          .catch(() => undefined);
      }
      throw error;
    }
    let body: z.infer<typeof tokenResponse>;
    try {
      body = tokenResponse.parse(JSON.parse(answer.body));
    } catch (cause) {
      throw badResponse("token", "not a token response", cause, answer.status);
    }
    secrets?.add(body.access_token);
    // Count the lifetime from when we asked, not when the answer came: never overestimate it.
    const token: StoredToken = {
      accessToken: body.access_token,
      obtainedAt: sentAt,
      expiresAt: sentAt + body.expires_in * 1000,
      scope: body.scope ?? scope,
    };
    logger.info({ scope: token.scope, expiresInSeconds: body.expires_in }, "obtained an Inter access token");
    return token;
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
      if (cooldown && cooldown.until > now()) {
        throw interError({
          code: cooldown.code,
          operation: "token",
          retryable: cooldown.code === "INTER_RATE_LIMITED",
          retryAfterMs: cooldown.until - now(),
          ...(cooldown.status === undefined ? {} : { status: cooldown.status }),
          message: `${cooldown.message} (shared by the fleet; next token request in ${String(Math.ceil((cooldown.until - now()) / 1000))} s)`,
        });
      }
      if (await fleet.tryLock(owner, lockTtlMs)) {
        try {
          const again = await fleet.read(); // it may have been written between our read and the lock
          if (usable(again, marginMs, now())) return again;
          const token = await requestToken();
          await fleet.write(token, now());
          return token;
        } finally {
          await fleet.unlock(owner).catch(() => undefined);
        }
      }
      if (now() > deadline) {
        throw new InterUnavailableError({
          code: "INTER_TIMEOUT",
          operation: "token",
          retryable: true,
          message: "token: timed out waiting for another worker process to obtain an Inter token",
        });
      }
      // Another process holds the lock and is asking the bank: poll the cache, gently.
      await sleep(Math.min(200, 20 * 2 ** Math.min(attempt, 4)) + Math.floor(Math.random() * 20));
    }
  }

  async function obtain(): Promise<StoredToken> {
    let token: StoredToken;
    try {
      token = store ? await fromFleet(store) : await requestToken();
    } catch (err) {
      if (err instanceof InterError) throw err;
      // Redis failed under the shared cache: our own error, and nothing was asked of the bank.
      throw new InterUnavailableError({
        code: "INTER_CONNECTION",
        operation: "token",
        retryable: true,
        cause: err,
        message: `token: the shared token cache in Redis is unreachable (${err instanceof Error ? err.message : String(err)})`,
      });
    }
    cached = token;
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
      if (cached?.accessToken === token) cached = undefined;
      if (store) await store.invalidate(token);
    },
  };
}
