// GET  /banking/v2/webhooks/pix-pagamento/callbacks        — attempts listing (docs/reference/inter-api.md §5.3)
// POST /banking/v2/webhooks/pix-pagamento/callbacks/retry  — re-send callbacks of given payments
import { gate } from "./auth.js";
import { parseOffsetDateTime } from "../payments/calendar.js";
import { UUID } from "../payments/uuid.js";
import type { Authenticate } from "./auth.js";
import type { CallbackAttempt, CallbackDispatcher } from "./callbacks.js";
import type { Handler } from "./context.js";
import { SCOPES } from "./integration.js";
import type { InterDates } from "./inter-dates.js";
import type { Ledger } from "./ledger.js";
import type { PaymentBook } from "./payment-book.js";
import { finalStep } from "./payment-state.js";
import { callbackItem } from "./payment-views.js";
import { badRequest, json, type Violacao } from "./problem.js";
import type { RateLimits } from "./rate-limits.js";
import type { WebhookRegistry } from "./webhooks.js";

const CALLBACKS_ROUTE = "GET /banking/v2/webhooks/pix-pagamento/callbacks";
const CALLBACK_RETRY_ROUTE = "POST /banking/v2/webhooks/pix-pagamento/callbacks/retry";

export interface CallbackEndpointDeps {
  authenticate: Authenticate;
  limits: RateLimits;
  ledger: Ledger;
  dispatcher: CallbackDispatcher;
  registry: WebhookRegistry;
  book: PaymentBook;
  dates: InterDates;
}

function attemptItem(a: CallbackAttempt): Record<string, unknown> {
  return {
    webhookUrl: a.webhookUrl,
    payload: a.payload,
    numeroTentativa: a.numeroTentativa,
    dataEnvio: a.dataEnvio,
    // The official Java SDK reads `dataHoraDisparo` for the same instant (docs/reference/inter-api.md §5.3);
    // we send both.
    dataHoraDisparo: a.dataEnvio,
    sucesso: a.sucesso,
    httpStatus: a.httpStatus,
    mensagemErro: a.mensagemErro,
  };
}

export function createCallbackEndpoints(deps: CallbackEndpointDeps): { list: Handler; retry: Handler } {
  return {
    list: (ctx) => {
      const auth = gate(deps, ctx, SCOPES.webhookRead, "callbacks", CALLBACKS_ROUTE);
      if (!auth.ok) return auth.reply;
      const q = new URLSearchParams(ctx.query);
      const violacoes: Violacao[] = [];
      const instant = (name: string): number | undefined => {
        const text = q.get(name);
        const at = text === null ? undefined : parseOffsetDateTime(text);
        if (at === undefined) {
          violacoes.push({
            razao: `${name} é obrigatório no formato yyyy-MM-dd'T'HH:mm[:ss][.SSS]XXX`,
            propriedade: name,
            valor: text ?? "null",
          });
        }
        return at;
      };
      const from = instant("dataHoraInicio");
      const to = instant("dataHoraFim");
      const int = (name: string, fallback: number, min: number, max: number): number => {
        const text = q.get(name);
        if (text === null) return fallback;
        const n = /^\d+$/.test(text) ? Number(text) : NaN;
        if (!(n >= min && n <= max)) {
          violacoes.push({
            razao: `${name} deve ser um inteiro entre ${min} e ${max}`,
            propriedade: name,
            valor: text,
          });
          return fallback;
        }
        return n;
      };
      const pagina = int("pagina", 0, 0, Number.MAX_SAFE_INTEGER);
      const tamanhoPagina = int("tamanhoPagina", 20, 10, 50);
      if (violacoes.length > 0 || from === undefined || to === undefined) return badRequest(ctx.now, violacoes);
      const endToEnd = q.get("endToEnd");
      const matching = deps.dispatcher
        .attempts()
        .filter(
          (a) =>
            a.account === auth.account &&
            a.sentAt >= from &&
            a.sentAt <= to &&
            (endToEnd === null || a.payload.some((item) => item["endToEnd"] === endToEnd)),
        )
        .reverse(); // newest first (docs/reference/inter-api.md §5.3)
      const totalElementos = matching.length;
      const totalPaginas = Math.ceil(totalElementos / tamanhoPagina);
      const data = matching.slice(pagina * tamanhoPagina, (pagina + 1) * tamanhoPagina).map(attemptItem);
      return json(200, {
        totalElementos,
        totalPaginas,
        primeiraPagina: pagina === 0,
        ultimaPagina: pagina >= totalPaginas - 1,
        tamanhoPagina,
        numeroDeElementos: data.length,
        data,
      });
    },

    retry: (ctx) => {
      const auth = gate(deps, ctx, SCOPES.webhookWrite, "callbackRetry", CALLBACK_RETRY_ROUTE);
      if (!auth.ok) return auth.reply;
      let body: unknown;
      try {
        body = ctx.body.trim() === "" ? undefined : JSON.parse(ctx.body);
      } catch {
        body = undefined;
      }
      if (body === undefined || body === null) {
        return badRequest(ctx.now, [
          { razao: "Required Body [body] not specified.", propriedade: "body", valor: "null" },
        ]);
      }
      // ASSUMPTION (UNVERIFIED, docs/reference/inter-api.md §5.3): the wire shape is
      // {"codigoSolicitacao": [uuid, …]} (1 to 50 ids).
      const ids = (body as { codigoSolicitacao?: unknown }).codigoSolicitacao;
      if (
        !Array.isArray(ids) ||
        ids.length < 1 ||
        ids.length > 50 ||
        !ids.every((id) => typeof id === "string" && UUID.test(id))
      ) {
        return badRequest(ctx.now, [
          {
            razao: "codigoSolicitacao deve ser uma lista de 1 a 50 UUIDs",
            propriedade: "codigoSolicitacao",
            valor: JSON.stringify(ids ?? null),
          },
        ]);
      }
      const items: Record<string, unknown>[] = [];
      const foundIds: string[] = [];
      for (const id of ids as string[]) {
        const record = deps.book.get(id);
        const final = record ? finalStep(record.state) : undefined;
        if (!record || record.account !== auth.account || !final || final.at > ctx.now) continue;
        foundIds.push(record.codigoSolicitacao);
        items.push(callbackItem(record, final.status, final.at, deps.dates));
      }
      const hook = deps.registry.get(auth.account);
      if (hook && items.length > 0) deps.dispatcher.deliver(auth.account, hook.url, items);
      return json(200, { foundIds });
    },
  };
}
