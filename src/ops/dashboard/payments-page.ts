// The /payments page: the accounts held for insufficient balance (a banner each), the payout queue's counts,
// the payments awaiting approval, one search box, and the payment found — its outcome, identifiers, bank
// status history and audit — with a retry form for operators. Server-rendered; element ids and data-testid
// attributes are for people's bookmarks and the browser test.
import type { Principal } from "./auth.js";
import type { BalanceFacts } from "./balance-facts.js";
import { approvalsSection, heldAccountBanners } from "./balance-section.js";
import { html, page, type Html } from "./html.js";
import type { MaskedRecipient } from "./personal-data.js";
import type { DashboardPayment, SearchResult } from "./payment-search.js";

const COUNT_STATES = ["waiting", "active", "delayed", "completed", "failed"] as const;
export type QueueCounts = Record<(typeof COUNT_STATES)[number], number>;

export interface PaymentsPageInput {
  principal: Principal;
  queueName: string;
  /** Undefined when Redis did not answer. */
  counts: QueueCounts | undefined;
  query: string;
  result: SearchResult | undefined;
  /** The holds and approvals (each may say it could not be read); undefined: not shown (a bad request). */
  balance?: BalanceFacts;
}

export function describeRecipient(r: MaskedRecipient | null): string {
  if (r === null) return "none";
  switch (r.type) {
    case "key":
      return `Pix key ${r.key}${r.keyType === undefined ? "" : ` (${r.keyType})`}`;
    case "bank":
      return [
        `bank ${r.ispb ?? "?"}`,
        `branch ${r.branch ?? "?"}`,
        `account ${r.account ?? "?"}`,
        r.accountType,
        r.document,
        r.name,
      ]
        .filter(Boolean)
        .join(", ");
    case "brcode":
      return `BR Code ${r.code}`;
    case "encrypted":
      return `encrypted${r.kid === undefined ? "" : ` (data key ${r.kid})`}`;
    case "unknown":
      return "not recognised";
  }
}

function countsSection(queueName: string, counts: QueueCounts | undefined): Html {
  if (!counts)
    return html`<section id="queue-counts" data-testid="queue-counts"><p class="error" data-testid="counts-unavailable">Queue counts unavailable: Redis does not answer.</p></section>`;
  return html`<section id="queue-counts" data-testid="queue-counts" aria-label="queue ${queueName}">
<h2>Queue ${queueName}</h2>
<dl class="counts">${COUNT_STATES.map(
    (state) =>
      html`<div><dt>${state}</dt><dd id="count-${state}" data-testid="count-${state}">${counts[state]}</dd></div>`,
  )}</dl>
</section>`;
}

function searchForm(query: string): Html {
  return html`<form class="search" method="get" action="/payments" role="search">
<label for="search">Find a payment</label>
<input id="search" name="q" type="search" value="${query}" maxlength="128" data-testid="search-input" placeholder="paymentId, codigoSolicitacao or endToEndId" autofocus>
<button type="submit" data-testid="search-submit">Search</button>
</form>`;
}

function row(label: string, testId: string, value: string | number | null | undefined): Html {
  return html`<tr><th scope="row">${label}</th><td data-testid="payment-${testId}">${value ?? "—"}</td></tr>`;
}

function auditField(entry: unknown, field: string): string {
  const value = typeof entry === "object" && entry !== null ? (entry as Record<string, unknown>)[field] : undefined;
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? String(value) : "";
}

function retryForm(p: DashboardPayment, principal: Principal): Html {
  if (principal.role !== "operator") {
    return html`<p class="note" data-testid="retry-unavailable">Viewers cannot retry payments; ask an operator.</p>`;
  }
  return html`<form id="retry-form" class="retry" data-testid="retry-form" data-payment-id="${p.paymentId}">
<h3>Retry this payment</h3>
<p class="hint">A paid payment is never retried and one in progress is left alone; a retry reuses the payment's bank key, so the bank answers with the payment it may already have.</p>
<label for="retry-reason">Reason (kept in the audit, with your name)</label>
<input id="retry-reason" name="reason" required maxlength="500" data-testid="retry-reason">
<label><input type="checkbox" name="newAttempt" data-testid="retry-new-attempt"> New attempt</label>
<p class="hint">Only after the bank ended the payment for good (CANCELADO_SEM_SALDO, REPROVADO, EXPIRADO…): pays again under a NEW bank key.</p>
<label><input type="checkbox" name="notExecuted" data-testid="retry-not-executed"> Not executed</label>
<p class="hint">Only for a payment parked for reconciliation that you checked in the bank statement and found NOT executed: resends it with the same key.</p>
<button type="submit" data-testid="retry-submit">Retry</button>
<noscript><p class="error">Retrying needs JavaScript (the request carries a CSRF token).</p></noscript>
<output id="retry-result" data-testid="retry-result" aria-live="polite"></output>
</form>`;
}

