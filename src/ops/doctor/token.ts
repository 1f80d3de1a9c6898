// Doctor: a token for the configured scopes (INTER_SCOPES), and the scopes the bank granted compared with
// those asked for. It goes through the worker's own token provider and fleet cache in Redis: a token the
// fleet already holds is reused (no call), otherwise one token call is made — under the fleet's token
// budget and cooldowns — and the new token is shared with the workers.
import type { RedisClient } from "../../redis/connections.js";
import type { Config } from "../../config.js";
import { OPERATION_SCOPES } from "../../inter/client.js";
import { InterError } from "../../inter/errors.js";
import type { InterHttp } from "../../inter/http.js";
import { createTokenProvider } from "../../inter/token-provider.js";
import { createRedisTokenStore, tokenKey, type StoredToken } from "../../inter/token-store.js";
import type { Logger, SecretRegistry } from "../../logger.js";
import { createBudgets } from "../../queue/worker/budgets.js";
import { connectionFix, withoutOperation } from "./bank.js";
import { failure, ok, skipped, warning, type Check } from "./check.js";
import { memoryStore, observed } from "./token-stores.js";

function tokenFix(error: InterError, config: Config): string {
  switch (error.code) {
    case "INTER_AUTH":
      return "check INTER_CLIENT_ID and INTER_CLIENT_SECRET against the integration's page in Inter's Internet Banking";
    case "INTER_FORBIDDEN":
      return `tick the scopes ${config.inter.scopes.join(", ")} for the integration in Inter's Internet Banking, or remove from INTER_SCOPES those it does not need`;
    case "INTER_REJECTED":
      // Inter's token endpoint answers wrong credentials with a 400 (its spec documents no 401).
      return "check INTER_CLIENT_ID and INTER_CLIENT_SECRET against the integration's page in Inter's Internet Banking, and INTER_SCOPES (space-separated scope names)";
    case "INTER_RATE_LIMITED":
      return `run pixout doctor again in ${String(Math.ceil((error.retryAfterMs ?? 60_000) / 1000))} s (Inter allows 5 token calls a minute for the whole fleet)`;
    default:
      // The fleet's cache failing under the token call is Redis's problem, not the bank's.
      return /token cache in Redis/.test(error.message)
        ? "check Redis (REDIS_URL) and run pixout doctor again"
        : connectionFix(error, config.inter.baseUrl);
  }
}

/** The bank's own words when it answered (its hint is the fix line), else our message. */
function describeError(error: InterError): string {
  const said = [error.title, error.detail].filter(Boolean).join(" ");
  if (error.status !== undefined && said !== "")
    return `the bank refused the token request: HTTP ${String(error.status)} ${said}`;
  return withoutOperation(error);
}

function minutes(ms: number): string {
  return `${String(Math.max(0, Math.round(ms / 60_000)))} min`;
}

function scopesCheck(token: StoredToken, requested: readonly string[]): Check {
  if (token.scopeUnconfirmed === true) {
    return warning(
      "bank.scopes",
      "granted scopes",
      "the bank's token answer did not say which scopes it granted",
      "a refused scope will show as a 403 on the first payment; check the integration's scopes in Inter's Internet Banking",
    );
  }
  const granted = new Set(token.scope.split(/\s+/).filter(Boolean));
  const missing = requested.filter((s) => !granted.has(s));
  const needed = [...OPERATION_SCOPES.send, ...OPERATION_SCOPES.read].filter((s) => !requested.includes(s));
  if (missing.length > 0) {
    return failure(
      "bank.scopes",
      "granted scopes",
      `asked for ${requested.join(" ")}, the bank granted ${[...granted].join(" ") || "none"}: ${missing.join(" ")} missing`,
      `tick ${missing.join(", ")} for the integration in Inter's Internet Banking`,
    );
  }
  if (needed.length > 0) {
    return warning(
      "bank.scopes",
      "granted scopes",
      `granted ${[...granted].join(" ")}, but INTER_SCOPES lacks ${needed.join(" ")}, which payouts need (the worker would ask for another token, not checked here)`,
      `add ${needed.join(" ")} to INTER_SCOPES`,
    );
  }
  return ok("bank.scopes", "granted scopes", `granted every scope asked for: ${[...granted].join(" ")}`);
}

/**
 * Reconciliation reads the statement, and an account held for insufficient balance is resumed (and the
 * balance guard estimates) from the balance: both scope extrato.read. It is not among the default scopes,
 * since a token call asking for a scope the integration lacks is refused: said here, failed only when a
 * setting that relies on it is on.
 */
