// Banco Inter's Banking API, the calls pixout makes (docs/reference/inter-api.md):
//   POST   /banking/v2/pix                       send a Pix            (pagamento-pix.write)
//   GET    /banking/v2/pix/{codigoSolicitacao}   its status            (pagamento-pix.read)
//   PUT/GET/DELETE /banking/v2/webhooks/pix-pagamento                  (webhook-banking.write/read)
//   GET    /banking/v2/webhooks/pix-pagamento/callbacks                 Inter's record of its deliveries
//   POST   /banking/v2/webhooks/pix-pagamento/callbacks/retry           deliver some again (production only)
// Each call: one token from the broker; a 401 invalidates that token and the call is made once more
// with a fresh one (a 401 means nothing executed; the send also carries the same x-id-idempotente).
// Every other failure is thrown as an InterError for the caller's retry policy. A gate, when given, is
// passed before every exchange — the retry after a 401 included — so that calls stay within the fleet's
// budgets.
import type { Logger } from "../logger.js";
import { formatOffsetDateTime } from "../payments/calendar.js";
import { scrubBankText } from "../payments/mask.js";
import { centsFromBankNumber, centsFromBankString } from "../payments/money.js";
import { InterNotFoundError, badResponse, errorFromAnswer, type InterOperation } from "./errors.js";
import type { InterHttp, InterRequest, InterResponse } from "./http.js";
import { IDEMPOTENCY_KEY, personalValues, pixRequestBody, type PixOrder } from "../payments/pix-request.js";
import {
  balanceAnswer,
  balanceOf,
  statementAnswer,
  statementPageOf,
  statementQueryString,
  type Balance,
  type StatementPage,
  type StatementQuery,
} from "./statement.js";
import {
  callbackPageAnswer,
  callbackRetryAnswer,
  getPixAnswer,
  sendPixAnswer,
  webhookAnswer,
  type PixErrorDetail,
} from "./schemas.js";
import type { TokenBroker } from "./token-broker.js";

/** The scope each call needs (docs/reference/inter-api.md §2.3). */
export const OPERATION_SCOPES = {
  send: ["pagamento-pix.write"],
  read: ["pagamento-pix.read"],
  webhookWrite: ["webhook-banking.write"],
  webhookRead: ["webhook-banking.read"],
  statement: ["extrato.read"],
} as const;

/**
 * A statement page holds up to 10,000 entries of about a KiB each (Inter's maximum page): far above the few
 * KiB of every other answer, whose cap stays.
 */
const STATEMENT_MAX_BODY_BYTES = 32 * 1024 * 1024;

export interface SentPix {
  /** PROCESSADO, APROVACAO or AGENDADO (any other string is kept as is); absent when the bank left it out. */
  tipoRetorno?: string;
  codigoSolicitacao: string;
  dataPagamento?: string;
  dataOperacao?: string;
  endToEndId?: string;
}

export interface PixStatus {
  codigoSolicitacao: string;
  /** Inter's status string, known or not (docs/reference/inter-api.md §4.1). */
  status: string;
  endToEndId?: string;
  amountCents?: number;
  /** The Pix key the bank paid to, when it says (`chave`). */
  key?: string;
  movedAt?: string;
  requestedAt?: string;
  errors: PixErrorDetail[];
  history: { status: string; at?: string }[];
}

export interface WebhookRegistration {
  webhookUrl: string;
  createdAt?: string;
}

/** See CallOptions.beforeAttempt; both in performance.now() time. */
export interface AttemptTiming {
  gatePassedAt?: number;
  sendBy?: number;
}

export interface CallOptions {
  /** `x-conta-corrente`, when the integration has more than one account (overrides the default). */
  account?: string;
  /**
   * Called right before each exchange of this call (`attempt` 2 is the retry after a 401), after its
   * token is ready; a throw stops the call before anything is sent. The worker checks there that its
   * lock is fresh and, for a retry, the fleet's gate; it answers when the gate let this attempt go
   * (performance.now(), so that the time to the socket is measured) and by when the request must have
   * left (a request handed its socket later is stopped unwritten: RequestNotSentError).
   */
  beforeAttempt?: (attempt: number) => Promise<AttemptTiming | undefined>;
  /** The payment's personal values (its key, document, name…): masked wherever the bank's texts quote them. */
  personal?: readonly string[];
}

