// GET /banking/v2/extrato/completo (the enriched statement) and GET /banking/v2/saldo (the balance), scope
// `extrato.read`, 10 calls a minute each (docs/reference/inter-api.md §10). Checks as on every
// /banking/v2 route (auth.ts: token, scope, account header, rate limit), then the query, every bad
// parameter listed in one 400.
import { compareIsoDates, isIsoDate, saoPauloStartOfDay, shiftIsoDate } from "../payments/calendar.js";
import { formatCents } from "../payments/money.js";
import { gate, type Authenticate } from "./auth.js";
import type { AccountBalance } from "./balances.js";
import { header, type Handler, type RequestContext } from "./context.js";
import { SCOPES } from "./integration.js";
import type { InterDates } from "./inter-dates.js";
import type { Ledger } from "./ledger.js";
import { badRequest, json, type Reply, type Violacao } from "./problem.js";
import type { RateLimits } from "./rate-limits.js";
import type { ScrollPage, StatementScrolls } from "./statement-scrolls.js";
import { transacaoCompleta } from "./statement-views.js";
import type { Statement, StatementEntry } from "./statement.js";

export const STATEMENT_PATH = "/banking/v2/extrato/completo";
export const BALANCE_PATH = "/banking/v2/saldo";
const STATEMENT_ROUTE = `GET ${STATEMENT_PATH}`;
const BALANCE_ROUTE = `GET ${BALANCE_PATH}`;

/** Longest period one statement call may cover: dataFim at most this many days after dataInicio. */
const MAX_PERIOD_DAYS = 90;
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 10_000;

export interface StatementEndpointDeps {
  authenticate: Authenticate;
  limits: RateLimits;
  ledger: Ledger;
  statement: Statement;
  scrolls: StatementScrolls;
  /** The account's balance and overdraft limit now, in centavos (brought up to the request's instant). */
  balanceOf: (account: string) => AccountBalance;
  dates: InterDates;
}

/**
 * ASSUMPTION (UNVERIFIED): Inter's spec names the account header `x-conta-corrente` on these routes as on
 * the others, while its own examples send `x-inter-conta-corrente`; we read either. When both are sent,
 * `x-conta-corrente` wins.
 */
function withAccountAlias(ctx: RequestContext): RequestContext {
  const alias = header(ctx, "x-inter-conta-corrente");
  const given = header(ctx, "x-conta-corrente");
  if (alias === undefined || (given !== undefined && given !== "")) return ctx;
  return { ...ctx, headers: { ...ctx.headers, "x-conta-corrente": alias } };
}

