// HTML of the dashboard's pages, built as strings: every value goes through `escapeHtml` (payment data comes
// from producers: a paymentId or a reason could carry markup). No inline script or style anywhere — the
// Content-Security-Policy is `default-src 'self'` — and the one script is /assets/dashboard.js.
import type { Principal } from "./auth.js";

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "`": "&#96;",
};

/** Text for an element's content or a quoted attribute value. */
export function escapeHtml(value: string | number | null | undefined): string {
  return String(value ?? "").replace(/[&<>"'`]/g, (c) => ENTITIES[c] ?? c);
}

/** A tagged template whose interpolations are escaped, unless they are `Html` already. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Part = Html | string | number | null | undefined | readonly Html[];

export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0] ?? "";
  values.forEach((value, i) => {
    if (value instanceof Html) out += value.text;
    else if (Array.isArray(value)) out += (value as readonly Html[]).map((v) => v.text).join("");
    else out += escapeHtml(value as string | number | null | undefined);
    out += strings[i + 1] ?? "";
  });
  return new Html(out);
}

/**
 * A whole page. `alerts` come first in <main>, above the page's own content: what an operator must see on
 * whichever page they are (an account held for insufficient balance).
 */
export function page(
  title: string,
  principal: Principal,
  body: Html,
  alerts: Html = html``,
  extra: { scripts?: string[]; styles?: string[] } = {},
): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title} · pixout</title>
<link rel="stylesheet" href="/assets/dashboard.css">
${(extra.styles ?? []).map((href) => html`<link rel="stylesheet" href="${href}">`)}
<script src="/assets/dashboard.js" defer></script>
${(extra.scripts ?? []).map((src) => html`<script src="${src}" defer></script>`)}
</head>
<body>
<header>
<strong class="brand">pixout</strong>
<nav><a href="/overview">Overview</a> <a href="/payments/list">Payments</a> <a href="/payments">Search</a> <a href="/reconciliation">Reconciliation</a> <a href="/queues">Queues</a> <a href="/metrics">Metrics</a></nav>
<span class="session" data-testid="session" data-role="${principal.role}">${principal.user} · ${principal.role}</span>
</header>
<main>
${alerts.text === "" ? html`` : html`<div class="alerts" data-testid="alerts">${alerts}</div>`}
${body}
</main>
</body>
</html>
`.text;
}