/** One delivery attempt of Inter's callbacks, as its listing reports it. */
export interface CallbackDelivery {
  webhookUrl?: string;
  /** Inter's attempt number of this delivery (1 = the first). */
  attempt?: number;
  /** When Inter sent it, as Inter writes it. */
  sentAt?: string;
  delivered?: boolean;
  httpStatus?: number;
  error?: string;
  /** The body Inter sent: an array of callback items (personal data inside: never print it as is). */
  payload: unknown;
}

export interface CallbackPage {
  deliveries: CallbackDelivery[];
  /** No page after this one. */
  last: boolean;
  total?: number;
}

export interface CallbackQuery {
  /** Epoch ms, inclusive. */
  from: number;
  to: number;
  /** 0-based. */
  page: number;
  /** 10 to 50. */
  pageSize: number;
}

/**
 * Passed before each exchange with the bank (`attempt` 2 is the retry after a 401), and told of a 429:
 * where the fleet's budgets keep calls within Inter's limits.
 */
export interface CallGate {
  before(operation: InterOperation, attempt: number): Promise<void>;
  rateLimited?(operation: InterOperation, retryAfterMs: number | undefined): Promise<void>;
}

export interface InterClient {
  sendPix(order: PixOrder, idempotencyKey: string, options?: CallOptions): Promise<SentPix>;
  getPix(codigoSolicitacao: string, options?: CallOptions): Promise<PixStatus>;
  registerWebhook(webhookUrl: string, options?: CallOptions): Promise<void>;
  getWebhook(options?: CallOptions): Promise<WebhookRegistration | undefined>;
  /** false when no webhook was registered (Inter answers 404). */
  deleteWebhook(options?: CallOptions): Promise<boolean>;
  listCallbacks(query: CallbackQuery, options?: CallOptions): Promise<CallbackPage>;
  /** Asks Inter to deliver again the callbacks of up to 50 payments; resolves with the ids it found (undefined: it did not say). */
  retryCallbacks(codigos: readonly string[], options?: CallOptions): Promise<string[] | undefined>;
  /** One page of the enriched statement (src/inter/statement.ts). */
  getStatementPage(query: StatementQuery, options?: CallOptions): Promise<StatementPage>;
  /** The account's balance (today's, or at the end of `date`). */
  getBalance(date?: string, options?: CallOptions): Promise<Balance>;
  /**
   * Has a token ready for the operation (from the cache, or fetched now). The worker calls it before its
   * rate-limit gate, so a token fetch never sits between the gate and the call it spaces. Errors are
   * left to the call itself, which reports them.
   */
  prepare(operation: keyof typeof OPERATION_SCOPES): Promise<void>;
}

export interface InterClientOptions {
  http: InterHttp;
  tokens: TokenBroker;
  logger: Logger;
  /** Default `x-conta-corrente` (INTER_ACCOUNT). */
  account?: string;
  gate?: CallGate;
  /**
   * The account header of the statement and balance calls: Inter defines `x-conta-corrente`, its own
   * examples write `x-inter-conta-corrente` (UNVERIFIED which one it reads): INTER_STATEMENT_ACCOUNT_HEADER.
   */
  statementAccountHeader?: "x-conta-corrente" | "x-inter-conta-corrente";
}

function parseJson<T>(operation: InterOperation, answer: InterResponse, schema: { parse(v: unknown): T }): T {
  try {
    return schema.parse(JSON.parse(answer.body));
  } catch (cause) {
    throw badResponse(
      operation,
      answer.body.trim() === "" ? "empty body" : "not the documented JSON",
      cause,
      answer.status,
    );
  }
}

