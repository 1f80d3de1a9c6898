// What the dashboard shows of a job's data: an allow-list, field by field. Shape-based
// scrubbing cannot recognise a name or a 7-digit account in a description, in metadata (values or keys) or
// next to an encrypted recipient (whose values are unknown here), so nothing is shown unless it is known to
// be safe:
// - identifiers and numbers as they are (paymentId, amount, version, dates, the worker's state — which holds
//   no personal data, src/payments/lifecycle.ts PaymentState — and the audit's actor, an operator's name);
// - free texts that may quote the bank or a person (reasons, error messages) scrubbed (personal-data.ts);
// - the recipient masked; the paying account masked (an account number, even our own, is not for screens);
//   a callback URL as its origin (its query may carry a token);
// - description and metadata as their size only; anything else "[hidden]".
// Pure.
import { maskText } from "../../payments/mask.js";
import { PAYMENT_ID } from "../../payments/payment.js";
import { characterCount } from "../../payments/text.js";
import { maskRecipient, personalValues, scrubText } from "./personal-data.js";

const HIDDEN = "[hidden]";
/** Where unknown fields whose names are not plain identifiers are counted (a name could be personal). */
const OTHER_FIELDS = "[other fields]";

type View = (value: unknown, known: readonly string[]) => unknown;
type Fields = Readonly<Record<string, View>>;

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

const number: View = (v) => (typeof v === "number" && Number.isFinite(v) ? v : HIDDEN);
const boolean: View = (v) => (typeof v === "boolean" ? v : HIDDEN);
/** A short code, date or identifier (a bank status, a codigoSolicitacao, an ISO date); scrubbed all the same. */
const code: View = (v, known) =>
  v === null ? null : typeof v === "string" && v.length <= 64 ? scrubText(v, known) : HIDDEN;
/** Free text that may quote the bank or a producer. */
const text: View = (v, known) => (typeof v === "string" ? scrubText(v, known) : HIDDEN);
/** Shown as is: who did something (an operator's name, maybe an e-mail) is not a recipient's data. */
const actor: View = (v) => (typeof v === "string" && v.length <= 128 ? v : HIDDEN);

function arrayOf(view: View): View {
  return (v, known) => (Array.isArray(v) ? v.map((item) => view(item, known)) : HIDDEN);
}

/** An object through `fields`; unknown keys show "[hidden]", and are only counted when their name is not a plain identifier. */
function objectOf(fields: Fields): View {
  return (v, known) => {
    const r = record(v);
    if (!r) return HIDDEN;
    const out: Record<string, unknown> = {};
    let others = 0;
    for (const [key, value] of Object.entries(r)) {
      const view = Object.hasOwn(fields, key) ? fields[key] : undefined;
      if (view) out[key] = view(value, known);
      else if (/^[A-Za-z_][A-Za-z0-9_]{0,31}$/.test(key)) out[key] = HIDDEN;
      else others++;
    }
    if (others > 0) out[OTHER_FIELDS] = others;
    return out;
  };
}

const historyEntry = objectOf({ status: code, at: code });

/** The worker's own state (PaymentState): codes, counters and times; its texts may quote the bank. */
const stateView = objectOf({
  step: code,
  generation: number,
  attempts: number,
  maybeExecuted: boolean,
  codigoSolicitacao: code,
  tipoRetorno: code,
  submittedAt: number,
  polls: number,
  bankStatus: code,
  bankErrors: arrayOf(objectOf({ codigoErro: code, descricaoErro: text, codigoErroComplementar: code })),
  history: arrayOf(historyEntry),
  endToEndId: code,
  approvalSince: number,
  lastError: objectOf({ code, message: text, at: number }),
  paidAt: code,
  slot: objectOf({ budget: code, at: number }),
  sendInFlight: number,
  paymentDate: code,
  configWaitSince: number,
  unavailableSince: number,
  waitingFor: objectOf({ why: text, until: number }),
  progressSince: number,
  firstSendAt: number,
  callbacksSeen: number,
  outcome: code,
  reason: text,
});

/** An operator's retry (src/queue/producer/retry.ts AuditEntry): the actor as is, the reason scrubbed. */
export const auditEntryView = objectOf({
  at: code,
  actor,
  action: code,
  reason: text,
  queue: code,
  previousOutcome: code,
  previousBankStatus: code,
  previousGeneration: number,
  generation: number,
  newKey: boolean,
  notExecuted: boolean,
});

function origin(v: unknown): string {
  if (typeof v !== "string") return HIDDEN;
  try {
    const url = new URL(v);
    return url.protocol === "https:" || url.protocol === "http:" ? url.origin : HIDDEN;
  } catch {
    return HIDDEN;
  }
}

const payoutFields: Fields = {
  version: number,
  paymentId: (v) => (typeof v === "string" && PAYMENT_ID.test(v) ? v : HIDDEN),
  amount: (v, known) => (typeof v === "number" ? number(v, known) : code(v, known)),
  scheduledFor: code,
  dataPagamento: code,
  account: (v) => (typeof v === "string" ? maskText(v) : HIDDEN),
  callbackUrl: origin,
  recipient: (v) => maskRecipient(v) ?? null,
  description: (v) => (typeof v === "string" ? `[${String(characterCount(v))} characters]` : HIDDEN),
  metadata: (v) => {
    const r = record(v);
    return r ? `[${String(Object.keys(r).length)} keys]` : HIDDEN;
  },
  state: stateView,
  audit: arrayOf(auditEntryView),
};

/** A payout job's data (docs/integrating/job-contract.md) as the dashboard shows it. */
export function payoutDataView(data: unknown): unknown {
  const r = record(data);
  return r ? objectOf(payoutFields)(r, personalValues(r["recipient"])) : HIDDEN;
}

const notificationFields: Fields = {
  url: origin,
  event: objectOf({
    id: code,
    type: code,
    paymentId: code,
    outcome: code,
    generation: number,
    bankStatus: code,
    codigoSolicitacao: code,
    endToEndId: code,
    amount: code,
    paidAt: code,
    reason: text,
    occurredAt: code,
    createdAt: code,
  }),
  attempts: arrayOf(
    objectOf({ attempt: number, at: code, durationMs: number, status: number, error: text, delivered: boolean }),
  ),
};

/** A notification job's data (src/notifications/job.ts) as the dashboard shows it: the destination as its origin only. */
export function notificationDataView(data: unknown): unknown {
  const r = record(data);
  return r ? objectOf(notificationFields)(r, []) : HIDDEN;
}

/** A bank status history (the worker's or the result's) with only its two fields. */
export function historyView(history: unknown): { status: string; at?: string }[] {
  if (!Array.isArray(history)) return [];
  return history.map((h) => {
    const v = record(historyEntry(h, [])) ?? {};
    const { status, at } = v;
    return { status: typeof status === "string" ? status : HIDDEN, ...(typeof at === "string" ? { at } : {}) };
  });
}
