// PUT/GET/DELETE /banking/v2/webhooks/pix-pagamento (docs/reference/inter-api.md §5): one webhook URL per account.
import { gate } from "./auth.js";
import type { Authenticate } from "./auth.js";
import type { Handler } from "./context.js";
import { SCOPES } from "./integration.js";
import type { InterDates } from "./inter-dates.js";
import type { Ledger } from "./ledger.js";
import { badRequest, empty, json, notFound, type Reply } from "./problem.js";
import type { LimitBucket, RateLimits } from "./rate-limits.js";
import { violationValue } from "./validation.js";

export const WEBHOOK_ROUTE = "/banking/v2/webhooks/pix-pagamento";

const WEBHOOK_URL_PATTERN = /^https:\/\/[^\s]*$/; // [SPEC-BANKING] WebhookModel.webhookUrl

export interface Webhook {
  url: string;
  createdAt: number;
}

export class WebhookRegistry {
  #byAccount = new Map<string, Webhook>();

  get(account: string): Webhook | undefined {
    return this.#byAccount.get(account);
  }

  set(account: string, url: string, now: number): void {
    this.#byAccount.set(account, { url, createdAt: now });
  }

  delete(account: string): boolean {
    return this.#byAccount.delete(account);
  }

  get size(): number {
    return this.#byAccount.size;
  }
}

export interface WebhookEndpointDeps {
  authenticate: Authenticate;
  limits: RateLimits;
  ledger: Ledger;
  registry: WebhookRegistry;
  dates: InterDates;
  /** Called after a registration, so the emulator starts its wake timer. */
  onRegistered: (now: number) => void;
}

export function createWebhookEndpoints(deps: WebhookEndpointDeps): { put: Handler; get: Handler; delete: Handler } {
  // PUT, GET and DELETE each have 10 a minute of their own (Inter's spec gives each operation its limit).
  function guard(
    ctx: Parameters<Handler>[0],
    scope: string,
    bucket: LimitBucket,
    route: string,
  ): { ok: true; account: string } | { ok: false; reply: Reply } {
    return gate(deps, ctx, scope, bucket, route);
  }

  return {
    put: (ctx) => {
      const g = guard(ctx, SCOPES.webhookWrite, "webhookPut", `PUT ${WEBHOOK_ROUTE}`);
      if (!g.ok) return g.reply;
      let body: unknown;
      try {
        body = JSON.parse(ctx.body);
      } catch {
        body = undefined;
      }
      const url = (body as { webhookUrl?: unknown } | undefined)?.webhookUrl;
      if (typeof url !== "string" || !WEBHOOK_URL_PATTERN.test(url) || !URL.canParse(url)) {
        return badRequest(ctx.now, [
          { razao: 'deve corresponder a "^https://.*$"', propriedade: "webhookUrl", valor: violationValue(url) },
        ]);
      }
      deps.registry.set(g.account, url, ctx.now);
      deps.onRegistered(ctx.now);
      return empty(204);
    },
    get: (ctx) => {
      const g = guard(ctx, SCOPES.webhookRead, "webhookGet", `GET ${WEBHOOK_ROUTE}`);
      if (!g.ok) return g.reply;
      const hook = deps.registry.get(g.account);
      if (!hook) return notFound(ctx.now);
      return json(200, { webhookUrl: hook.url, criacao: deps.dates.offsetDateTime(hook.createdAt) });
    },
    delete: (ctx) => {
      const g = guard(ctx, SCOPES.webhookWrite, "webhookDelete", `DELETE ${WEBHOOK_ROUTE}`);
      if (!g.ok) return g.reply;
      // Inter's spec documents a 404 for this operation: nothing registered to delete.
      if (!deps.registry.delete(g.account)) return notFound(ctx.now);
      return empty(204);
    },
  };
}
