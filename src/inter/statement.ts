// Inter's enriched statement (`GET /banking/v2/extrato/completo`) and balance (`GET /banking/v2/saldo`) as
// pixout reads them (docs/reference/inter-api.md §10). Inter's schema requires no
// field at all and gives `detalhes` nine shapes without a discriminator, so everything here is optional,
// read defensively, and nothing the bank may omit is refused: an entry we cannot read stays an entry, with
// what could be read, so that reconciliation can still count it.
import { z } from "zod";
import { saoPauloToday } from "../payments/calendar.js";

const text = z.string().optional().catch(undefined);
const amount = z.union([z.string(), z.number()]).optional().catch(undefined);

const detalhes = z
  .looseObject({
    tipoDetalhe: text,
    codigoSolicitacao: text,
    endToEndId: text,
    txId: text,
    chavePixRecebedor: text,
    nomeRecebedor: text,
    cpfCnpjRecebedor: text,
    agenciaRecebedor: text,
    contaBancariaRecebedor: text,
    descricaoPix: text,
    origemMovimentacao: text,
  })
  .optional()
  .catch(undefined);

const entry = z.looseObject({
  idTransacao: text,
  dataInclusao: text,
  dataTransacao: text,
  tipoTransacao: text,
  tipoOperacao: text,
  valor: amount,
  titulo: text,
  descricao: text,
  numeroDocumento: text,
  detalhes,
});

export const statementAnswer = z.looseObject({
  totalPaginas: z.number().optional().catch(undefined),
  totalElementos: z.number().optional().catch(undefined),
  ultimaPagina: z.boolean().optional().catch(undefined),
  numeroDeElementos: z.number().optional().catch(undefined),
  scrollId: z.string().nullable().optional().catch(undefined),
  hasMore: z.boolean().optional().catch(undefined),
  transacoes: z.array(z.unknown()).optional().catch(undefined),
});

export const balanceAnswer = z.looseObject({
  disponivel: z.number().optional().catch(undefined),
  bloqueadoCheque: z.number().optional().catch(undefined),
  bloqueadoJudicialmente: z.number().optional().catch(undefined),
  bloqueadoAdministrativo: z.number().optional().catch(undefined),
  limite: z.number().optional().catch(undefined),
  dataReferencia: text,
});

/** A statement entry as pixout uses it. Only `raw` is always there. */
export interface StatementEntry {
  id?: string;
  /** São Paulo date of the entry (`YYYY-MM-DD`), from dataTransacao or dataInclusao. */
  date?: string;
  /** `YYYY-MM-DD HH:mm:ss[.SSS]` São Paulo local time, when the bank gives a time without a zone. */
  localTime?: string;
  /** Epoch ms, when the bank gives a time with its zone (`Z`, `-03:00`). */
  instant?: number;
  /** `D` debit, `C` credit, or whatever else the bank wrote. */
  operation?: string;
  type?: string;
  /** Centavos, when `valor` reads as an amount. */
  amountCents?: number;
  codigoSolicitacao?: string;
  endToEndId?: string;
  /** The recipient's Pix key, when the bank gives it. */
  key?: string;
  /** Whether the entry could be read as an entry at all (an object). */
  readable: boolean;
}

export interface StatementPage {
  entries: StatementEntry[];
  /** Classic paging: no page after this one. Scroll paging: `!hasMore`. */
  last: boolean;
  totalPages?: number;
  totalEntries?: number;
  /** Scroll paging: the id of the next call. */
  scrollId?: string;
  /** Scroll paging: the bank said there is more (`hasMore`). */
  hasMore?: boolean;
}

export interface StatementQuery {
  /** São Paulo dates, `YYYY-MM-DD`, at most 90 days apart. */
  from: string;
  to: string;
  /** Classic paging, 0-based. */
  page?: number;
  /** 1 to 10,000 (Inter's default 50). */
  pageSize?: number;
  operation?: "D" | "C";
  type?: string;
  /** Scroll paging: `start` begins one (more than 10,000 entries), `id` continues it. */
  scroll?: { start: true } | { id: string };
}

export interface Balance {
  /** Centavos available now (`disponivel`), when the bank gives it. */
  availableCents?: number;
  blockedCents: number;
  /** The overdraft limit (`limite`), when given. */
  limitCents?: number;
  /** The date the balance is of, as the bank wrote it (DD/MM/YYYY). */
  referenceDate?: string;
}

/** Reais as a JSON number or a string ("13.45", "13.4", "0.0") → centavos; undefined when it is not one. */
export function centsOfBankAmount(value: unknown): number | undefined {
  // A number's shortest round-trip text is the text the bank wrote (money.ts centsFromBankNumber): parsed, never multiplied.
  const textValue =
    typeof value === "number"
      ? Number.isFinite(value)
        ? String(value)
        : ""
      : typeof value === "string"
        ? value.trim()
        : "";
  const m = /^(-?)(\d{1,13})(?:\.(\d{1,2}))?$/.exec(textValue);
  if (!m) return undefined;
  const cents = Number(m[2]) * 100 + Number(((m[3] ?? "") + "00").slice(0, 2));
  return m[1] === "-" ? -cents : cents;
}

