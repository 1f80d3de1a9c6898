// The end-to-end id of a Pix: what the payment book gives a payment at its execution, what an operator's
// out-of-band debit (statement.ts) carries, and a top-up's (a Pix another bank sent in). Bacen's layout,
// 32 characters, starting with the sending institution's ISPB.
import { randomBytes } from "node:crypto";
import { formatE2eTimestamp } from "../payments/calendar.js";

/** Inter's ISPB, the prefix of the end-to-end ids of payments it sends (docs/reference/inter-api.md §5.1 example). */
const INTER_ISPB = "00416968";

const E2E_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/**
 * The sender of a top-up: the account holder's account at another bank. ASSUMPTION (UNVERIFIED): any
 * institution will do; we name Banco do Brasil (ISPB 00000000).
 */
export const TOP_UP_SENDER_ISPB = "00000000";

/** `E` + ISPB + yyyyMMddHHmm (UTC) + 11 alphanumerics: 32 characters, Bacen's end-to-end id layout. */
export function newEndToEndId(at: number, senderIspb: string = INTER_ISPB): string {
  let suffix = "";
  for (const b of randomBytes(11)) suffix += E2E_ALPHABET[b % E2E_ALPHABET.length] ?? "x";
  return `E${senderIspb}${formatE2eTimestamp(at)}${suffix}`;
}
