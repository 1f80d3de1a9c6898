// Amounts as a Brazilian reads them: R$ 1.234,56 (dot for thousands, comma for centavos). Integer
// arithmetic on centavos only: an amount is never a float of reais.
import { AmountFormatError } from "./money.js";

/** 123456 → "R$ 1.234,56"; negative amounts (a difference) get a leading minus: "-R$ 0,50". */
export function formatBrl(cents: number): string {
  if (!Number.isSafeInteger(cents)) {
    throw new AmountFormatError(`centavos must be a safe integer (got ${String(cents)})`);
  }
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  const reais = String(Math.trunc(abs / 100)).replace(/\B(?=(\d{3})+$)/g, ".");
  return `${sign}R$ ${reais},${String(abs % 100).padStart(2, "0")}`;
}

/**
 * An amount typed by a person, as centavos: "1234.56", "1234,56", "1.234,56", "R$ 1.234,56" or "10".
 * Undefined when it is not one (more than two decimals, letters, empty).
 */
export function parseTypedAmount(text: string): number | undefined {
  let t = text.trim().replace(/^R\$\s*/i, "");
  if (t === "") return undefined;
  // A comma is the decimal mark (pt-BR); then dots group thousands. Without a comma, a dot followed by
  // exactly three digits at the end groups thousands too ("1.234"), any other dot is the decimal mark.
  if (t.includes(",")) t = t.replace(/\./g, "").replace(",", ".");
  else if (/^\d{1,3}(\.\d{3})+$/.test(t)) t = t.replace(/\./g, "");
  const m = /^(\d{1,12})(?:\.(\d{1,2}))?$/.exec(t);
  if (!m) return undefined;
  return Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0"));
}
