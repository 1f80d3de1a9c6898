// What a callback from Inter's `pix-pagamento` webhook (inter-api.md §5.1) means for a payment. Pure.
//
// A callback that reached our receiver over mTLS from Inter's CA is bank evidence (DESIGN.md §3), but
// its status vocabulary is inconsistent in Inter's own documents: the spec's enum is EFETIVADO | ERRO |
// REPROVADO | APROVACAO_EXPIRADA | CANCELADO, its examples send PROCESSADO, and samfelgar/inter-sdk
// models NAO_EFETIVADO. This table is the one place that reads it. Only an unambiguous success whose
// fields agree with the job finishes the payment; everything else is confirmed with a status query.
//
// A deliberate choice: a *failure* callback is confirmed too. "failed" lets an operator make a new
// attempt under a new bank key, so it must rest on the status query's answer; failures are a small
// share of payments, so confirming them costs little of the 20-a-minute status budget.
import { createHash } from "node:crypto";
import { parseAmount } from "./money.js";
import type { Payment } from "./payment.js";
import type { Decision, PaymentState } from "./lifecycle.js";

export type CallbackClass = "success" | "failure" | "unknown";

const CALLBACK_TABLE: Readonly<Record<string, CallbackClass>> = {
  EFETIVADO: "success",
  // PROCESSADO appears only in the spec's examples: processed how? Confirm.
  PROCESSADO: "unknown",
  ERRO: "failure",
  NAO_EFETIVADO: "failure",
  REPROVADO: "failure",
  APROVACAO_EXPIRADA: "failure",
  CANCELADO: "failure",
};

export function classifyCallbackStatus(status: string | undefined): CallbackClass {
  if (status === undefined) return "unknown";
  const key = status.trim().toUpperCase();
  return Object.hasOwn(CALLBACK_TABLE, key) ? (CALLBACK_TABLE[key] ?? "unknown") : "unknown";
}

/** The fields of a callback item the rules read (the receiver keeps these and a few more, src/webhook/callback-item.ts). */
export interface CallbackNews {
  codigoSolicitacao: string;
  status?: string;
  /** A string in callbacks ("0.01"); anything else is not read (the payment is confirmed by a query). */
  valor?: unknown;
  /** pixKeyDigest of the callback's `chave`: the key itself (a CPF, a phone…) is not kept. */
  chaveSha256?: string;
  endToEnd?: string;
  dataHoraMovimento?: string;
}

/** A Pix key as compared with a callback's: trimmed, lower case, SHA-256 in hex. */
export function pixKeyDigest(key: string): string {
  return createHash("sha256").update(key.trim().toLowerCase()).digest("hex");
}

export type CallbackVerdict = { kind: "finish"; decision: Decision } | { kind: "confirm"; why: string };

function sameAmount(valor: unknown, amount: string): boolean {
  if (typeof valor !== "string") return false;
  try {
    return parseAmount(valor.trim()) === parseAmount(amount);
  } catch {
    return false;
  }
}

/**
 * Decides from the callbacks stored for the payment's `codigoSolicitacao` (one per distinct status).
 * `finish` only when every callback says success, the amount is the job's, the Pix key (when both
 * have one) is the job's, and the bank gave an endToEndId.
 */
export function fromCallbacks(state: PaymentState, payment: Payment, news: readonly CallbackNews[]): CallbackVerdict {
  const codigo = state.codigoSolicitacao;
  if (news.length === 0 || codigo === undefined) return { kind: "confirm", why: "no callback" };
  const classes = new Set(news.map((n) => classifyCallbackStatus(n.status)));
  // A word we cannot read beside a success says nothing against it (the spec's own examples send
  // PROCESSADO); a success beside a failure is a contradiction.
  if (classes.has("success") && classes.has("failure")) {
    return { kind: "confirm", why: `callbacks disagree (${news.map((n) => n.status ?? "no status").join(", ")})` };
  }
  if (classes.has("failure")) return { kind: "confirm", why: `callback says ${news.find((n) => classifyCallbackStatus(n.status) === "failure")?.status ?? ""}; a failure is confirmed by a status query` };
  if (!classes.has("success")) return { kind: "confirm", why: `callback status ${news[0]?.status ?? "missing"} is not one we can read` };
  const successes = news.filter((n) => classifyCallbackStatus(n.status) === "success");
  for (const n of successes) {
    if (n.codigoSolicitacao !== codigo) return { kind: "confirm", why: "callback for another codigoSolicitacao" };
    if (!sameAmount(n.valor, payment.amount)) return { kind: "confirm", why: "callback amount differs from the payment's" };
    const key = payment.recipient.type === "key" ? payment.recipient.key : undefined;
    if (n.chaveSha256 !== undefined && key !== undefined && n.chaveSha256 !== pixKeyDigest(key)) {
      return { kind: "confirm", why: "callback Pix key differs from the payment's" };
    }
    if (n.endToEnd === undefined || n.endToEnd === "") return { kind: "confirm", why: "callback has no endToEnd" };
  }
  const first = successes[0] as CallbackNews;
  const at = first.dataHoraMovimento;
  const next: PaymentState & { outcome: "paid" } = {
    ...state,
    attempts: 0,
    slot: undefined,
    configWaitSince: undefined,
    bankStatus: first.status?.trim().toUpperCase() ?? "EFETIVADO",
    endToEndId: first.endToEnd,
    history: [...(state.history ?? []), { status: `${first.status?.trim().toUpperCase() ?? "EFETIVADO"} (callback)`, ...(at === undefined ? {} : { at }) }],
    ...(at === undefined ? {} : { paidAt: at }),
    outcome: "paid",
  };
  return { kind: "finish", decision: { kind: "finish", state: next } };
}

/**
 * While Inter's callbacks reach a live receiver, the status query becomes the safety net: the waits
 * between polls of a payment the bank is processing stretch to at least `pollMs`.
 */
export function spacedForCallbacks(decision: Decision, pollMs: number): Decision {
  if (decision.kind !== "wait") return decision;
  const following = decision.why === "submitted" || decision.why.startsWith("bank status ");
  return following && decision.delayMs < pollMs ? { ...decision, delayMs: pollMs } : decision;
}
