// `pixout enqueue FILE --dry-run`: every line checked as `enqueue` would, and each valid payment's first send
// shown (request with personal data masked, bank key, amount written out); nothing is enqueued and Redis
// is not contacted, so duplicates are those within the file.
import { amountInWords, formatReais } from "../../payments/amount-words.js";
import { describeIssues } from "../../payments/field-issues.js";
import { formatCents, parseAmount } from "../../payments/money.js";
import { validatePayment, type Payment, type PaymentRules } from "../../payments/payment.js";
import { paymentFingerprint } from "../../payments/same-payment.js";
import { describePreview, previewPayments, type PaymentPreview } from "./dry-run.js";
import type { LineProblem } from "./enqueue.js";
import { readJsonLines } from "./json-lines.js";

export interface DryRunSummary {
  dryRun: true;
  lines: number;
  /** Valid lines that would be enqueued (a repeated paymentId counts once). */
  valid: number;
  /** Lines repeating an earlier line's paymentId with the same data. */
  duplicate: number;
  invalid: LineProblem[];
  /** Lines repeating an earlier paymentId with different data: `enqueue` would ignore them. */
  conflicting: LineProblem[];
  /** Sum of the payments that would be enqueued. */
  total: { amount: string; text: string; words: string };
  payments: ({ line: number } & PaymentPreview)[];
}

/** Checks every line of `file` at instant `now` (São Paulo's date then decides which `scheduledFor` is past). */
export async function dryRunFile(
  file: string,
  now: number = Date.now(),
  rules: PaymentRules = {},
): Promise<DryRunSummary> {
  let lines = 0;
  let duplicate = 0;
  const invalid: LineProblem[] = [];
  const conflicting: LineProblem[] = [];
  const seen = new Map<string, string>();
  const kept: { line: number; payment: Payment }[] = [];
  for await (const item of readJsonLines(file)) {
    lines++;
    if ("problem" in item) {
      invalid.push({ line: item.line, problem: item.problem });
      continue;
    }
    const checked = validatePayment(item.value, rules, now);
    if (!checked.ok) {
      invalid.push({ line: item.line, problem: describeIssues(checked.issues) });
      continue;
    }
    const earlier = seen.get(checked.value.paymentId);
    if (earlier !== undefined) {
      duplicate++;
      if (earlier !== paymentFingerprint(checked.value)) {
        conflicting.push({
          line: item.line,
          paymentId: checked.value.paymentId,
          problem: "paymentId already used by an earlier line with different data; this line would be ignored",
        });
      }
      continue;
    }
    seen.set(checked.value.paymentId, paymentFingerprint(checked.value));
    kept.push({ line: item.line, payment: checked.value });
  }
  const previews = previewPayments(
    kept.map((k) => k.payment),
    now,
  );
  const cents = kept.reduce((sum, k) => sum + parseAmount(k.payment.amount), 0);
  return {
    dryRun: true,
    lines,
    valid: kept.length,
    duplicate,
    invalid,
    conflicting,
    total: { amount: formatCents(cents), text: formatReais(cents), words: amountInWords(cents) },
    payments: previews.map((p, i) => ({ line: kept[i]?.line ?? 0, ...p })),
  };
}

export function describeDryRun(s: DryRunSummary): string {
  return [
    ...s.payments.map((p) => `line ${String(p.line)}\n${describePreview(p, "  ")}`),
    `dry run: ${String(s.lines)} line(s): ${String(s.valid)} valid, ${String(s.duplicate)} duplicate, ${String(s.invalid.length)} invalid; ` +
      `total ${s.total.text} (${s.total.words}); nothing was enqueued`,
    ...s.invalid.map((p) => `  line ${String(p.line)}: ${p.problem}`),
    ...s.conflicting.map((p) => `  line ${String(p.line)}: ${p.paymentId ?? ""}: ${p.problem}`),
  ].join("\n");
}
