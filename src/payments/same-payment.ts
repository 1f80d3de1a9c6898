// Whether two writings of a payment carry the same data: the comparison behind "already enqueued, with the
// same data" (the producer) and its dry run. Key order, `version` and the worker's and operators' fields
// (`state`, `audit`) do not count. Pure.
import { paymentSchema } from "./payment.js";

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The payment's own fields in a canonical text: equal texts, same payment. */
export function paymentFingerprint(data: unknown): string {
  const record = (typeof data === "object" && data !== null ? data : {}) as Record<string, unknown>;
  const own = Object.fromEntries(
    Object.keys(paymentSchema.shape)
      .filter((k) => k !== "version" && record[k] !== undefined)
      .map((k) => [k, record[k]]),
  );
  return canonical(own);
}
