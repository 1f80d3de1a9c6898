// What a callback from Inter's `pix-pagamento` webhook means for a payment (docs/reference/inter-api.md §5.1).
// Pure.
//
// A callback is bank evidence only from a caller pinned by its certificate (PIXOUT_WEBHOOK_CLIENT_FINGERPRINTS
// or _SUBJECTS): any certificate Inter's CA signed — another customer's integration, ours — passes the TLS
// handshake, so an unpinned callback only wakes the payment's status query, and the query decides. Even
// pinned, its status vocabulary is inconsistent in Inter's own documents: the spec's enum is EFETIVADO | ERRO |
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

/** The fields of a callback item the rules read (the receiver keeps these and a few more, src/inter-callbacks/callback-item.ts). */
export interface CallbackNews {
  codigoSolicitacao: string;
  /** Its caller's certificate was pinned: only then may it finish a payment. */
  trusted?: boolean;
  /** The delivery's `x-conta-corrente`: the account the callback is about. */
  account?: string;
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

/** `E` + the ISPB (8 digits) + yyyyMMddHHmm (UTC) + 11 letters or digits: the Pix end-to-end id, 32 characters. */
const END_TO_END = /^E(\d{8})(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})([A-Za-z0-9]{11})$/;

/** The moment an end-to-end id names (epoch ms, UTC to the minute), or undefined when it is not one. */
export function endToEndMoment(e2e: string): number | undefined {
  const m = END_TO_END.exec(e2e);
  if (!m) return undefined;
  const [y, mo, d, h, mi] = [m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number];
  const at = Date.UTC(y, mo - 1, d, h, mi);
  const back = new Date(at);
  return back.getUTCMonth() === mo - 1 && back.getUTCDate() === d && h < 24 && mi < 60 ? at : undefined;
}

/** What the worker knows that a callback must agree with. */
export interface CallbackContext {
  now: number;
  /** When this generation was first sent (epoch ms): a callback's endToEnd cannot name an earlier minute. */
  sentAt?: number;
  /** The account the payment is paid from (its `account`, else INTER_ACCOUNT), when known. */
  account?: string;
  /** São Paulo's date now (`YYYY-MM-DD`): a payment scheduled for a later day cannot be paid yet. */
  today: string;
}

/**
 * Decides from the callbacks stored for the payment's `codigoSolicitacao` (one per distinct status).
 * `finish` only when every callback is from a pinned caller and says success, and each agrees with the
 * job: the codigoSolicitacao, the amount, the Pix key (a key payment's callback must carry one), an
 * end-to-end id of the Pix format naming a minute not before the send, the paying account when known —
 * and the payment is not scheduled for a later day. Anything else is confirmed by a status query.
 */
export function fromCallbacks(
  state: PaymentState,
  payment: Payment,
  news: readonly CallbackNews[],
  context: CallbackContext,
): CallbackVerdict {
  const codigo = state.codigoSolicitacao;
  if (news.length === 0 || codigo === undefined) return { kind: "confirm", why: "no callback" };
  const classes = new Set(news.map((n) => classifyCallbackStatus(n.status)));
  // A word we cannot read beside a success says nothing against it (the spec's own examples send
  // PROCESSADO); a success beside a failure is a contradiction.
  if (classes.has("success") && classes.has("failure")) {
    return { kind: "confirm", why: `callbacks disagree (${news.map((n) => n.status ?? "no status").join(", ")})` };
  }
  if (classes.has("failure"))
    return {
      kind: "confirm",
      why: `callback says ${news.find((n) => classifyCallbackStatus(n.status) === "failure")?.status ?? ""}; a failure is confirmed by a status query`,
    };
  if (!classes.has("success"))
    return { kind: "confirm", why: `callback status ${news[0]?.status ?? "missing"} is not one we can read` };
  const successes = news.filter((n) => classifyCallbackStatus(n.status) === "success");
  if (successes.some((n) => n.trusted !== true)) {
    return {
      kind: "confirm",
      why: "callback from a caller not pinned (PIXOUT_WEBHOOK_CLIENT_FINGERPRINTS): it only wakes the status query",
    };
  }
  if (payment.scheduledFor !== undefined && payment.scheduledFor > context.today)
    return { kind: "confirm", why: "a success callback for a payment scheduled for a later day" };
  for (const n of successes) {
    if (n.codigoSolicitacao !== codigo) return { kind: "confirm", why: "callback for another codigoSolicitacao" };
    if (!sameAmount(n.valor, payment.amount))
      return { kind: "confirm", why: "callback amount differs from the payment's" };
    const key = payment.recipient.type === "key" ? payment.recipient.key : undefined;
    if (key !== undefined && n.chaveSha256 === undefined)
      return { kind: "confirm", why: "callback without the Pix key of a payment by key" };
    if (n.chaveSha256 !== undefined && key !== undefined && n.chaveSha256 !== pixKeyDigest(key)) {
      return { kind: "confirm", why: "callback Pix key differs from the payment's" };
    }
    const moment = n.endToEnd === undefined ? undefined : endToEndMoment(n.endToEnd);
    if (moment === undefined) return { kind: "confirm", why: "callback without a Pix end-to-end id" };
    // The id names the minute (UTC) the Pix was made: not before the minute of our first send.
    if (context.sentAt !== undefined && moment < Math.floor(context.sentAt / 60_000) * 60_000) {
      return { kind: "confirm", why: "callback end-to-end id older than the payment's send" };
    }
    if (moment > context.now + 5 * 60_000) return { kind: "confirm", why: "callback end-to-end id in the future" };
    if (context.account !== undefined && n.account !== undefined && n.account !== context.account) {
      return { kind: "confirm", why: "callback for another paying account" };
    }
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
    history: [
      ...(state.history ?? []),
      {
        status: `${first.status?.trim().toUpperCase() ?? "EFETIVADO"} (callback)`,
        ...(at === undefined ? {} : { at }),
      },
    ],
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
