// The /payments/list page (filters, a page of payments, a link to the next, the CSV of what the filters
// select) and that CSV. Only pixout's identifiers, the paying account, outcome, amount and moment are
// listed: no recipient — nothing personal to mask, on screen or in the file.
import { formatCents } from "../../payments/money.js";
import type { Principal } from "./auth.js";
import { html, page } from "./html.js";
import { filtersQuery, LIST_OUTCOMES, type ListFilters } from "./list-filters.js";
import type { ListedPayment, ListPage } from "./payment-list.js";

/** 123456 → "1234,56", as a person would type it back. */
function typedAmount(cents: number | undefined): string {
  return cents === undefined ? "" : formatCents(cents).replace(".", ",");
}

export function renderListPage(
  principal: Principal,
  filters: ListFilters,
  result: ListPage | { problems: string[] },
): string {
  const form = html`<form class="filters" method="get" action="/payments/list" data-testid="list-filters">
<label>Outcome <select name="outcome" data-testid="filter-outcome"><option value="">any</option>${LIST_OUTCOMES.map(
    (o) => html`<option value="${o}"${filters.outcome === o ? html` selected` : html``}>${o}</option>`,
  )}</select></label>
<label>Account <input name="account" value="${filters.account ?? ""}" inputmode="numeric" size="12" data-testid="filter-account"></label>
<label>From <input name="from" type="date" value="${filters.from ?? ""}" data-testid="filter-from"></label>
<label>To <input name="to" type="date" value="${filters.to ?? ""}" data-testid="filter-to"></label>
<label>Min R$ <input name="min" value="${typedAmount(filters.minCents)}" size="10" data-testid="filter-min"></label>
<label>Max R$ <input name="max" value="${typedAmount(filters.maxCents)}" size="10" data-testid="filter-max"></label>
<button type="submit" data-testid="filter-submit">Filter</button>
<a href="/payments/list.csv${filtersQuery(filters)}" data-testid="csv-link" download>Export CSV</a>
</form>`;
  if ("problems" in result) {
    return page(
      "Payments",
      principal,
      html`<h2>Payments</h2>${form}<ul class="error" data-testid="filter-problems">${result.problems.map((p) => html`<li>${p}</li>`)}</ul>`,
    );
  }
  const { payments, next, examined } = result;
  const table =
    payments.length === 0
      ? html`<p class="note" data-testid="list-empty">No payment matches${next ? html` among the ${examined} looked at; <a href="/payments/list${filtersQuery(filters, { cursor: `${String(next.before)}.${String(next.skip)}` })}">look further</a>` : html``}.</p>`
      : html`<table class="list" data-testid="payment-list"><thead><tr><th>paymentId</th><th>outcome</th><th>account</th><th class="num">amount</th><th>at (UTC)</th><th>codigoSolicitacao</th></tr></thead><tbody>${payments.map(
          (p) =>
            html`<tr data-testid="list-row" data-payment-id="${p.paymentId}" data-outcome="${p.outcome}"><td><a href="/payments?q=${encodeURIComponent(p.paymentId)}">${p.paymentId}</a></td><td>${p.outcome}</td><td>${p.account}</td><td class="num">${p.amountText}</td><td>${p.at.slice(0, 19).replace("T", " ")}</td><td>${p.codigoSolicitacao}</td></tr>`,
        )}</tbody></table>
${next ? html`<p><a href="/payments/list${filtersQuery(filters, { cursor: `${String(next.before)}.${String(next.skip)}` })}" data-testid="list-next">Next page</a></p>` : html`<p class="note" data-testid="list-end">End of the list.</p>`}`;
  return page(
    "Payments",
    principal,
    html`<h2>Payments <small>newest outcome first; concluded payments are kept as long as their jobs</small></h2>${form}${table}`,
  );
}

export const CSV_HEADER = "paymentId,outcome,account,amount,at,codigoSolicitacao\r\n";

/** A CSV field: quoted when needed, and a leading = + - @ (a spreadsheet formula) defused with a quote. */
function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvRow(p: ListedPayment): string {
  return `${[p.paymentId, p.outcome, p.account, p.amount, p.at, p.codigoSolicitacao].map(csvField).join(",")}\r\n`;
}
