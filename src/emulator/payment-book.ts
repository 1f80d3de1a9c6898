// Every emulated payment of one emulator, and an agenda of what is due when. Each execution is checked
// against and debited from its own account's balance (balances.ts). No I/O and no timers: the emulator
// calls advance(now) before it reads anything (every request, the ledger, the wake timer), and advance
// resolves due decisions strictly in time order — so a balance is checked at each payment's own
// execution instant, whatever order requests arrive in.
import { randomUUID } from "node:crypto";
import { saoPauloStartOfDay } from "../payments/calendar.js";
import type { PaymentFigures } from "./ledger.js";
import { Agenda } from "./agenda.js";
import type { Balances } from "./balances.js";
import { newEndToEndId } from "./end-to-end.js";
import {
  approve,
  createState,
  dueAt,
  expire,
  finalStep,
  reject,
  resolveDue,
  runScheduled,
  statusAt,
  TransitionError,
  type ApprovalPolicy,
  type ExecutionOutcome,
  type PaymentState,
  type Timing,
} from "./payment-state.js";
import { defaultErrors, toPixError, type ForcedFinalStatus, type PixError, type PixErrorInput } from "./pix-status.js";
import { recipientFor, type Recipient } from "./recipient.js";
import type { PixRequest } from "./validation.js";

export type TipoRetorno = "PROCESSADO" | "APROVACAO" | "AGENDADO";

export interface ForcedOutcome {
  status: ForcedFinalStatus;
  erros?: PixErrorInput[];
}

export interface PaymentRecord {
  readonly codigoSolicitacao: string;
  readonly account: string;
  readonly clientId: string;
  readonly idempotencyKey: string | undefined;
  readonly request: PixRequest;
  readonly recipient: Recipient;
  readonly tipoRetorno: TipoRetorno;
  readonly dataOperacao: string;
  readonly createdAt: number;
  readonly approvalRequired: boolean;
  readonly forced: ForcedOutcome | undefined;
  state: PaymentState;
  /** Bumped on every transition; agenda entries of older versions are stale. */
  version: number;
  /** Set when the execution sends the Pix. */
  endToEnd: string | undefined;
  debited: boolean;
  /** `erros[]` once a failure is decided. */
  erros: PixError[];
}

export interface CreatePaymentInput {
  now: number;
  account: string;
  clientId: string;
  idempotencyKey: string | undefined;
  request: PixRequest;
  /** São Paulo's date at `now` (dataOperacao, and the threshold for scheduling). */
  today: string;
  approvalRequired: boolean;
  forced: ForcedOutcome | undefined;
}

export interface BookSettings {
  timing: Timing;
  approval: ApprovalPolicy;
  /** Every account's money; shared with the emulator's knobs, which set, top up and debit it too. */
  balances: Balances;
  /**
   * Told of every execution that debits its account, at the execution instant (the statement records
   * it there). Called while the book advances, in time order; the record already has its endToEnd.
   */
  onDebit?: (record: PaymentRecord, at: number) => void;
}

type AgendaEntry = { kind: "due"; record: PaymentRecord; version: number } | { kind: "final"; record: PaymentRecord };

export class PaymentNotFoundError extends Error {
  override readonly name = "PaymentNotFoundError";
}

export class PaymentBook {
  readonly #payments = new Map<string, PaymentRecord>();
  /** Codes of the payments created under each idempotency key (one, while the bank remembers keys). */
  readonly #byKey = new Map<string, string[]>();
  readonly #agenda = new Agenda<AgendaEntry>();
  readonly #settings: BookSettings;
  /** Sum debited by executed payments (not by the operator's out-of-band or duplicated debits). */
  #debited = 0;

  constructor(settings: BookSettings) {
    this.#settings = settings;
  }

  get(codigo: string): PaymentRecord | undefined {
    return this.#payments.get(codigo.toLowerCase());
  }

  withKey(idempotencyKey: string): PaymentRecord[] {
    return (this.#byKey.get(idempotencyKey) ?? []).flatMap((codigo) => this.#payments.get(codigo) ?? []);
  }

  create(input: CreatePaymentInput): PaymentRecord {
    const scheduled = input.request.dataPagamento > input.today;
    const tipoRetorno: TipoRetorno = input.approvalRequired ? "APROVACAO" : scheduled ? "AGENDADO" : "PROCESSADO";
    const record: PaymentRecord = {
      codigoSolicitacao: randomUUID(),
      account: input.account,
      clientId: input.clientId,
      idempotencyKey: input.idempotencyKey,
      request: input.request,
      recipient: recipientFor(input.request.destinatario),
      tipoRetorno,
      dataOperacao: input.today,
      createdAt: input.now,
      approvalRequired: input.approvalRequired,
      forced: input.forced,
      state: createState({
        now: input.now,
        approvalRequired: input.approvalRequired,
        // Inter runs a scheduled payment on its date (AGENDADO, docs/reference/inter-api.md §3.3); we run it at the
        // day's first instant.
        scheduledFor: scheduled ? saoPauloStartOfDay(input.request.dataPagamento) : null,
        timing: this.#settings.timing,
        approval: this.#settings.approval,
      }),
      version: 0,
      endToEnd: undefined,
      debited: false,
      erros: [],
    };
    this.#payments.set(record.codigoSolicitacao, record);
    if (record.idempotencyKey !== undefined)
      this.#byKey.set(record.idempotencyKey, [
        ...(this.#byKey.get(record.idempotencyKey) ?? []),
        record.codigoSolicitacao,
      ]);
    this.#plan(record);
    return record;
  }

