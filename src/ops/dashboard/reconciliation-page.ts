// The /reconciliation page: the fleet's recent reconciliation runs with Inter's statement (kept in Redis by
// src/queue/worker/reconcile-run.ts) and, for the latest, every row that is not plainly in order — findings for a
// human first, then the parked payments it resolved or left waiting — each linked to its payment. Read
// only: a resolution needs the statement checked, which `pixout resolve` does (docs/operating/reconciliation.md).
import { formatCents } from "../../payments/money.js";
import { FINDING_KINDS } from "../../payments/reconciliation.js";
import type { ReconcileReport } from "../../queue/worker/reconcile-run.js";
import type { Principal } from "./auth.js";
import type { BalanceFacts } from "./balance-facts.js";
import { heldAccountBanners } from "./balance-section.js";
import { html, page, type Html } from "./html.js";

function runRow(r: ReconcileReport, i: number): Html {
  const kinds = Object.entries(r.byKind)
    .map(([k, n]) => `${k} ${String(n)}`)
    .join(", ");
  const resolved = r.applied.filter((a) => a.status === "resolved").length;
  const state = !r.complete ? "incomplete" : r.findings > 0 ? "findings" : "clean";
  return html`<tr data-testid="run-${String(i)}" class="run-${state}"><td>${r.finishedAt}</td><td>${r.window.from} .. ${r.window.to}${r.account === undefined ? "" : ` (account ${r.account})`}</td><td data-testid="run-state-${String(i)}">${state}</td><td>${r.findings}</td><td>${resolved}</td><td>${kinds || "nothing to reconcile"}</td></tr>`;
}

function rowsOf(report: ReconcileReport): Html {
  const rows = [...report.rows].sort((a, b) => Number(FINDING_KINDS.has(b.kind)) - Number(FINDING_KINDS.has(a.kind)));
  if (rows.length === 0)
    return html`<p class="note" data-testid="latest-clean">Every debit and every payment of the window is in order.</p>`;
  return html`<table class="list" data-testid="latest-rows"><thead><tr><th>needs a human</th><th>kind</th><th>payment</th><th>amount</th><th>statement entries</th><th>detail</th></tr></thead><tbody>${rows.map(
    (r) =>
      html`<tr data-testid="row-${r.kind}"><td>${FINDING_KINDS.has(r.kind) ? "yes" : "no"}</td><td>${r.kind}</td><td>${
        r.paymentId === undefined
          ? html`—`
          : html`<a href="/payments?q=${encodeURIComponent(r.paymentId)}">${r.paymentId}</a>`
      }</td><td>${r.amountCents === undefined ? "" : `R$ ${formatCents(r.amountCents)}`}</td><td>${[...r.debitIds, ...(r.candidateIds ?? []).map((c) => `${c} (candidate)`)].join(", ")}</td><td>${r.detail}</td></tr>`,
  )}</tbody></table>`;
}

/**
 * `latest`: the latest run over every account; `reports`: the recent runs, newest first; `balance`: for the
 * banners of the held accounts, which every page shows (nothing from them is paid while they are held).
 */
export function renderReconciliationPage(
  principal: Principal,
  reports: readonly ReconcileReport[] | undefined,
  latest?: ReconcileReport,
  balance?: BalanceFacts,
): string {
  const alerts = balance === undefined ? undefined : heldAccountBanners(balance, principal);
  if (reports === undefined) {
    return page(
      "Reconciliation",
      principal,
      html`<h2>Reconciliation</h2><p class="error" data-testid="reconciliation-unavailable">Unavailable: Redis does not answer.</p>`,
      alerts,
    );
  }
  const body =
    latest === undefined
      ? html`<p class="note" data-testid="no-runs">No reconciliation of every account has run: set PIXOUT_RECONCILE=true on the workers, or run <code>pixout reconcile</code> (docs/operating/reconciliation.md).</p>`
      : html`<h3>Latest run of every account: ${latest.window.from} .. ${latest.window.to}</h3>
${latest.complete ? html`` : html`<p class="error" data-testid="latest-incomplete">The statement was not read to its end: nothing was concluded from a missing debit.</p>`}
${rowsOf(latest)}
<p class="note">To resolve a parked payment by hand: <code>pixout resolve ID (--paid --end-to-end E… | --not-executed) --reason "…"</code> — refused where the statement does not agree.</p>
<h3>Recent runs</h3>
${runsTable(reports)}`;
  return page(
    "Reconciliation",
    principal,
    html`<h2>Reconciliation with Inter's statement</h2>
${body}${latest === undefined && reports.length > 0 ? runsTable(reports) : html``}`,
    alerts,
  );
}

function runsTable(reports: readonly ReconcileReport[]): Html {
  return html`<table class="list" data-testid="runs"><thead><tr><th>finished</th><th>days</th><th>state</th><th>findings</th><th>resolved</th><th>rows</th></tr></thead><tbody>${reports.map(runRow)}</tbody></table>`;
}
