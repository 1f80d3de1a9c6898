// What `pixout webhook callbacks` prints of Inter's record of its deliveries, and which payments
// `pixout webhook replay` asks Inter to deliver again. Pure. Inter's record carries the bodies it sent —
// recipients' names, documents and keys — so only what identifies a payment and its outcome is kept,
// and the bank's free texts are masked.
import type { CallbackDelivery } from "../inter/client.js";
import { scrubPersonalData } from "../payments/mask.js";
import { callbackItems } from "../webhook/callback-item.js";

export interface DeliveryRow {
  sentAt: string | null;
  attempt: number | null;
  delivered: boolean | null;
  httpStatus: number | null;
  /** Inter's error text, personal data masked. */
  error: string | null;
  /** The URL Inter called, without its query (which may hold a token). */
  webhookUrl: string | null;
  items: { codigoSolicitacao: string; status: string | null; valor: string | null; endToEnd: string | null }[];
}

function withoutQuery(url: string): string {
  return url.split(/[?#]/, 1)[0] ?? "";
}

export function deliveryRows(deliveries: readonly CallbackDelivery[]): DeliveryRow[] {
  return deliveries.map((d) => ({
    sentAt: d.sentAt ?? null,
    attempt: d.attempt ?? null,
    delivered: d.delivered ?? null,
    httpStatus: d.httpStatus ?? null,
    error: d.error === undefined ? null : scrubPersonalData(d.error),
    webhookUrl: d.webhookUrl === undefined ? null : withoutQuery(d.webhookUrl),
    items: callbackItems(d.payload).items.map((i) => ({
      codigoSolicitacao: i.codigoSolicitacao,
      status: typeof i.status === "string" ? i.status : null,
      valor: typeof i.valor === "string" || typeof i.valor === "number" ? String(i.valor) : null,
      endToEnd: typeof i.endToEnd === "string" ? i.endToEnd : null,
    })),
  }));
}

export function describeRows(rows: readonly DeliveryRow[]): string {
  const lines = rows.map((r) => {
    const outcome = r.delivered === true ? "delivered" : r.delivered === false ? "FAILED" : "unknown";
    const answer = r.httpStatus === null ? "" : ` HTTP ${String(r.httpStatus)}`;
    const error = r.error === null || r.error === "" ? "" : ` (${r.error})`;
    const head = `${r.sentAt ?? "-"}  attempt ${r.attempt === null ? "-" : String(r.attempt)}  ${outcome}${answer}${error}  ${r.webhookUrl ?? ""}`;
    const items = r.items.map((i) => `    ${i.codigoSolicitacao}  ${i.status ?? "-"}  ${i.valor ?? "-"}  ${i.endToEnd ?? ""}`.trimEnd());
    return [head.trimEnd(), ...items].join("\n");
  });
  const failed = rows.filter((r) => r.delivered === false).length;
  lines.push(`${String(rows.length)} deliveries, ${String(failed)} failed; payments never delivered: ${String(neverDelivered(rows).length)}`);
  return lines.join("\n");
}

/** The payments of the window whose every delivery failed: what a replay asks Inter to deliver again. */
export function neverDelivered(rows: readonly DeliveryRow[]): string[] {
  const delivered = new Set<string>();
  const failed = new Set<string>();
  for (const r of rows) {
    for (const i of r.items) (r.delivered === true ? delivered : r.delivered === false ? failed : new Set<string>()).add(i.codigoSolicitacao);
  }
  return [...failed].filter((c) => !delivered.has(c)).sort();
}
