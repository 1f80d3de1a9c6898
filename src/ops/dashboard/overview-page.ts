// The overview, the dashboard's home: today's money per paying account, what needs a human now (each with
// its action), the fleet's health and charts of the last hours. The live part is one fragment, rendered
// here for the page and again every few seconds for /overview/live (the page's script swaps it in); the
// charts' figures ride on the fragment's data-charts attribute (JSON, escaped like every value). Actions
// go through one panel outside the fragment, so that a refresh never wipes a reason being typed.
import type { Principal } from "./auth.js";
import { Html, html, page } from "./html.js";
import type { AttentionPayment, Money, Overview } from "./overview-data.js";
import { QUEUE_BOARD_PATH } from "./queue-board.js";

const OUTCOME_LABELS = {
  paid: "Paid",
  failed: "Failed",
  rejected: "Rejected",
  parked: "Parked",
  inProgress: "In progress",
};

function figure(label: string, testId: string, m: Money, tone = ""): Html {
  return html`<div class="figure ${tone}" data-testid="total-${testId}" data-count="${m.count}" data-cents="${m.cents}"><dt>${label}</dt><dd><span class="amount">${m.text}</span> <small>${m.count} ${m.count === 1 ? "payment" : "payments"}</small></dd></div>`;
}

function accountName(account: string): string {
  return account === "" ? "(unknown account)" : account;
}

function todaySection(o: Overview): Html {
  const t = o.totals;
  return html`<section data-testid="today" aria-labelledby="today-title">
<h2 id="today-title">Today <small>${o.day}, São Paulo</small></h2>
<dl class="figures">
${figure("Paid", "paid", t.paid, "good")}
${figure("Failed", "failed", t.failed, t.failed.count > 0 ? "bad" : "")}
${figure("Rejected", "rejected", t.rejected)}
${figure("Parked for reconciliation", "parked", t.parked, t.parked.count > 0 ? "bad" : "")}
${figure("In progress (sent, not final)", "in-progress", t.inProgress)}
${figure("Held for balance", "held", t.held, t.held.count > 0 ? "bad" : "")}
${figure("Awaiting approval", "approvals", t.approvals, t.approvals.count > 0 ? "warn" : "")}
</dl>
${
  o.accounts.length === 0
    ? html`<p class="note" data-testid="accounts-empty">No payment has reached an outcome today.</p>`
    : html`<table class="list accounts" data-testid="accounts"><thead><tr><th>Paying account</th>${Object.values(OUTCOME_LABELS).map((l) => html`<th class="num">${l}</th>`)}</tr></thead><tbody>${o.accounts.map(
        (a) =>
          html`<tr data-testid="account-row" data-account="${a.account}"><th scope="row">${accountName(a.account)}</th>${(
            ["paid", "failed", "rejected", "parked", "inProgress"] as const
          ).map((k) => html`<td class="num" data-field="${k}">${a[k].text} <small>(${a[k].count})</small></td>`)}</tr>`,
      )}</tbody></table>`
}
</section>`;
}

function paymentLink(p: { paymentId: string }): Html {
  return html`<a href="/payments?q=${encodeURIComponent(p.paymentId)}">${p.paymentId}</a>`;
}

function boardLink(queueName: string, paymentId: string): Html {
  return html`<a href="${QUEUE_BOARD_PATH}/queue/${encodeURIComponent(queueName)}/payment-${encodeURIComponent(paymentId)}">board</a>`;
}

function actionButton(principal: Principal, action: "retry" | "resume", target: string, label: string): Html {
  if (principal.role !== "operator") return html``;
  return html`<button type="button" class="act" data-action="${action}" data-target="${target}" data-testid="${action}-${target}">${label}</button>`;
}

function paymentList(
  title: string,
  testId: string,
  list: { total: number; items: AttentionPayment[] },
  empty: string,
  actions: (p: AttentionPayment) => Html,
  filter: string,
): Html {
  return html`<div class="attention-list" data-testid="${testId}" data-total="${list.total}">
<h3>${title} <span class="badge">${list.total}</span> ${list.total > list.items.length ? html`<a href="/payments/list?outcome=${filter}">all ${list.total}</a>` : html``}</h3>
${
  list.items.length === 0
    ? html`<p class="note">${empty}</p>`
    : html`<table class="list"><tbody>${list.items.map(
        (p) =>
          html`<tr data-testid="${testId}-item" data-payment-id="${p.paymentId}"><td>${paymentLink(p)}</td><td class="num">${p.amount}</td><td>${accountName(p.account)}</td><td><time datetime="${p.at}">${p.at.slice(0, 16).replace("T", " ")} UTC</time></td><td class="actions">${actions(p)}</td></tr>`,
      )}</tbody></table>`
}
</div>`;
}

