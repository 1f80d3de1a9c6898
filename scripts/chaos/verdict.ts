// The ground truth of a chaos scenario: what the emulator executed (its ledger and its payments), against
// what the queue says happened to each payment.
import type { EmulatedPaymentView, LedgerSnapshot } from "../../src/emulator/emulator.js";
import { classifyStatus } from "../../src/payments/bank-status.js";
import { bankIdempotencyKey } from "../../src/payments/idempotency.js";
import type { PaymentView } from "../../src/queue/payment-view.js";

export interface Verdict {
  payments: number;
  executed: number;
  /** Payments the bank executed more than once: twice under one key, or under a new key while an older one was not ended by the bank. */
  duplicates: number;
  lost: number;
  parked: number;
  paid: number;
  failed: number;
  rejected: number;
  /** Outcomes the bank contradicts, and executions nobody can account for. */
  wrong: string[];
  /** Why payments were parked (the reason's first words → how many). */
  parkedWhy: Record<string, number>;
}

export interface Bank {
  ledger: LedgerSnapshot;
  paymentsWithKey(idempotencyKey: string): EmulatedPaymentView[];
}

const FINAL = ["paid", "failed", "rejected", "needs-reconciliation"];
const endedByBank = (p: EmulatedPaymentView): boolean => classifyStatus(p.status) === "failure";

/** `acknowledged`: payments whose enqueue returned; `views`: their jobs at the end (undefined = missing). */
export function verdict(acknowledged: string[], views: Map<string, PaymentView | undefined>, bank: Bank): Verdict {
  const v: Verdict = {
    payments: acknowledged.length,
    executed: 0,
    duplicates: 0,
    lost: 0,
    parked: 0,
    paid: 0,
    failed: 0,
    rejected: 0,
    wrong: [],
    parkedWhy: {},
  };
  let attributed = 0;
  for (const id of acknowledged) {
    const view = views.get(id);
    const current = view?.generation ?? 0;
    // Every generation the payment used, and one more: a key made where none should have been.
    const atBank = Array.from({ length: current + 2 }, (_, g) => bank.paymentsWithKey(bankIdempotencyKey(id, g)));
    const all = atBank.flat();
    attributed += all.length;
    if (all.length > 0) v.executed++;
    const twiceUnderAKey = atBank.some((list) => list.length > 1);
    const olderAlive = atBank.slice(0, current).some((list) => list.some((p) => !endedByBank(p)));
    const beyond = (atBank[current + 1]?.length ?? 0) > 0;
    if (twiceUnderAKey || olderAlive || beyond) {
      v.duplicates++;
      v.wrong.push(
        `${id}: executed ${String(all.length)} time(s) across keys (${atBank.map((l) => l.map((p) => p.status).join("+") || "-").join(" | ")})`,
      );
    }
    if (!view || !FINAL.includes(view.outcome)) {
      v.lost++;
      continue;
    }
    const here = atBank[current] ?? [];
    switch (view.outcome) {
      case "paid": {
        v.paid++;
        const ok =
          here.length === 1 && here[0]?.status === "PAGO" && here[0].codigoSolicitacao === view.codigoSolicitacao;
        if (!ok)
          v.wrong.push(
            `${id}: paid, but the bank has ${here.map((p) => p.status).join("+") || "nothing"} under its key`,
          );
        break;
      }
      case "rejected":
        v.rejected++;
        if (all.length > 0) v.wrong.push(`${id}: rejected but executed ${String(all.length)} time(s)`);
        break;
      case "failed":
        v.failed++;
        // "Failed" never means "maybe paid": the bank ended it, or it never reached the bank.
        if (here.some((p) => !endedByBank(p)))
          v.wrong.push(`${id}: failed, but the bank has it ${here.map((p) => p.status).join("+")}`);
        break;
      case "needs-reconciliation": {
        v.parked++;
        const why = (view.reason ?? "?").replace(/[0-9a-f-]{36}|\d+/g, "#").slice(0, 70);
        v.parkedWhy[why] = (v.parkedWhy[why] ?? 0) + 1;
        break;
      }
      default:
        break;
    }
  }
  const { total, withoutIdempotencyKey } = bank.ledger.executions;
  if (attributed !== total)
    v.wrong.push(
      `the bank executed ${String(total)} payment(s), ${String(attributed)} of them under these payments' keys`,
    );
  if (withoutIdempotencyKey > 0) v.wrong.push(`${String(withoutIdempotencyKey)} execution(s) without x-id-idempotente`);
  return v;
}
