// The end-to-end id of a Pix Inter sends: what the payment book gives a payment at its execution, and
// what an operator's out-of-band debit (statement.ts) carries. Bacen's layout, 32 characters.
import { randomBytes } from "node:crypto";
import { formatE2eTimestamp } from "../payments/calendar.js";

/** Inter's ISPB, the prefix of the end-to-end ids of payments it sends (§5.1 example). */
const INTER_ISPB = "00416968";

const E2E_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** `E` + ISPB + yyyyMMddHHmm (UTC) + 11 alphanumerics: 32 characters, Bacen's end-to-end id layout. */
export function newEndToEndId(at: number): string {
  let suffix = "";
  for (const b of randomBytes(11)) suffix += E2E_ALPHABET[b % E2E_ALPHABET.length] ?? "x";
  return `E${INTER_ISPB}${formatE2eTimestamp(at)}${suffix}`;
}