function attentionSection(o: Overview, principal: Principal, queueName: string): Html {
  const a = o.attention;
  const viewerNote =
    principal.role === "operator"
      ? html``
      : html`<p class="note" data-testid="viewer-note">Viewers see these lists; an operator acts on them.</p>`;
  return html`<section data-testid="attention" aria-labelledby="attention-title">
<h2 id="attention-title">Needs a human now</h2>
${viewerNote}
${paymentList(
  "Parked for reconciliation",
  "parked",
  a.parked,
  "Nothing parked.",
  (p) =>
    html`${boardLink(queueName, p.paymentId)} <a href="/payments?q=${encodeURIComponent(p.paymentId)}">check and resolve</a>`,
  "needs-reconciliation",
)}
${paymentList(
  "Failed (a retry may pay them)",
  "failed",
  a.failed,
  "No failed payment.",
  (p) => html`${actionButton(principal, "retry", p.paymentId, "Retry")} ${boardLink(queueName, p.paymentId)}`,
  "failed",
)}
<div class="attention-list" data-testid="approvals" data-total="${a.approvals.total}">
<h3>Awaiting approval in Inter's internet banking <span class="badge">${a.approvals.total}</span></h3>
${
  a.approvals.items.length === 0
    ? html`<p class="note">No payment awaits approval.</p>`
    : html`<table class="list"><tbody>${a.approvals.items.map(
        (p) =>
          html`<tr data-testid="approvals-item" data-payment-id="${p.paymentId}"><td>${paymentLink(p)}</td><td class="num">${p.amount}</td><td>${accountName(p.account)}</td><td class="${p.minutesLeft < 30 ? "deadline-near" : ""}">approve within ${p.minutesLeft} min</td><td>${p.codigoSolicitacao ?? ""}</td></tr>`,
      )}</tbody></table>`
}
</div>
<div class="attention-list" data-testid="held" data-total="${a.held.length}">
<h3>Accounts held for insufficient balance <span class="badge">${a.held.length}</span></h3>
${
  a.held.length === 0
    ? html`<p class="note">No account is held.</p>`
    : html`<table class="list"><tbody>${a.held.map(
        (h) =>
          html`<tr data-testid="held-item" data-account="${h.account}"><td>${accountName(h.account)}</td><td>${h.payments} waiting, ${h.amount}</td><td>${h.reason}</td><td>${h.checks} balance checks; next at <time datetime="${h.nextCheckAt}">${h.nextCheckAt.slice(11, 16)} UTC</time></td><td class="actions">${actionButton(principal, "resume", h.account, "Resume now")}</td></tr>`,
      )}</tbody></table>`
}
</div>
<div class="attention-list" data-testid="findings" data-total="${a.findings.total}">
<h3>Reconciliation findings <span class="badge">${a.findings.total}</span></h3>
${
  a.findings.finishedAt === undefined
    ? html`<p class="note">No reconciliation run is kept yet.</p>`
    : html`<p>${
        a.findings.total === 0
          ? "The latest run found nothing to look at."
          : Object.entries(a.findings.byKind)
              .map(([k, n]) => `${k}: ${String(n)}`)
              .join(", ")
      } <small>(run finished ${a.findings.finishedAt}${a.findings.complete === false ? ", incomplete" : ""})</small> <a href="/reconciliation">open</a></p>`
}
</div>
</section>`;
}