function statementScopeCheck(token: StoredToken, requested: readonly string[], config: Config): Check {
  const granted = new Set(token.scope.split(/\s+/).filter(Boolean));
  const [scope] = OPERATION_SCOPES.statement;
  if (granted.has(scope) || requested.includes(scope)) {
    return ok(
      "bank.statement-scope",
      "statement scope",
      `${scope} asked for: pixout reconcile can read the statement, and held accounts resume when their balance allows`,
    );
  }
  const relying = [
    ...(config.worker.reconcile.enabled ? ["PIXOUT_RECONCILE=true"] : []),
    ...(config.worker.balance.guardMaxAgeMs !== undefined ? ["PIXOUT_BALANCE_GUARD=true"] : []),
  ];
  if (relying.length > 0) {
    // The fleet relies on it: the grant must be proved, by asking for it with the token above.
    return failure(
      "bank.statement-scope",
      "statement scope",
      `${relying.join(" and ")}, but ${scope} is not in INTER_SCOPES: the fleet's ${relying.length === 2 ? "reconciliation and balance guard" : config.worker.reconcile.enabled ? "reconciliation" : "balance guard"} cannot be shown to work`,
      `tick the statement scope (${scope}) for the integration in Inter's Internet Banking and add it to INTER_SCOPES (or turn ${relying.map((r) => r.replace("=true", "=false")).join(" and ")})`,
    );
  }
  const hold =
    config.worker.balance.policy.onInsufficientBalance === "hold"
      ? "; an account held for insufficient balance resumes only by pixout resume"
      : "";
  return warning(
    "bank.statement-scope",
    "statement scope",
    `${scope} is not in INTER_SCOPES: pixout reconcile asks for its own token with it, which the bank refuses if the integration lacks the scope${hold}`,
    `tick the statement scope (${scope}) for the integration in Inter's Internet Banking and add it to INTER_SCOPES (docs/operating/reconciliation.md, docs/operating/balance.md)`,
  );
}

export interface TokenCheckOptions {
  config: Config;
  http: InterHttp;
  /** The fleet's Redis; without it the token is neither reused nor shared. */
  redis?: RedisClient;
  logger: Logger;
  secrets: SecretRegistry;
  /** Ask the bank for a new token even when the fleet holds one: only a token call proves the client secret. */
  newToken?: boolean;
  now?: () => number;
}

export async function checkToken(options: TokenCheckOptions): Promise<Check[]> {
  const { config, redis } = options;
  const inter = config.inter;
  const now = options.now ?? Date.now;
  const seen = observed(
    redis ? createRedisTokenStore(redis, tokenKey(inter, inter.scopes), inter.clientSecret) : memoryStore(),
    options.newToken === true ? now() : undefined,
  );
  const budgets = redis ? createBudgets(redis, inter, config.worker.budgets) : undefined;
  const provider = createTokenProvider({
    http: options.http,
    clientId: inter.clientId,
    clientSecret: inter.clientSecret,
    scopes: inter.scopes,
    store: seen.store,
    marginMs: inter.tokenMarginMs,
    logger: options.logger,
    secrets: options.secrets,
    lockTtlMs: inter.connectTimeoutMs + inter.requestTimeoutMs + 5_000,
    ...(budgets ? { tokenBudget: () => budgets.tryTake("token") } : {}),
    now,
  });
  const scope = inter.scopes.join(" ");
  try {
    const accessToken = await provider.get();
    const fresh = seen.written?.accessToken === accessToken;
    const token = fresh ? seen.written : seen.read?.accessToken === accessToken ? seen.read : undefined;
    if (!token)
      return [
        ok("bank.token", "access token", `obtained a token for ${scope}`),
        skipped("bank.scopes", "granted scopes", "the token's scopes are unknown"),
      ];
    const lasts = `valid ${minutes(token.expiresAt - now())} more`;
    const where = fresh
      ? `obtained a new token for ${scope} (one token call), ${redis ? "shared with the fleet through Redis" : "not shared: Redis is unreachable"}`
      : `reused the fleet's token for ${scope} from Redis (no token call; a reused token does not prove INTER_CLIENT_SECRET: --new-token does)`;
    return [
      ok("bank.token", "access token", `${where}; ${lasts}`),
      scopesCheck(token, inter.scopes),
      statementScopeCheck(token, inter.scopes, config),
    ];
  } catch (err) {
    if (!(err instanceof InterError)) throw err;
    const detail = describeError(err);
    const why = "needs a token (see above)";
    // A rate limit says nothing about the credentials: the check could not run now.
    // A rate limit says nothing about the credentials, but the check did not run: not a clean bill.
    const found =
      err.code === "INTER_RATE_LIMITED"
        ? failure(
            "bank.token",
            "access token",
            `could not check now: ${detail}`,
            `${tokenFix(err, config)}; then run pixout doctor again`,
          )
        : failure("bank.token", "access token", detail, tokenFix(err, config));
    return [found, skipped("bank.scopes", "granted scopes", why)];
  } finally {
    provider.close();
  }
}
