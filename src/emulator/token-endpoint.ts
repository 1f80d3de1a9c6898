// POST /oauth/v2/token (docs/reference/inter-api.md §2.2): OAuth2 client credentials, credentials in a form body,
// a required space-separated scope, 5 calls a minute.
import { header, type Handler, type RequestContext } from "./context.js";
import type { Integration } from "./integration.js";
import type { Ledger } from "./ledger.js";
import { badRequest, json, problem, tooManyRequests, type Reply, type Violacao } from "./problem.js";
import type { RateLimits } from "./rate-limits.js";
import type { IssuedTokens } from "./tokens.js";

const TOKEN_ROUTE = "POST /oauth/v2/token";

/**
 * Statuses for refused token calls, kept in one place. Inter's token spec documents 400, 403, 404 and 503
 * for this endpoint, and no 401:
 *  - malformed request (content type, missing field, grant type): 400;
 *  - wrong client_id/client_secret: 400 too (the spec's "bad request"; there is no 401 to give);
 *  - a scope not ticked for the integration: 403 (the spec's "authenticated but violating an
 *    authorisation rule").
 * ASSUMPTION (UNVERIFIED): the spec gives no bodies for them; ours are Inter's `Problema` shape.
 */
export const TOKEN_ERROR_STATUS = { malformed: 400, badCredentials: 400, unregisteredScope: 403 } as const;

const REQUIRED_FIELDS = ["client_id", "client_secret", "grant_type", "scope"] as const;

export interface TokenEndpointDeps {
  integration: Integration;
  tokens: IssuedTokens;
  limits: RateLimits;
  ledger: Ledger;
  tokenTtlSeconds: number;
}

function malformed(now: number, violacoes: Violacao[]): Reply {
  return { ...badRequest(now, violacoes), status: TOKEN_ERROR_STATUS.malformed };
}

export function createTokenEndpoint(deps: TokenEndpointDeps): Handler {
  const { integration } = deps;
  const registered = new Set(integration.scopes);

  return (ctx: RequestContext): Reply => {
    const contentType = (header(ctx, "content-type") ?? "").toLowerCase();
    const form = new URLSearchParams(contentType.startsWith("application/x-www-form-urlencoded") ? ctx.body : "");
    // Every call counts toward the 5/min, including refused ones.
    const limit = deps.limits.consume("token", form.get("client_id") ?? "", ctx.now);
    if (!limit.ok) {
      deps.ledger.tokenCall(false);
      deps.ledger.rateLimited(TOKEN_ROUTE);
      return tooManyRequests(ctx.now, limit.retryAfterSeconds);
    }
    const reply = issue(ctx, contentType, form);
    deps.ledger.tokenCall(reply.status === 200);
    return reply;
  };

  function issue(ctx: RequestContext, contentType: string, form: URLSearchParams): Reply {
    if (!contentType.startsWith("application/x-www-form-urlencoded")) {
      // Credentials go in a form body, never JSON or Basic auth (docs/reference/inter-api.md §2.2, §8).
      return malformed(ctx.now, [
        {
          razao: "O Content-Type deve ser application/x-www-form-urlencoded",
          propriedade: "Content-Type",
          valor: contentType || "null",
        },
      ]);
    }
    const missing = REQUIRED_FIELDS.filter((f) => (form.get(f) ?? "").trim() === "");
    if (missing.length > 0) {
      return malformed(
        ctx.now,
        missing.map((f) => ({ razao: `O campo ${f} é obrigatório`, propriedade: f, valor: "null" })),
      );
    }
    const grantType = form.get("grant_type") ?? "";
    if (grantType !== "client_credentials") {
      return malformed(ctx.now, [
        { razao: "grant_type deve ser client_credentials", propriedade: "grant_type", valor: grantType },
      ]);
    }
    if (form.get("client_id") !== integration.clientId || form.get("client_secret") !== integration.clientSecret) {
      return problem(
        ctx.now,
        TOKEN_ERROR_STATUS.badCredentials,
        "Requisição inválida.",
        "client_id ou client_secret inválido.",
      );
    }
    const scopes = (form.get("scope") ?? "").split(/\s+/).filter((s) => s.length > 0);
    const unregistered = scopes.filter((s) => !registered.has(s));
    if (unregistered.length > 0) {
      return problem(
        ctx.now,
        TOKEN_ERROR_STATUS.unregisteredScope,
        "Acesso Negado",
        `Escopo não autorizado para esta integração: ${unregistered.join(" ")}`,
      );
    }
    const granted = [...new Set(scopes)];
    const { token } = deps.tokens.issue(integration.clientId, granted, ctx.now, deps.tokenTtlSeconds);
    return json(200, {
      access_token: token,
      token_type: "Bearer",
      expires_in: deps.tokenTtlSeconds,
      scope: granted.join(" "),
    });
  }
}