function fleetSection(o: Overview): Html {
  const f = o.fleet;
  const use = (u: { perMinute: number; limitPerMinute: number | null }): string =>
    u.limitPerMinute === null
      ? `${u.perMinute.toFixed(1)}/min`
      : `${u.perMinute.toFixed(1)} of ${String(u.limitPerMinute)}/min (${String(Math.round((100 * u.perMinute) / Math.max(1, u.limitPerMinute)))} %)`;
  const cert = f.certificateDaysLeft;
  return html`<section data-testid="fleet" aria-labelledby="fleet-title">
<h2 id="fleet-title">Fleet</h2>
<dl class="figures small">
<div class="figure ${f.workersAlive === 0 ? "bad" : "good"}" data-testid="fleet-workers" data-value="${f.workersAlive}"><dt>Workers alive</dt><dd>${f.workersAlive}</dd></div>
<div class="figure" data-testid="fleet-sends"><dt>Sends (5-min average)</dt><dd>${use(f.sends)}</dd></div>
<div class="figure" data-testid="fleet-status"><dt>Status queries</dt><dd>${use(f.statusQueries)}</dd></div>
<div class="figure ${f.lastHour.rateLimited > 0 ? "warn" : ""}" data-testid="fleet-429" data-value="${f.lastHour.rateLimited}"><dt>429s, last hour</dt><dd>${f.lastHour.rateLimited}</dd></div>
<div class="figure ${f.lastHour.tokenFailures > 0 ? "bad" : ""}" data-testid="fleet-token"><dt>Token requests, last hour</dt><dd>${f.lastHour.tokenRequests} <small>${f.lastHour.tokenFailures} failed</small></dd></div>
<div class="figure ${cert !== null && cert < 30 ? (cert < 7 ? "bad" : "warn") : ""}" data-testid="fleet-certificate"><dt>Certificate</dt><dd>${cert === null ? "no live worker" : `${String(cert)} days left`}</dd></div>
<div class="figure ${f.receiver.running && !f.receiver.flowing ? "warn" : ""}" data-testid="fleet-webhooks"><dt>Inter webhooks</dt><dd>${f.receiver.running ? (f.receiver.flowing ? "heard from in the last 15 min" : "receiver runs, nothing heard for 15 min") : "no receiver (polling only)"}</dd></div>
<div class="figure" data-testid="fleet-queue"><dt>Queue</dt><dd>${f.queue.waiting} waiting · ${f.queue.active} active · ${f.queue.delayed} delayed</dd></div>
</dl>
</section>`;
}

/** The live part: what /overview/live answers and the page embeds. */
export function renderOverviewLive(o: Overview, principal: Principal, queueName: string): string {
  return html`<div id="overview-live" data-testid="overview" data-generated-at="${o.generatedAt}" data-charts="${JSON.stringify(o.charts)}">
${todaySection(o)}
${attentionSection(o, principal, queueName)}
${fleetSection(o)}
<p class="note">Updated <time datetime="${o.generatedAt}" data-testid="generated-at">${o.generatedAt.slice(11, 19)} UTC</time>; refreshes every few seconds.</p>
</div>`.text;
}

function actionPanel(principal: Principal): Html {
  if (principal.role !== "operator") return html``;
  return html`<form id="action-panel" class="retry" data-testid="action-panel" hidden>
<h3 data-testid="action-title"></h3>
<p class="hint" data-testid="action-hint"></p>
<label for="action-reason">Reason (kept in the audit, with your name)</label>
<input id="action-reason" name="reason" required maxlength="500" data-testid="action-reason">
<label data-testid="action-new-attempt-label"><input type="checkbox" name="newAttempt" data-testid="action-new-attempt"> New attempt, under a NEW bank key</label>
<p class="hint" data-testid="action-new-attempt-hint">Only after the bank ended the payment for good (FALHA, CANCELADO_SEM_SALDO, REPROVADO, EXPIRADO…); without it the retry reuses the payment's key.</p>
<button type="submit" data-testid="action-submit">Confirm</button> <button type="button" data-testid="action-cancel" class="cancel">Cancel</button>
<output data-testid="action-result" aria-live="polite"></output>
</form>`;
}

export function renderOverviewPage(
  o: Overview | undefined,
  principal: Principal,
  queueName: string,
  error?: string,
): string {
  const live =
    o === undefined
      ? html`<div id="overview-live" data-testid="overview"><p class="error" data-testid="page-error">${error ?? "unavailable"}</p></div>`
      : new Html(renderOverviewLive(o, principal, queueName));
  return page(
    "Overview",
    principal,
    html`<h1 class="visually-hidden">Overview</h1>
${actionPanel(principal)}
${live}
<section data-testid="charts" aria-labelledby="charts-title">
<h2 id="charts-title">Last hours</h2>
<div class="charts">
<figure><figcaption>Payments per minute, by outcome</figcaption><div id="chart-outcomes" data-testid="chart-outcomes"></div></figure>
<figure><figcaption>Bank latency p95 (send and status), ms</figcaption><div id="chart-latency" data-testid="chart-latency"></div></figure>
<figure><figcaption>Enqueue to paid, p95, seconds</figcaption><div id="chart-e2p" data-testid="chart-e2p"></div></figure>
</div>
<p class="note">p95s are the upper bound of the bucket they fall in. <a href="/payments/list">All payments</a></p>
</section>`,
    undefined,
    { scripts: ["/assets/uplot.js", "/assets/overview.js"], styles: ["/assets/uplot.css"] },
  );
}
