// The fleet's budgets as a gate for the bank client (CallGate): each exchange waits for its budget's next
// free moment in Redis — shared with every worker and command on the same integration — and a 429 holds
// the whole fleet back. Used by commands that call the bank outside a payment job (`pixout webhook …`).
import { setTimeout as sleep } from "node:timers/promises";
import type { CallGate } from "../../inter/client.js";
import type { InterOperation } from "../../inter/errors.js";
import type { BudgetName, Budgets } from "./budgets.js";

/** The budget each operation spends (the token has its own gate, in the token provider). */
export const OPERATION_BUDGET: Readonly<Record<Exclude<InterOperation, "token">, BudgetName>> = {
  "send-pix": "send",
  "get-pix": "status",
  "webhook-put": "webhookPut",
  "webhook-get": "webhookGet",
  "webhook-delete": "webhookDelete",
  "webhook-callbacks": "callbacks",
  "webhook-callbacks-retry": "callbackRetry",
  statement: "statement",
  balance: "balance",
};

/** The fleet's budget stayed taken longer than the caller would wait. */
export class BudgetBusyError extends Error {
  override readonly name = "BudgetBusyError";
}

export interface BudgetGateOptions {
  /** Give up (BudgetBusyError) rather than wait longer than this for one call's slot. */
  maxWaitMs: number;
  /** Told once per wait, e.g. to say why a command pauses. */
  onWait?: (operation: InterOperation, ms: number) => void;
  /** When the bank gives no Retry-After with its 429. */
  defaultRateLimitWaitMs?: number;
  /** PIXOUT_MAX_BANK_WAIT_SECONDS: a Retry-After never holds the fleet's budget back longer. */
  maxBankWaitMs: number;
}

export function budgetGate(budgets: Budgets, options: BudgetGateOptions): CallGate {
  return {
    async before(operation) {
      if (operation === "token") return;
      const name = OPERATION_BUDGET[operation];
      if (!Number.isFinite(budgets.intervalMs(name))) {
        throw new BudgetBusyError(`${operation}: this environment has no such endpoint (its budget is 0 a minute)`);
      }
      let waited = 0;
      for (;;) {
        const wait = await budgets.gate(name);
        if (wait <= 0) return;
        if (waited + wait > options.maxWaitMs) {
          throw new BudgetBusyError(
            `${operation}: the fleet's ${name} budget is taken for the next ${String(Math.ceil(wait / 1000))} s (Inter's limit, shared with every pixout process); try again later`,
          );
        }
        options.onWait?.(operation, wait);
        await sleep(wait + 1);
        waited += wait + 1;
      }
    },
    async rateLimited(operation, retryAfterMs) {
      if (operation === "token") return;
      const asked = retryAfterMs ?? options.defaultRateLimitWaitMs ?? 60_000;
      await budgets.penalize(OPERATION_BUDGET[operation], Math.min(Math.max(0, asked), options.maxBankWaitMs));
    },
  };
}
