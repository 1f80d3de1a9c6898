// POST /banking/v2/pix (send) and GET /banking/v2/pix/{codigoSolicitacao} (query): docs/reference/inter-api.md §3, §4.
import { gate } from "./auth.js";
import type { Logger } from "../logger.js";
import { maskPixKey } from "../payments/mask.js";
import { LOWER_CASE_UUID, UUID } from "../payments/uuid.js";
import type { Authenticate } from "./auth.js";
import { header, type Handler } from "./context.js";
import { IdempotencyStore } from "./idempotency.js";
import { SCOPES } from "./integration.js";
import type { InterDates } from "./inter-dates.js";
import type { Ledger } from "./ledger.js";
import type { ForcedOutcome, PaymentBook } from "./payment-book.js";
import { consultaBody, postResponse } from "./payment-views.js";
import { badRequest, json, notFound, problem, unprocessable, type Reply } from "./problem.js";
import type { RateLimits } from "./rate-limits.js";
import { validatePixRequest } from "./validation.js";

const SEND_ROUTE = "POST /banking/v2/pix";
const STATUS_ROUTE = "GET /banking/v2/pix/{id}";

/** Only payments from the last 90 days can be queried (docs/reference/inter-api.md §4). */
const QUERY_WINDOW_MS = 90 * 86_400_000;

export interface PixEndpointDeps {
  authenticate: Authenticate;
  limits: RateLimits;
  ledger: Ledger;
  book: PaymentBook;
  dates: InterDates;
  idempotency: IdempotencyStore;
  /** false = the bank "forgets" x-id-idempotente (chaos tests show what a client then risks). */
  idempotencyEnabled: boolean;
  approvalRequired: boolean;
  acceptStringValor: boolean;
  /** Called after a payment was created, so instant transitions and callbacks happen now. */
  onChange: (now: number) => void;
  logger: Logger;
}

function describeRecipient(body: unknown): string {
  const d = (body as { destinatario?: { tipo?: unknown; chave?: unknown } }).destinatario;
  if (d?.tipo === "CHAVE" && typeof d.chave === "string") return `chave ${maskPixKey(d.chave)}`;
  return String(d?.tipo);
}

/**
 * Order of the checks (docs/reference/emulator.md): bearer token and scope (401/403), account header (400/403),
 * rate limit (429), `x-id-idempotente` format (400), JSON parse (400), then the idempotency store —
 * a replay gets the original answer and a reuse with another body a 409 — and only then the business
 * validation of a new request (400/422). ASSUMPTION (UNVERIFIED, docs/reference/inter-api.md §3.1): Inter checks
 * idempotency before validating, so a retry of an executed payment is answered even when its body would no longer
 * pass (e.g. after midnight its `dataPagamento` is in the past).
 */
export function createSendEndpoint(deps: PixEndpointDeps): Handler {
  return (ctx): Reply => {
    const auth = gate(deps, ctx, SCOPES.pixWrite, "send", SEND_ROUTE);
    if (!auth.ok) return auth.reply;
    const key = header(ctx, "x-id-idempotente");
    if (key !== undefined && !LOWER_CASE_UUID.test(key)) {
      return badRequest(ctx.now, [
        {
          razao: 'deve corresponder a "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"',
          propriedade: "x-id-idempotente",
          valor: key,
        },
      ]);
    }
    // ASSUMPTION (UNVERIFIED): the Content-Type header is not checked; the body must be JSON.
    let body: unknown;
    try {
      body = JSON.parse(ctx.body);
    } catch {
      return badRequest(ctx.now, [
        { razao: "O corpo da requisição não é um JSON válido", propriedade: "body", valor: ctx.body.slice(0, 100) },
      ]);
    }
    const useKey = key !== undefined && deps.idempotencyEnabled;
    const fingerprint = useKey ? IdempotencyStore.fingerprint(auth.account, body) : "";
    if (useKey) {
      const found = deps.idempotency.lookup(auth.clientId, key, fingerprint);
      if (found.kind === "replay") {
        deps.ledger.replay();
        return found.reply;
      }
      if (found.kind === "conflict") {
        deps.ledger.conflict();
        // ASSUMPTION (UNVERIFIED, docs/reference/inter-api.md §3.1, §6.1): Inter documents no 409; we refuse a
        // reused key with another body.
        return problem(
          ctx.now,
          409,
          "Conflito.",
          `O x-id-idempotente ${key} já foi usado com outro conteúdo (codigoSolicitacao ${found.codigoSolicitacao}).`,
        );
      }
    }
    const today = deps.dates.today(ctx.now);
    const validation = validatePixRequest(body, { today, acceptStringValor: deps.acceptStringValor });
    if (!validation.ok) {
      return validation.kind === "invalid"
        ? badRequest(ctx.now, validation.violacoes)
        : unprocessable(ctx.now, validation.title, validation.detail);
    }
    const m = ctx.modifiers;
    const forced: ForcedOutcome | undefined =
      m.finalStatus ?? (m.insufficientBalance === true ? { status: "CANCELADO_SEM_SALDO" } : undefined);
    const record = deps.book.create({
      now: ctx.now,
      account: auth.account,
      clientId: auth.clientId,
      idempotencyKey: key,
      request: validation.value,
      today,
      approvalRequired: deps.approvalRequired || m.approvalRequired === true,
      forced,
    });
    deps.ledger.execution(key);
    const reply = json(200, postResponse(record));
    if (useKey) deps.idempotency.remember(auth.clientId, key, fingerprint, reply, record.codigoSolicitacao);
    if (deps.logger.isLevelEnabled("debug")) {
      deps.logger.debug(
        {
          codigoSolicitacao: record.codigoSolicitacao,
          amountCents: record.request.amountCents,
          tipoRetorno: record.tipoRetorno,
        },
        `payment created for ${describeRecipient(body)}`,
      );
    }
    deps.onChange(ctx.now);
    return reply;
  };
}

export function createStatusEndpoint(
  deps: Pick<PixEndpointDeps, "authenticate" | "limits" | "ledger" | "book" | "dates">,
): Handler {
  return (ctx): Reply => {
    const auth = gate(deps, ctx, SCOPES.pixRead, "status", STATUS_ROUTE);
    if (!auth.ok) return auth.reply;
    const id = ctx.params["id"] ?? "";
    if (!UUID.test(id)) {
      return badRequest(ctx.now, [
        { razao: "codigoSolicitacao deve ser um UUID", propriedade: "codigoSolicitacao", valor: id },
      ]);
    }
    const record = deps.book.get(id);
    // Another account's payment is "not found" for this caller, as is one older than the window.
    if (!record || record.account !== auth.account || ctx.now - record.createdAt > QUERY_WINDOW_MS)
      return notFound(ctx.now);
    return json(200, consultaBody(record, ctx.now, deps.dates, ctx.modifiers.unknownStatus));
  };
}
