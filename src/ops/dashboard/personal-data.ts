// The dashboard's masking primitives (docs/design.md §2.5): a recipient masked field by field (an
// encrypted one stays "encrypted": the dashboard has no data keys), and free text scrubbed of the
// recipient's own values, of anything shaped like an e-mail, phone, CPF or CNPJ, and of URL query strings.
// Shape-based scrubbing cannot see a name or an account number on its own, so job data is shown through
// allow-lists (job-data-view.ts) and this is the second line. Pure.
import { isEncryptedRecipient } from "../../payments/recipient-crypto.js";
import { maskBrCode, maskDocument, maskName, maskPixKey, maskText, scrubPersonalData } from "../../payments/mask.js";

export type MaskedRecipient =
  | { type: "key"; key: string; keyType?: string }
  | {
      type: "bank";
      ispb?: string;
      branch?: string;
      account?: string;
      accountType?: string;
      document?: string;
      name?: string;
    }
  | { type: "brcode"; code: string }
  | { type: "encrypted"; kid?: string }
  | { type: "unknown" };

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function maskedIf(value: unknown, mask: (v: string) => string): string | undefined {
  const t = text(value);
  return t === undefined ? undefined : mask(t);
}

/** A recipient as stored (plain or encrypted) → what may be shown; undefined when there is none. */
export function maskRecipient(value: unknown): MaskedRecipient | undefined {
  if (value === undefined || value === null) return undefined;
  const r = record(value);
  if (!r) return { type: "unknown" };
  if (isEncryptedRecipient(r)) {
    const kid = text(r["kid"]);
    return { type: "encrypted", ...(kid !== undefined && /^[A-Za-z0-9_-]{1,32}$/.test(kid) ? { kid } : {}) };
  }
  const only = <T extends object>(o: T): T =>
    Object.fromEntries(Object.entries(o).filter((e) => e[1] !== undefined)) as T;
  switch (r["type"]) {
    case "key": {
      const keyType = text(r["keyType"]);
      return only({
        type: "key" as const,
        key: maskedIf(r["key"], maskPixKey) ?? "",
        keyType: keyType !== undefined && /^[A-Z]{1,8}$/.test(keyType) ? keyType : undefined,
      });
    }
    case "bank": {
      const ispb = text(r["ispb"]);
      const accountType = text(r["accountType"]);
      return only({
        type: "bank" as const,
        // The ISPB names the bank, not the person; anything else in its place is masked.
        ispb: ispb === undefined ? undefined : /^\d{8}$/.test(ispb) ? ispb : maskText(ispb),
        branch: maskedIf(r["branch"], (b) => (/^\d{1,10}$/.test(b) ? b : maskText(b))),
        account: maskedIf(r["account"], maskText),
        accountType: accountType !== undefined && /^[A-Z_]{1,32}$/.test(accountType) ? accountType : undefined,
        document: maskedIf(r["document"], maskDocument),
        name: maskedIf(r["name"], maskName),
      });
    }
    case "brcode":
      return { type: "brcode", code: maskedIf(r["code"], maskBrCode) ?? "" };
    default:
      return { type: "unknown" };
  }
}

/** The plain personal values of a recipient (its key, document, name, account, code, every word of the name), to scrub from free text. */
export function personalValues(recipient: unknown): string[] {
  const r = record(recipient);
  if (!r || isEncryptedRecipient(r)) return [];
  const values = ["key", "document", "name", "account", "code"]
    .map((f) => text(r[f]))
    .filter((v): v is string => v !== undefined);
  const name = text(r["name"]);
  // Parts of a name ("Silva") in a description are as personal as the whole; short words stay (they would
  // scrub ordinary words and are not enough to identify anyone).
  if (name !== undefined) values.push(...name.split(/\s+/).filter((part) => part.length >= 4));
  return values;
}

// Bank texts, errors and job logs may quote a URL whose query carries a token (a callback's `?token=`).
const URL_QUERY = /(\bhttps?:\/\/[^\s?#"'<>]*)[?#][^\s"'<>]*/gi;

/** Free text as the dashboard shows it: personal data masked (scrubPersonalData), URLs without query or fragment. */
export function scrubText(text: string, known: readonly string[] = []): string {
  return scrubPersonalData(text, known).replace(URL_QUERY, "$1?…");
}

/** How deep scrubDeep looks; below it a value is replaced, never shown unexamined. */
const MAX_SCRUB_DEPTH = 16;
const TOO_DEEP = "[too deep]";

/** Every string inside `value` — keys too — scrubbed, the structure kept down to MAX_SCRUB_DEPTH. */
export function scrubDeep(value: unknown, known: readonly string[], depth = 0): unknown {
  if (typeof value === "string") return scrubText(value, known);
  if (typeof value !== "object" || value === null) return value;
  if (depth >= MAX_SCRUB_DEPTH) return TOO_DEEP;
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, known, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [scrubText(k, known), scrubDeep(v, known, depth + 1)]),
  );
}
