// The doctor's report as text: one line per check, its fix below it, and a verdict.
import type { Check, CheckStatus } from "./check.js";
import type { DoctorReport } from "./run-doctor.js";

const LABEL: Record<CheckStatus, string> = { ok: "ok", warning: "WARN", error: "ERROR", skipped: "skip" };

function line(c: Check): string {
  const head = `${LABEL[c.status].padEnd(6)}${c.title.padEnd(24)}${c.detail}`;
  return c.fix === undefined || c.status === "ok" ? head : `${head}\n${" ".repeat(30)}fix: ${c.fix}`;
}

export function describeReport(report: DoctorReport): string {
  const plural = (n: number, word: string): string => `${String(n)} ${word}${n === 1 ? "" : "s"}`;
  const verdict =
    report.errors > 0
      ? `${plural(report.errors, "error")}, ${plural(report.warnings, "warning")}: fix the errors before the first payment.`
      : report.warnings > 0
        ? `No errors, ${plural(report.warnings, "warning")}: pixout can pay; read the warnings.`
        : "Every check passed: pixout is ready to pay.";
  return [...report.checks.map(line), "", verdict].join("\n");
}
