// HTML of the balance facts (balance-facts.ts): a banner for each paying account the fleet holds for
// insufficient balance — on every page, since nothing from that account is paid while it shows — with an
// operator's "Resume now" form (sent by /assets/dashboard.js: it needs a CSRF token), and the list of
// payments awaiting approval in Inter's internet banking, whose deadlines someone has to beat.
import { formatCents } from "../../payments/money.js";
import type { AccountHold } from "../../queue/account-holds.js";
import { DEFAULT_ACCOUNT_KEY } from "../../queue/worker/processor.js";
import type { Principal } from "./auth.js";
import type { ApprovalsRead, BalanceFacts } from "./balance-facts.js";
import { html, type Html } from "./html.js";
import { scrubText } from "./personal-data.js";

/** A deadline this close (or past) is highlighted: approving takes a person, who may need the time. */
export const NEAR_DEADLINE_MS = 2 * 60 * 60_000;

const iso = (ms: number): string => new Date(ms).toISOString();
const plural = (n: number, one: string, many: string): string => `${String(n)} ${n === 1 ? one : many}`;

function accountLabel(account: string): string {
  return account === DEFAULT_ACCOUNT_KEY ? "The integration's account (default)" : `Account ${account}`;
}

/** The last balance check, as far as one was made: what the next check has to find. */
function lastCheck(h: AccountHold): string {
  const next = `next check at ${iso(h.nextCheckAt)}`;
  if (h.lastCheckAt === undefined) return `no balance read yet / ${next}`;
  if (h.lastCheckError !== undefined)
    return `the last balance check failed at ${iso(h.lastCheckAt)} (${scrubText(h.lastCheckError)}) / ${next}`;
  if (h.lastSpendableCents === undefined) return `last balance read at ${iso(h.lastCheckAt)} / ${next}`;
  return `last balance read R$ ${formatCents(h.lastSpendableCents)} at ${iso(h.lastCheckAt)} / ${next}`;
}

function resumeForm(h: AccountHold, principal: Principal): Html {
  if (principal.role !== "operator") {
    return html`<p class="note" data-testid="resume-unavailable-${h.account}">It resumes by itself once the balance covers the oldest payment; an operator can resume it now.</p>`;
  }
  return html`<form class="resume-form" data-testid="resume-form-${h.account}" data-account="${h.account}">
<label for="resume-reason-${h.account}">Reason (logged and sent in the account.resumed event, with your name)</label>
<input id="resume-reason-${h.account}" name="reason" required maxlength="500" data-testid="resume-reason-${h.account}">
<button type="submit" data-testid="resume-submit-${h.account}">Resume now</button>
<noscript><p class="error">Resuming needs JavaScript (the request carries a CSRF token).</p></noscript>
<output data-testid="resume-result-${h.account}" aria-live="polite"></output>
</form>`;
}

function heldBanner(h: AccountHold, principal: Principal): Html {
  const waiting =
    h.heldPayments === 0
      ? "no payment waiting"
      : `${plural(h.heldPayments, "payment", "payments")}, R$ ${formatCents(h.heldCents)} waiting${h.oldestCents === undefined ? "" : `; the oldest needs R$ ${formatCents(h.oldestCents)}`}`;
  return html`<div class="banner banner-held" role="alert" data-testid="held-account-${h.account}" data-account="${h.account}" data-source="${h.source}">
<p><strong>${accountLabel(h.account)} is held</strong> since ${iso(h.since)} (${scrubText(h.reason)}): ${waiting}; ${lastCheck(h)}.</p>
${resumeForm(h, principal)}
</div>`;
}

/** One banner per held account; a banner saying so when the holds could not be read; nothing when none is held. */
export function heldAccountBanners(facts: BalanceFacts, principal: Principal): Html {
  if (!facts.holds.ok) {
    return html`<div class="banner banner-unknown" role="alert" data-testid="holds-unavailable"><p><strong>The accounts held for insufficient balance could not be read</strong> (Redis did not answer): an account the fleet holds would not show here. Try again, or run <code>pixout balance</code>.</p></div>`;
  }
  return html`${facts.holds.holds.map((h) => heldBanner(h, principal))}`;
}

function deadlineCell(deadline: number, now: number, paymentId: string): Html {
  const left = deadline - now;
  const near = left <= NEAR_DEADLINE_MS;
  const minutes = Math.ceil(left / 60_000);
  const when =
    left <= 0 ? "passed" : `in ${String(Math.floor(minutes / 60))} h ${String(minutes % 60).padStart(2, "0")} min`;
  return html`<td${near ? html` class="deadline-near"` : html``} data-testid="approval-deadline-${paymentId}" data-near="${near ? "true" : "false"}">${iso(deadline)} (${when})</td>`;
}

function approvalRows(a: Extract<ApprovalsRead, { ok: true }>, now: number): Html {
  return html`<table class="list" data-testid="approvals-list"><thead><tr><th>payment</th><th>amount</th><th>waiting since</th><th>deadline</th><th>account</th></tr></thead><tbody>${a.entries.map(
    (e) =>
      html`<tr data-testid="approval-${e.paymentId}"><td><a href="/payments?q=${encodeURIComponent(e.paymentId)}">${e.paymentId}</a></td><td>R$ ${formatCents(e.amountCents)}</td><td>${iso(e.since)}</td>${deadlineCell(e.deadline, now, e.paymentId)}<td>${e.account ?? "—"}</td></tr>`,
  )}</tbody></table>`;
}

/** The payments awaiting approval, oldest first, with their total. */
export function approvalsSection(facts: BalanceFacts): Html {
  const a = facts.approvals;
  let body: Html;
  if (!a.ok)
    body = html`<p class="error" data-testid="approvals-unavailable">The payments awaiting approval could not be read (Redis did not answer). Try again, or run <code>pixout approvals</code>.</p>`;
  else if (a.count === 0)
    body = html`<p class="note" data-testid="approvals-empty">No payment is waiting for approval in Inter's internet banking.</p>`;
  else {
    body = html`<p data-testid="approvals-total"><strong>${plural(a.count, "payment", "payments")}, R$ ${formatCents(a.cents)} in all</strong>: approve them in Inter's internet banking or app before their deadline — past it, pixout stops waiting and parks each for a human.</p>
${approvalRows(a, facts.now)}
${a.entries.length < a.count ? html`<p class="note" data-testid="approvals-more">The oldest ${a.entries.length} of ${a.count} are listed.</p>` : html``}`;
  }
  return html`<section id="approvals" data-testid="approvals">
<h2>Awaiting approval</h2>
${body}
</section>`;
}