export function createInterClient(options: InterClientOptions): InterClient {
  const { http, tokens, logger } = options;

  /** One call with a token; `personal` values are masked if the bank's error texts quote them. */
  async function call(
    req: InterRequest,
    scopes: readonly string[],
    expected: "200" | "2xx",
    callOptions: CallOptions | undefined,
    personal: readonly string[] = [],
  ): Promise<InterResponse> {
    const provider = tokens.providerFor(scopes);
    const account = callOptions?.account ?? options.account;
    const accountHeader =
      req.operation === "statement" || req.operation === "balance"
        ? (options.statementAccountHeader ?? "x-conta-corrente")
        : "x-conta-corrente";
    for (let attempt = 1; ; attempt++) {
      const token = await provider.get();
      await options.gate?.before(req.operation, attempt);
      const timing = await callOptions?.beforeAttempt?.(attempt);
      const answer = await http.exchange({
        ...req,
        ...(timing?.gatePassedAt === undefined ? {} : { gatePassedAt: timing.gatePassedAt }),
        ...(timing?.sendBy === undefined ? {} : { sendBy: timing.sendBy }),
        headers: {
          ...req.headers,
          authorization: `Bearer ${token}`,
          ...(account === undefined ? {} : { [accountHeader]: account }),
        },
      });
      if (answer.status === 401 && attempt === 1 && (await provider.invalidate(token))) {
        logger.info(
          { operation: req.operation },
          "Inter refused the access token; getting a new one and trying once more",
        );
        continue;
      }
      const ok = expected === "200" ? answer.status === 200 : answer.status >= 200 && answer.status < 300;
      if (!ok) {
        const error = errorFromAnswer({ operation: req.operation, ...answer, personal });
        if (error.code === "INTER_RATE_LIMITED") await options.gate?.rateLimited?.(req.operation, error.retryAfterMs);
        throw error;
      }
      return answer;
    }
  }

  return {
    async prepare(operation) {
      await tokens
        .providerFor(OPERATION_SCOPES[operation])
        .get()
        .catch(() => undefined);
    },
    async sendPix(order, idempotencyKey, callOptions) {
      if (!IDEMPOTENCY_KEY.test(idempotencyKey)) {
        throw new TypeError("idempotencyKey must be a lower-case UUID (Inter's x-id-idempotente format)");
      }
      const answer = await call(
        {
          operation: "send-pix",
          method: "POST",
          path: "/banking/v2/pix",
          headers: { "content-type": "application/json", "x-id-idempotente": idempotencyKey },
          body: pixRequestBody(order),
        },
        OPERATION_SCOPES.send,
        "200",
        callOptions,
        personalValues(order),
      );
      const body = parseJson("send-pix", answer, sendPixAnswer);
      return {
        ...(body.tipoRetorno === undefined ? {} : { tipoRetorno: body.tipoRetorno }),
        codigoSolicitacao: body.codigoSolicitacao,
        ...(body.dataPagamento === undefined ? {} : { dataPagamento: body.dataPagamento }),
        ...(body.dataOperacao === undefined ? {} : { dataOperacao: body.dataOperacao }),
        ...(body.endToEndId === undefined ? {} : { endToEndId: body.endToEndId }),
      };
    },

    async getPix(codigoSolicitacao, callOptions) {
      const answer = await call(
        { operation: "get-pix", method: "GET", path: `/banking/v2/pix/${encodeURIComponent(codigoSolicitacao)}` },
        OPERATION_SCOPES.read,
        "200",
        callOptions,
        callOptions?.personal ?? [],
      );
      const { transacaoPix: t, historico } = parseJson("get-pix", answer, getPixAnswer);
      const amountCents =
        t.valor === undefined
          ? undefined
          : typeof t.valor === "number"
            ? centsFromBankNumber(t.valor)
            : centsFromBankString(t.valor);
      return {
        codigoSolicitacao: t.codigoSolicitacao ?? codigoSolicitacao,
        status: t.status,
        ...(t.endToEnd ? { endToEndId: t.endToEnd } : {}),
        ...(amountCents === undefined ? {} : { amountCents }),
        ...(t.chave ? { key: t.chave } : {}),
        ...(t.dataHoraMovimento ? { movedAt: t.dataHoraMovimento } : {}),
        ...(t.dataHoraSolicitacao ? { requestedAt: t.dataHoraSolicitacao } : {}),
        // The bank's own words about the payment may name its people: masked here, before anyone keeps them.
        errors: (t.erros ?? []).map((e) => ({
          ...e,
          ...(e.descricaoErro === undefined
            ? {}
            : { descricaoErro: scrubBankText(e.descricaoErro, callOptions?.personal ?? []) }),
        })),
        history: (historico ?? []).map((h) => ({
          status: h.status,
          ...(h.dataHoraEvento ? { at: h.dataHoraEvento } : {}),
        })),
      };
    },

    async registerWebhook(webhookUrl, callOptions) {
      await call(
        {
          operation: "webhook-put",
          method: "PUT",
          path: "/banking/v2/webhooks/pix-pagamento",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ webhookUrl }),
        },
        OPERATION_SCOPES.webhookWrite,
        "2xx",
        callOptions,
      );
    },

    async getWebhook(callOptions) {
      try {
        const answer = await call(
          { operation: "webhook-get", method: "GET", path: "/banking/v2/webhooks/pix-pagamento" },
          OPERATION_SCOPES.webhookRead,
          "200",
          callOptions,
        );
        const body = parseJson("webhook-get", answer, webhookAnswer);
        return { webhookUrl: body.webhookUrl, ...(body.criacao ? { createdAt: body.criacao } : {}) };
      } catch (err) {
        // 404 is how Inter says no webhook is registered (docs/reference/inter-api.md §5).
        if (err instanceof InterNotFoundError) return undefined;
        throw err;
      }
    },

    async deleteWebhook(callOptions) {
      try {
        await call(
          { operation: "webhook-delete", method: "DELETE", path: "/banking/v2/webhooks/pix-pagamento" },
          OPERATION_SCOPES.webhookWrite,
          "2xx",
          callOptions,
        );
        return true;
      } catch (err) {
        // Inter documents a 404 here: nothing was registered — when it is Inter's answer (its error body);
        // a bare 404 may come from a wrong INTER_BASE_URL or a proxy, and proves nothing.
        if (err instanceof InterNotFoundError && (err.title !== undefined || err.detail !== undefined)) return false;
        throw err;
      }
    },

    async listCallbacks(query, callOptions) {
      const params = new URLSearchParams({
        dataHoraInicio: formatOffsetDateTime(query.from),
        dataHoraFim: formatOffsetDateTime(query.to),
        pagina: String(query.page),
        tamanhoPagina: String(query.pageSize),
      });
      const answer = await call(
        {
          operation: "webhook-callbacks",
          method: "GET",
          path: `/banking/v2/webhooks/pix-pagamento/callbacks?${params.toString()}`,
        },
        OPERATION_SCOPES.webhookRead,
        "200",
        callOptions,
      );
      const body = parseJson("webhook-callbacks", answer, callbackPageAnswer);
      const deliveries = (body.data ?? []).map((d): CallbackDelivery => ({
        ...(d.webhookUrl === undefined ? {} : { webhookUrl: d.webhookUrl }),
        ...(d.numeroTentativa === undefined ? {} : { attempt: d.numeroTentativa }),
        ...((d.dataEnvio ?? d.dataHoraDisparo) === undefined ? {} : { sentAt: d.dataEnvio ?? d.dataHoraDisparo }),
        ...(d.sucesso === undefined ? {} : { delivered: d.sucesso }),
        ...(d.httpStatus === undefined ? {} : { httpStatus: d.httpStatus }),
        ...(d.mensagemErro === undefined || d.mensagemErro === null ? {} : { error: d.mensagemErro }),
        payload: d.payload,
      }));
      // Without a total, an empty or short page is the last one.
      const last =
        body.ultimaPagina ??
        (body.totalPaginas === undefined ? deliveries.length < query.pageSize : query.page >= body.totalPaginas - 1);
      return { deliveries, last, ...(body.totalElementos === undefined ? {} : { total: body.totalElementos }) };
    },

    async retryCallbacks(codigos, callOptions) {
      if (codigos.length < 1 || codigos.length > 50)
        throw new RangeError("Inter re-sends the callbacks of 1 to 50 payments a call");
      const answer = await call(
        {
          operation: "webhook-callbacks-retry",
          method: "POST",
          path: "/banking/v2/webhooks/pix-pagamento/callbacks/retry",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ codigoSolicitacao: codigos }),
        },
        OPERATION_SCOPES.webhookWrite,
        "2xx",
        callOptions,
      );
      // An empty 2xx accepted the ids without saying which it found.
      return answer.body.trim() === ""
        ? undefined
        : (parseJson("webhook-callbacks-retry", answer, callbackRetryAnswer).foundIds ?? undefined);
    },

    async getStatementPage(query, callOptions) {
      const answer = await call(
        {
          operation: "statement",
          method: "GET",
          path: `/banking/v2/extrato/completo?${statementQueryString(query)}`,
          maxBodyBytes: STATEMENT_MAX_BODY_BYTES,
        },
        OPERATION_SCOPES.statement,
        "200",
        callOptions,
      );
      return statementPageOf(parseJson("statement", answer, statementAnswer), query.scroll !== undefined);
    },

    async getBalance(date, callOptions) {
      const answer = await call(
        {
          operation: "balance",
          method: "GET",
          path: `/banking/v2/saldo${date === undefined ? "" : `?dataSaldo=${encodeURIComponent(date)}`}`,
        },
        OPERATION_SCOPES.statement,
        "200",
        callOptions,
      );
      return balanceOf(parseJson("balance", answer, balanceAnswer));
    },
  };
}
