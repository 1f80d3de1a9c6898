// The ground truth of a chaos scenario: what the emulator's ledger says was executed, against what the
// queue says happened to each payment.
import type { LedgerSnapshot } from "../../src/emulator/emulator.js";
import { classifyStatus } from "../../src/payments/bank-status.js";
import { bankIdempotencyKey } from "../../src/payments/idempotency.js";
import type { PaymentView } from "../../src/queue/payment-view.js";

export interface Verdict {
  payments: number;
  executed: number;
  duplicates: number;
  lost: number;
  parked: number;
  paid: number;
  failed: number;
  rejected: number;
  /** Outcomes that contradict the ledger (e.g. "failed" while the bank executed it and did not end it). */
  wrong: string[];
}

/** `acknowledged`: payments whose enqueue returned; `views`: their jobs at the end (undefined = missing). */
export function verdict(acknowledged: string[], views: Map<string, PaymentView | undefined>, ledger: LedgerSnapshot, maxGeneration = 3): Verdict {
  const v: Verdict = { payments: acknowledged.length, executed: 0, duplicates: 0, lost: 0, parked: 0, paid: 0, failed: 0, rejected: 0, wrong: [] };
  for (const id of acknowledged) {
    const view = views.get(id);
    const runs: number[] = [];
    for (let g = 0; g <= maxGeneration; g++) runs.push(ledger.executions.byIdempotencyKey[bankIdempotencyKey(id, g)] ?? 0);
    const total = runs.reduce((a, b) => a + b, 0);
    if (total > 0) v.executed++;
    if (runs.some((n) => n > 1)) v.duplicates++;
    if (!view || !["paid", "failed", "rejected", "needs-reconciliation"].includes(view.outcome)) {
      v.lost++;
      continue;
    }
    const here = runs[view.generation] ?? 0;
    switch (view.outcome) {
      case "paid":
        v.paid++;
        if (here !== 1) v.wrong.push(`${id}: paid but executed ${String(here)} time(s) under its key`);
        break;
      case "rejected":
        v.rejected++;
        if (total !== 0) v.wrong.push(`${id}: rejected but executed ${String(total)} time(s)`);
        break;
      case "failed":
        v.failed++;
        // "Failed" never means "maybe paid": either the bank ended it, or it never reached the bank.
        if (here > 0 && !(view.bankStatus !== null && classifyStatus(view.bankStatus) === "failure")) {
          v.wrong.push(`${id}: failed (${view.failedReason ?? ""}) but executed ${String(here)} time(s) without a final bank failure`);
        }
        break;
      case "needs-reconciliation":
        v.parked++;
        break;
      default:
        break;
    }
  }
  return v;
}
