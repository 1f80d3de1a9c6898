// Checks every /banking/v2 call makes, in the order a gateway would: bearer token (401), scope (403),
// then the account header (docs/reference/inter-api.md §2.4).
import { header, type RequestContext } from "./context.js";
import type { Integration } from "./integration.js";
import type { Ledger } from "./ledger.js";
import { badRequest, forbidden, tooManyRequests, unauthorized, type Reply } from "./problem.js";
import type { LimitBucket, RateLimits } from "./rate-limits.js";
import type { IssuedTokens } from "./tokens.js";

export type AuthResult = { ok: true; clientId: string; account: string } | { ok: false; reply: Reply };

const ACCOUNT_PATTERN = /^[1-9][0-9]*$/; // [SPEC-BANKING] parameter xContaCorrente

export type Authenticate = (ctx: RequestContext, scope: string) => AuthResult;

export function createAuthenticator(integration: Integration, tokens: IssuedTokens): Authenticate {
  const accounts = new Set(integration.accounts);
  return (ctx, scope) => {
    const authorization = header(ctx, "authorization") ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    const token = match?.[1];
    // Missing, unknown, revoked and expired tokens look the same to the caller: 401 (spec NaoAutorizado).
    const grant = token === undefined ? undefined : tokens.lookup(token, ctx.now);
    if (!grant) return { ok: false, reply: unauthorized(ctx.now) };
    // Missing scope → 403 per spec (docs/reference/inter-api.md §6.1); UNVERIFIED in practice.
    if (!grant.scopes.has(scope)) {
      return { ok: false, reply: forbidden(ctx.now, `O token não possui o escopo ${scope}.`) };
    }
    const given = header(ctx, "x-conta-corrente");
    if (given === undefined || given === "") {
      // ASSUMPTION (docs/reference/inter-api.md §2.4: the header is needed only when the integration is linked to
      // more than one checking account): with one account it may be omitted; with several it is required (400
      // violation).
      const only = integration.accounts.length === 1 ? integration.accounts[0] : undefined;
      if (only === undefined) {
        return {
          ok: false,
          reply: badRequest(ctx.now, [
            {
              razao: "x-conta-corrente é obrigatório para integrações com mais de uma conta",
              propriedade: "x-conta-corrente",
              valor: "null",
            },
          ]),
        };
      }
      return { ok: true, clientId: grant.clientId, account: only };
    }
    if (!ACCOUNT_PATTERN.test(given)) {
      return {
        ok: false,
        reply: badRequest(ctx.now, [
          { razao: 'deve corresponder a "^[1-9][0-9]*$"', propriedade: "x-conta-corrente", valor: given },
        ]),
      };
    }
    // ASSUMPTION (UNVERIFIED): an account not linked to the integration is an authorisation failure (403).
    if (!accounts.has(given)) {
      return { ok: false, reply: forbidden(ctx.now, "A conta corrente informada não pertence a esta integração.") };
    }
    return { ok: true, clientId: grant.clientId, account: given };
  };
}

export interface GateDeps {
  authenticate: Authenticate;
  limits: RateLimits;
  ledger: Ledger;
}

/**
 * Authentication, then the route's rate limit (per integration), as every /banking/v2 handler starts.
 * A refused call counts against nothing but the ledger.
 */
export function gate(
  deps: GateDeps,
  ctx: RequestContext,
  scope: string,
  bucket: LimitBucket,
  route: string,
): AuthResult {
  const auth = deps.authenticate(ctx, scope);
  if (!auth.ok) return auth;
  const limit = deps.limits.consume(bucket, auth.clientId, ctx.now);
  if (!limit.ok) {
    deps.ledger.rateLimited(route);
    return { ok: false, reply: tooManyRequests(ctx.now, limit.retryAfterSeconds) };
  }
  return auth;
}
