// What `pixout webhook callbacks` prints of Inter's record of its deliveries, and which payments
// `pixout webhook replay` asks Inter to deliver again. Pure. Inter's record carries the bodies it sent —
// recipients' names, documents and keys — so only what identifies a payment and its outcome is kept,
// and the bank's free texts are masked.
import type { CallbackDelivery } from "../../inter/client.js";
import { scrubPersonalData } from "../../payments/mask.js";
import { callbackItems } from "../../inter-callbacks/callback-item.js";

export interface DeliveryRow {
  /** The delivery carried items this command could not read (no codigoSolicitacao it recognises). */
  unreadable: boolean;
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

/** The URL without its query or fragment (a token may be there) and without `user:password@`. */
function withoutSecrets(url: string): string {
  return (url.split(/[?#]/, 1)[0] ?? "").replace(/^(https?:\/\/)[^/@]*@/i, "$1");
}

/** The body Inter sent: JSON, or JSON written as a string. */
function payloadOf(payload: unknown): unknown {
  if (typeof payload !== "string") return payload;
  try {
    return JSON.parse(payload);
  } catch {
    return payload;
  }
}

/** Names, keys and documents of the body's recipients: masked wherever Inter's error text quotes them. */
function personalValues(payload: unknown): string[] {
  const list = Array.isArray(payload) ? (payload as unknown[]) : [payload];
  return list.flatMap((item) => {
    const i = (typeof item === "object" && item !== null ? item : {}) as Record<string, unknown>;
    const r = (typeof i["recebedor"] === "object" && i["recebedor"] !== null ? i["recebedor"] : {}) as Record<
      string,
      unknown
    >;
    return [i["chave"], r["nome"], r["cpfCnpj"], r["nroConta"]].filter(
      (v): v is string => typeof v === "string" && v.length >= 3,
    );
  });
}

export function deliveryRows(deliveries: readonly CallbackDelivery[]): DeliveryRow[] {
  return deliveries.map((d) => {
    const payload = payloadOf(d.payload);
    const read = callbackItems(payload);
    return {
      unreadable: read.refused > 0 || read.items.length === 0,
      sentAt: d.sentAt ?? null,
      attempt: d.attempt ?? null,
      delivered: d.delivered ?? null,
      httpStatus: d.httpStatus ?? null,
      error: d.error === undefined ? null : scrubPersonalData(d.error, personalValues(payload)),
      webhookUrl: d.webhookUrl === undefined ? null : withoutSecrets(d.webhookUrl),
      items: read.items.map((i) => ({
        codigoSolicitacao: i.codigoSolicitacao,
        status: typeof i.status === "string" ? i.status : null,
        valor: typeof i.valor === "string" || typeof i.valor === "number" ? String(i.valor) : null,
        endToEnd: typeof i.endToEnd === "string" ? i.endToEnd : null,
      })),
    };
  });
}

/** Failed deliveries with items this command cannot read: never counted as delivered, always told. */
export function failedUnreadable(rows: readonly DeliveryRow[]): number {
  return rows.filter((r) => r.delivered === false && r.unreadable).length;
}

export function describeRows(rows: readonly DeliveryRow[]): string {
  const lines = rows.map((r) => {
    const outcome = r.delivered === true ? "delivered" : r.delivered === false ? "FAILED" : "unknown";
    const answer = r.httpStatus === null ? "" : ` HTTP ${String(r.httpStatus)}`;
    const error = r.error === null || r.error === "" ? "" : ` (${r.error})`;
    const head = `${r.sentAt ?? "-"}  attempt ${r.attempt === null ? "-" : String(r.attempt)}  ${outcome}${answer}${error}  ${r.webhookUrl ?? ""}`;
    const items = r.items.map((i) =>
      `    ${i.codigoSolicitacao}  ${i.status ?? "-"}  ${i.valor ?? "-"}  ${i.endToEnd ?? ""}`.trimEnd(),
    );
    return [head.trimEnd(), ...items].join("\n");
  });
  const failed = rows.filter((r) => r.delivered === false).length;
  const unreadable = failedUnreadable(rows);
  lines.push(
    `${String(rows.length)} deliveries, ${String(failed)} failed; payments never delivered: ${String(neverDelivered(rows).length)}` +
      (unreadable > 0 ? `; failed deliveries that could not be read: ${String(unreadable)}` : ""),
  );
  return lines.join("\n");
}

/** The payments of the window whose every delivery failed: what a replay asks Inter to deliver again. */
export function neverDelivered(rows: readonly DeliveryRow[]): string[] {
  const delivered = new Set<string>();
  const failed = new Set<string>();
  for (const r of rows) {
    for (const i of r.items)
      (r.delivered === true ? delivered : r.delivered === false ? failed : new Set<string>()).add(i.codigoSolicitacao);
  }
  return [...failed].filter((c) => !delivered.has(c)).sort();
}