  /** Resolves everything due at or before `now`, in time order. Returns payments that became final. */
  advance(now: number): PaymentRecord[] {
    const finals: PaymentRecord[] = [];
    for (let next = this.#agenda.popDue(now); next; next = this.#agenda.popDue(now)) {
      const entry = next.item;
      if (entry.kind === "final") {
        finals.push(entry.record);
        continue;
      }
      const { record } = entry;
      if (entry.version !== record.version || dueAt(record.state) !== next.at) continue; // stale
      const at = next.at;
      this.#transition(
        record,
        resolveDue(record.state, this.#settings.timing, () => this.#decide(record, at)),
      );
    }
    return finals;
  }

  /** Instant of the next thing due (for the wake timer), or undefined. */
  nextDueAt(): number | undefined {
    return this.#agenda.peekAt();
  }

  approve(codigo: string, now: number): PaymentRecord[] {
    return this.#act(codigo, now, (s) => approve(s, now, this.#settings.timing));
  }

  reject(codigo: string, now: number): PaymentRecord[] {
    return this.#act(codigo, now, (s) => reject(s, now));
  }

  expire(codigo: string, now: number): PaymentRecord[] {
    return this.#act(codigo, now, (s) => expire(s, now));
  }

  runScheduled(codigo: string, now: number): PaymentRecord[] {
    return this.#act(codigo, now, (s) => runScheduled(s, now, this.#settings.timing));
  }

  figures(now: number): PaymentFigures {
    const byStatus: Record<string, number> = {};
    for (const record of this.#payments.values()) {
      const status = statusAt(record.state, now);
      byStatus[status] = (byStatus[status] ?? 0) + 1;
    }
    const { balances } = this.#settings;
    return {
      total: this.#payments.size,
      byStatus,
      balanceCents: balances.total(),
      balances: balances.byAccount(),
      debitedCents: this.#debited,
    };
  }

  /**
   * A manual action. The caller advances to `now` first (so the action happens after everything
   * already due); this returns the payments that became final because of it.
   */
  #act(codigo: string, now: number, change: (s: PaymentState) => PaymentState): PaymentRecord[] {
    const record = this.get(codigo);
    if (!record) throw new PaymentNotFoundError(`no payment ${codigo}`);
    this.#transition(record, change(record.state));
    return this.advance(now);
  }

  /** The execution due at `at` (ENVIADO's instant): a forced outcome, no balance in its account, or the debit. */
  #decide(record: PaymentRecord, at: number): ExecutionOutcome {
    if (record.forced) return { kind: "forced", status: record.forced.status };
    const amount = record.request.amountCents;
    const { balances } = this.#settings;
    if (!balances.covers(record.account, amount)) return { kind: "no-balance" };
    balances.debit(record.account, amount);
    this.#debited += amount;
    record.debited = true;
    // The end-to-end id exists from the send on; #transition would give the same instant's id a moment
    // later, but the statement entry written now carries it.
    record.endToEnd ??= newEndToEndId(at);
    this.#settings.onDebit?.(record, at);
    return { kind: "pay" };
  }

  #transition(record: PaymentRecord, next: PaymentState): void {
    const hadFinal = finalStep(record.state) !== undefined;
    const sent = next.steps.find((s) => s.status === "ENVIADO");
    if (sent && record.endToEnd === undefined) record.endToEnd = newEndToEndId(sent.at);
    record.state = next;
    record.version += 1;
    const final = finalStep(next);
    if (final && !hadFinal) {
      if (final.status !== "PAGO") record.erros = this.#errorsFor(record, final.status);
    }
    this.#plan(record, hadFinal);
  }

  #errorsFor(record: PaymentRecord, status: PaymentState["steps"][number]["status"]): PixError[] {
    if (status === "REPROVADO" || status === "EXPIRADO") return [];
    if (record.forced && record.forced.status === status && record.forced.erros)
      return record.forced.erros.map(toPixError);
    return defaultErrors(status);
  }

  /** Puts the record's next due decision and (once) its final instant on the agenda. */
  #plan(record: PaymentRecord, finalAlreadyPlanned = false): void {
    const due = dueAt(record.state);
    if (due !== null) this.#agenda.push(due, { kind: "due", record, version: record.version });
    const final = finalStep(record.state);
    if (final && !finalAlreadyPlanned) this.#agenda.push(final.at, { kind: "final", record });
  }
}

export { TransitionError };