function daysBetween(from: string, to: string): number {
  return (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;
}

/** Query reading that collects every violation, as Inter's 400 lists them. */
class QueryReader {
  readonly violacoes: Violacao[] = [];
  readonly #q: URLSearchParams;

  constructor(query: string) {
    this.#q = new URLSearchParams(query);
  }

  text(name: string): string | undefined {
    return this.#q.get(name) ?? undefined;
  }

  date(name: string, required: boolean): string | undefined {
    const text = this.#q.get(name);
    if (text === null) {
      if (required) this.fail(name, `${name} é obrigatório`, "null");
      return undefined;
    }
    if (!isIsoDate(text)) {
      this.fail(name, `${name} deve ser uma data no formato yyyy-MM-dd`, text);
      return undefined;
    }
    return text;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const text = this.#q.get(name);
    if (text === null) return fallback;
    const n = /^\d{1,16}$/.test(text) ? Number(text) : NaN;
    if (!(n >= min && n <= max)) {
      this.fail(name, `${name} deve ser um inteiro entre ${min} e ${max}`, text);
      return fallback;
    }
    return n;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const text = this.#q.get(name);
    if (text === null) return undefined;
    if (!(allowed as readonly string[]).includes(text)) {
      this.fail(name, `${name} deve ser um de: ${allowed.join(", ")}`, text);
      return undefined;
    }
    return text as T;
  }

  fail(propriedade: string, razao: string, valor: string): void {
    this.violacoes.push({ razao, propriedade, valor });
  }
}

function scrollAnswer(page: ScrollPage, dates: InterDates): Reply {
  return json(200, {
    scrollId: page.scrollId,
    hasMore: page.hasMore,
    tamanhoPagina: page.pageSize,
    numeroDeElementos: page.entries.length,
    transacoes: page.entries.map((e) => transacaoCompleta(e, dates)),
  });
}

export function createStatementEndpoints(deps: StatementEndpointDeps): { statement: Handler; balance: Handler } {
  const { dates } = deps;
  return {
    statement: (original) => {
      const ctx = withAccountAlias(original);
      const auth = gate(deps, ctx, SCOPES.statementRead, "statement", STATEMENT_ROUTE);
      if (!auth.ok) return auth.reply;
      const q = new QueryReader(ctx.query);
      const from = q.date("dataInicio", true);
      const to = q.date("dataFim", true);
      if (from !== undefined && to !== undefined) {
        if (compareIsoDates(from, to) > 0) q.fail("dataInicio", "dataInicio deve ser menor ou igual a dataFim", from);
        else if (daysBetween(from, to) > MAX_PERIOD_DAYS) {
          q.fail("dataFim", `O período entre dataInicio e dataFim não pode ser maior que ${MAX_PERIOD_DAYS} dias`, to);
        }
      }
      const pagina = q.int("pagina", 0, 0, Number.MAX_SAFE_INTEGER);
      const tamanhoPagina = q.int("tamanhoPagina", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
      const tipoOperacao = q.oneOf("tipoOperacao", ["D", "C"] as const);
      const scrollEnabled = q.oneOf("scrollEnabled", ["true", "false"] as const) === "true";
      // A free string (PIX, TARIFA, ESTORNO, …), matched exactly; empty = no filter.
      const tipoTransacao = q.text("tipoTransacao");
      const scrollId = q.text("scrollId");
      if (q.violacoes.length > 0 || from === undefined || to === undefined) return badRequest(ctx.now, q.violacoes);

      if (scrollId !== undefined && scrollId !== "") {
        // ASSUMPTION (UNVERIFIED): the scroll keeps the filters and page size it started with; the dates
        // a continuing call must carry are checked, not compared.
        const page = deps.scrolls.continue(auth.account, scrollId, ctx.now);
        if (!page)
          return badRequest(ctx.now, [
            { razao: "scrollId inválido ou expirado", propriedade: "scrollId", valor: scrollId },
          ]);
        return scrollAnswer(page, dates);
      }

      const start = saoPauloStartOfDay(from);
      const end = saoPauloStartOfDay(shiftIsoDate(to, 1));
      const matching = deps.statement
        .entries(auth.account)
        .filter(
          (e: StatementEntry) =>
            e.at >= start &&
            e.at < end &&
            (tipoOperacao === undefined || e.tipoOperacao === tipoOperacao) &&
            (tipoTransacao === undefined || tipoTransacao === "" || e.tipoTransacao === tipoTransacao),
        );
      if (scrollEnabled) return scrollAnswer(deps.scrolls.start(auth.account, matching, tamanhoPagina, ctx.now), dates);

      const totalElementos = matching.length;
      const totalPaginas = Math.ceil(totalElementos / tamanhoPagina);
      const transacoes = matching
        .slice(pagina * tamanhoPagina, (pagina + 1) * tamanhoPagina)
        .map((e) => transacaoCompleta(e, dates));
      return json(200, {
        totalPaginas,
        totalElementos,
        ultimaPagina: pagina >= totalPaginas - 1,
        primeiraPagina: pagina === 0,
        tamanhoPagina,
        numeroDeElementos: transacoes.length,
        transacoes,
      });
    },

    balance: (original) => {
      const ctx = withAccountAlias(original);
      const auth = gate(deps, ctx, SCOPES.statementRead, "balance", BALANCE_ROUTE);
      if (!auth.ok) return auth.reply;
      const q = new QueryReader(ctx.query);
      const asked = q.date("dataSaldo", false);
      const today = dates.today(ctx.now);
      // ASSUMPTION (UNVERIFIED): a balance of a day still to come is refused, not answered with today's.
      if (asked !== undefined && compareIsoDates(asked, today) > 0)
        q.fail("dataSaldo", "dataSaldo não pode ser uma data futura", asked);
      if (q.violacoes.length > 0) return badRequest(ctx.now, q.violacoes);
      const date = asked ?? today;
      // The authenticated account's own balance: each account has one. Today: the balance now. A past day:
      // its closing balance, today's with every later change of this account undone.
      const { balanceCents, limitCents } = deps.balanceOf(auth.account);
      let cents = balanceCents;
      if (date !== today) cents -= deps.statement.changeSince(auth.account, saoPauloStartOfDay(shiftIsoDate(date, 1)));
      return json(200, {
        // ASSUMPTION (UNVERIFIED): `disponivel` is the balance itself, negative while the overdraft limit is in
        // use, and `limite` the account's whole limit (not what is left of it). Nothing is ever blocked here.
        disponivel: reais(cents),
        bloqueadoCheque: 0,
        bloqueadoJudicialmente: 0,
        bloqueadoAdministrativo: 0,
        limite: reais(limitCents),
        dataReferencia: `${date.slice(8, 10)}/${date.slice(5, 7)}/${date.slice(0, 4)}`,
      });
    },
  };
}

/** Centavos → a JSON number of reais, from the exact decimal text (never cents / 100). */
function reais(cents: number): number {
  const text = formatCents(Math.abs(cents));
  return Number(cents < 0 ? `-${text}` : text);
}