/** `YYYY-MM-DD`, `YYYY-MM-DD HH:mm:ss.SSS`, `YYYY-MM-DDTHH:mm…` or `DD/MM/YYYY` → the date part as `YYYY-MM-DD`. */
export function bankDate(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const iso = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  if (iso) return `${iso[1] ?? ""}-${iso[2] ?? ""}-${iso[3] ?? ""}`;
  const br = /^(\d{2})\/(\d{2})\/(\d{4})/.exec(value);
  if (br) return `${br[3] ?? ""}-${br[2] ?? ""}-${br[1] ?? ""}`;
  return undefined;
}

const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$/;
const ZONED_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** One entry of `transacoes`, read as far as it can be. */
export function readStatementEntry(value: unknown): StatementEntry {
  const parsed = entry.safeParse(value);
  if (!parsed.success) return { readable: false };
  const e = parsed.data;
  const d = e.detalhes;
  const nonEmpty = (v: string | undefined): string | undefined =>
    v === undefined || v.trim() === "" ? undefined : v.trim();
  const time = nonEmpty(e.dataInclusao);
  const cents = centsOfBankAmount(e.valor);
  // A wall-clock time is São Paulo's; one with a zone is an instant (never read as São Paulo's).
  const local = time !== undefined && LOCAL_TIME.test(time) ? time.replace("T", " ") : undefined;
  const zoned = time !== undefined && local === undefined && ZONED_TIME.test(time) ? Date.parse(time) : undefined;
  const instant = zoned !== undefined && Number.isFinite(zoned) ? zoned : undefined;
  const date =
    bankDate(nonEmpty(e.dataTransacao)) ?? (instant === undefined ? bankDate(local) : saoPauloToday(instant));
  return {
    readable: true,
    ...(nonEmpty(e.idTransacao) === undefined ? {} : { id: nonEmpty(e.idTransacao) }),
    ...(date === undefined ? {} : { date }),
    ...(local === undefined ? {} : { localTime: local }),
    ...(instant === undefined ? {} : { instant }),
    ...(nonEmpty(e.tipoOperacao) === undefined ? {} : { operation: nonEmpty(e.tipoOperacao)?.toUpperCase() }),
    ...(nonEmpty(e.tipoTransacao) === undefined ? {} : { type: nonEmpty(e.tipoTransacao)?.toUpperCase() }),
    ...(cents === undefined ? {} : { amountCents: Math.abs(cents) }),
    ...(nonEmpty(d?.codigoSolicitacao) === undefined
      ? {}
      : { codigoSolicitacao: nonEmpty(d?.codigoSolicitacao)?.toLowerCase() }),
    ...(nonEmpty(d?.endToEndId) === undefined ? {} : { endToEndId: nonEmpty(d?.endToEndId) }),
    ...(nonEmpty(d?.chavePixRecebedor) === undefined ? {} : { key: nonEmpty(d?.chavePixRecebedor) }),
  };
}

/** The query string of a statement call. */
export function statementQueryString(q: StatementQuery): string {
  const params = new URLSearchParams({ dataInicio: q.from, dataFim: q.to });
  if (q.scroll && "start" in q.scroll) params.set("scrollEnabled", "true");
  else if (q.scroll) params.set("scrollId", q.scroll.id);
  else if (q.page !== undefined) params.set("pagina", String(q.page));
  if (q.pageSize !== undefined) params.set("tamanhoPagina", String(q.pageSize));
  if (q.operation !== undefined) params.set("tipoOperacao", q.operation);
  if (q.type !== undefined) params.set("tipoTransacao", q.type);
  return params.toString();
}

/** A statement answer → a page. */
export function statementPageOf(answer: z.infer<typeof statementAnswer>, scrolling: boolean): StatementPage {
  const entries = (answer.transacoes ?? []).map(readStatementEntry);
  if (scrolling) {
    const id = answer.scrollId ?? undefined;
    // More without an id to ask for it is not the end: the reader reports it incomplete.
    return {
      entries,
      last: answer.hasMore !== true,
      hasMore: answer.hasMore === true,
      ...(id === undefined ? {} : { scrollId: id }),
    };
  }
  // Without `ultimaPagina`, an empty page is the end (never loop on a bank that says nothing).
  const last = answer.ultimaPagina ?? entries.length === 0;
  return {
    entries,
    last,
    ...(answer.totalPaginas === undefined ? {} : { totalPages: answer.totalPaginas }),
    ...(answer.totalElementos === undefined ? {} : { totalEntries: answer.totalElementos }),
  };
}

/** A balance answer → centavos. */
export function balanceOf(answer: z.infer<typeof balanceAnswer>): Balance {
  const cents = (v: number | undefined): number | undefined => (v === undefined ? undefined : centsOfBankAmount(v));
  const blocked = [
    answer.bloqueadoCheque,
    answer.bloqueadoJudicialmente,
    answer.bloqueadoAdministrativo,
  ].reduce<number>((sum, v) => sum + (cents(v) ?? 0), 0);
  const available = cents(answer.disponivel);
  const limit = cents(answer.limite);
  return {
    ...(available === undefined ? {} : { availableCents: available }),
    blockedCents: blocked,
    ...(limit === undefined ? {} : { limitCents: limit }),
    ...(answer.dataReferencia === undefined ? {} : { referenceDate: answer.dataReferencia }),
  };
}
