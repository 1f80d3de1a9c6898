// Fleet-wide safety limits, the pure part: the settings, the allow-list of recipients and
// which daily bucket a payment counts in. The daily counter itself is Redis (src/queue/worker/daily-limits.ts).
//
// Allow-list file (PIXOUT_RECIPIENT_ALLOWLIST): one recipient per line; blank lines and `#` comments are
// ignored. A line is either
//   - a Pix key, as the payment gives it (e-mail, CPF/CNPJ digits, +55 phone, random key), compared
//     without regard to case; or
//   - bank account data as ISPB/branch/account, e.g. `00416968/0001/1234567` (digits only, the account's
//     check digit may be X; leading zeros of branch and account do not matter).
// A BR Code recipient is checked by the Pix key inside it; a dynamic BR Code (a URL, no key) names no
// recipient that could be checked, so it is blocked while an allow-list is set.
import { parseBrCode } from "./brcode.js";
import { parseAmount } from "./money.js";
import type { PixRecipient } from "./recipient.js";

/** The bucket of payments without `account` when INTER_ACCOUNT is not set either. */
export const DEFAULT_BUCKET = "default";

export interface Allowlist {
  /** Normalised entries (see identities). */
  entries: ReadonlySet<string>;
  /** Where it was read from, for messages. */
  source: string;
}

export interface SafetyLimitSettings {
  /** PIXOUT_DAILY_LIMIT in centavos: each paying account's total per São Paulo day; none when unset. */
  dailyLimitCents?: number;
  /** PIXOUT_DAILY_LIMITS: per-account overrides (account number → centavos). */
  accountLimitsCents: ReadonlyMap<string, number>;
  allowlist?: Allowlist;
}

export const NO_SAFETY_LIMITS: SafetyLimitSettings = { accountLimitsCents: new Map() };

const ACCOUNT = /^[1-9][0-9]*$/;
const BANK_LINE = /^(\d{8})\/(\d{1,10})\/(\d{1,20}X?)$/;

function withoutLeadingZeros(digits: string): string {
  return digits.replace(/^0+(?=\d)/, "");
}

function bankIdentity(ispb: string, branch: string, account: string): string {
  return `bank:${ispb}/${withoutLeadingZeros(branch)}/${withoutLeadingZeros(account)}`;
}

function keyIdentity(key: string): string {
  return `key:${key.trim().toLowerCase()}`;
}

/** Reais with two decimals → centavos, or a problem. */
export function parseLimit(text: string): { cents: number } | { problem: string } {
  try {
    return { cents: parseAmount(text.trim()) };
  } catch {
    return { problem: `"${text}" is not an amount in reais with two decimals, like "50000.00"` };
  }
}

/** `12345678=100000.00,87654321=5000.00` → account → centavos, with every problem. */
export function parseAccountLimits(text: string): { limits: Map<string, number>; problems: string[] } {
  const limits = new Map<string, number>();
  const problems: string[] = [];
  for (const item of text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const eq = item.indexOf("=");
    const account = eq < 0 ? "" : item.slice(0, eq).trim();
    if (!ACCOUNT.test(account)) {
      problems.push(
        `"${item}" must be account=amount, the account digits only with no leading zeros, e.g. 12345678=100000.00`,
      );
      continue;
    }
    const parsed = parseLimit(item.slice(eq + 1));
    if ("problem" in parsed) problems.push(`account ${account}: ${parsed.problem}`);
    else if (limits.has(account)) problems.push(`account ${account} is given twice`);
    else limits.set(account, parsed.cents);
  }
  return { limits, problems };
}

/** The allow-list file's text → its entries, with each bad line's problem (line numbers from 1). */
export function parseAllowlist(text: string, source: string): { allowlist: Allowlist; problems: string[] } {
  const entries = new Set<string>();
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, "").trim();
    if (line === "") return;
    const bank = BANK_LINE.exec(line);
    if (bank) entries.add(bankIdentity(bank[1] ?? "", bank[2] ?? "", bank[3] ?? ""));
    else if (line.includes("/") || /\s/.test(line) || line.length > 77) {
      problems.push(
        `line ${String(i + 1)}: neither a Pix key nor ISPB/branch/account (digits, e.g. 00416968/0001/1234567)`,
      );
    } else entries.add(keyIdentity(line));
  });
  return { allowlist: { entries, source }, problems };
}

/** What identifies a recipient for the allow-list, or why it cannot be identified. */
export function recipientIdentity(recipient: PixRecipient): { id: string } | { unknown: string } {
  switch (recipient.type) {
    case "key":
      return { id: keyIdentity(recipient.key) };
    case "bank":
      return { id: bankIdentity(recipient.ispb, recipient.branch, recipient.account) };
    case "brcode": {
      const code = parseBrCode(recipient.code);
      if (!code.ok) return { unknown: "its BR Code cannot be read" };
      if (code.value.key === undefined)
        return { unknown: "it is a dynamic BR Code, whose recipient cannot be checked against the allow-list" };
      return { id: keyIdentity(code.value.key) };
    }
  }
}

/** Why the allow-list blocks this recipient, or undefined when it may be paid (or no allow-list is set). */
export function allowlistBlock(allowlist: Allowlist | undefined, recipient: PixRecipient): string | undefined {
  if (!allowlist) return undefined;
  const who = recipientIdentity(recipient);
  if ("unknown" in who) return `blocked before the bank: ${who.unknown} (PIXOUT_RECIPIENT_ALLOWLIST)`;
  if (allowlist.entries.has(who.id)) return undefined;
  return `blocked before the bank: the recipient is not in the allow-list (PIXOUT_RECIPIENT_ALLOWLIST ${allowlist.source})`;
}

/** The paying account whose daily total a payment counts in: its `account`, else INTER_ACCOUNT, else one default bucket. */
export function limitBucket(account: string | undefined, defaultAccount: string | undefined): string {
  return account ?? defaultAccount ?? DEFAULT_BUCKET;
}

/** The bucket's daily limit in centavos, or undefined for none. */
export function dailyLimitFor(settings: SafetyLimitSettings, bucket: string): number | undefined {
  return settings.accountLimitsCents.get(bucket) ?? settings.dailyLimitCents;
}

/** Whether any daily limit is set (else the worker keeps no counter). */
export function hasDailyLimits(settings: SafetyLimitSettings): boolean {
  return settings.dailyLimitCents !== undefined || settings.accountLimitsCents.size > 0;
}