function paymentSection(matchedBy: string, p: DashboardPayment, principal: Principal): Html {
  const lastError = p.lastError ? `${p.lastError.code} at ${p.lastError.at}: ${p.lastError.message}` : null;
  return html`<section id="payment" data-testid="payment" data-payment-id="${p.paymentId}" data-outcome="${p.outcome}">
<h2>Payment <span data-testid="payment-id">${p.paymentId}</span> <small>found by ${matchedBy}</small></h2>
<table class="facts">
${row("outcome", "outcome", p.outcome)}
${row("job state", "job-state", `${p.jobState} (job ${p.jobId})`)}
${row("amount", "amount", p.amount === undefined ? null : `R$ ${p.amount}`)}
${row("recipient", "recipient", describeRecipient(p.recipient))}
${row("bank status", "bank-status", p.bankStatus)}
${row("codigoSolicitacao", "codigo-solicitacao", p.codigoSolicitacao)}
${row("endToEndId", "end-to-end-id", p.endToEndId)}
${row("attempts", "attempts", p.attempts)}
${row("polls", "polls", p.polls)}
${row("generation", "generation", p.generation)}
${row("bank idempotency key", "idempotency-key", p.idempotencyKey)}
${row("failed reason", "failed-reason", p.failedReason)}
${row("reconciliation reason", "reason", p.reason)}
${row("last error", "last-error", lastError)}
${row("enqueued", "enqueued-at", p.enqueuedAt)}
${row("finished", "finished-at", p.finishedAt)}
</table>
<h3>Bank status history</h3>
${
  p.history.length === 0
    ? html`<p class="note" data-testid="history-empty">No status from the bank yet.</p>`
    : html`<table class="list" data-testid="history"><thead><tr><th>status</th><th>at (as Inter writes it: São Paulo time)</th></tr></thead><tbody>${p.history.map(
        (h) => html`<tr><td>${h.status}</td><td>${h.at ?? ""}</td></tr>`,
      )}</tbody></table>`
}
<h3>Audit</h3>
${
  p.audit.length === 0
    ? html`<p class="note" data-testid="audit-empty">No operator has retried this payment.</p>`
    : html`<table class="list" data-testid="audit"><thead><tr><th>at</th><th>actor</th><th>action</th><th>reason</th><th>new key</th><th>generation</th></tr></thead><tbody>${p.audit.map(
        (e) =>
          html`<tr><td>${auditField(e, "at")}</td><td>${auditField(e, "actor")}</td><td>${auditField(e, "action")}</td><td>${auditField(e, "reason")}</td><td>${auditField(e, "newKey") === "true" ? "yes" : "no"}</td><td>${auditField(e, "generation")}</td></tr>`,
      )}</tbody></table>`
}
${retryForm(p, principal)}
<p><a href="/payments?q=${encodeURIComponent(p.paymentId)}" data-testid="refresh">Refresh</a></p>
</section>`;
}

export function renderPaymentsPage(input: PaymentsPageInput): string {
  const { result } = input;
  const found =
    result === undefined
      ? html``
      : result.found
        ? paymentSection(result.matchedBy, result.payment, input.principal)
        : html`<p class="error" id="search-error" data-testid="search-error">${result.error}</p>`;
  const { balance } = input;
  return page(
    "Payments",
    input.principal,
    html`${countsSection(input.queueName, input.counts)}
${balance === undefined ? html`` : approvalsSection(balance)}
${searchForm(input.query)}
${found}`,
    balance === undefined ? undefined : heldAccountBanners(balance, input.principal),
  );
}

export function renderErrorPage(principal: Principal, title: string, message: string): string {
  return page(
    title,
    principal,
    html`<h2>${title}</h2><p class="error" data-testid="page-error">${message}</p><p><a href="/payments">Back to payments</a></p>`,
  );
}
