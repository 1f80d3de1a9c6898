// The fleet's own reconciliation with Inter's statement (src/queue/worker/reconcile-scheduler.ts): off
// unless PIXOUT_RECONCILE=true; `pixout reconcile` runs it by hand either way.
import { z } from "zod";
import { flag, positiveInt, wholeNumber } from "./values.js";

export const reconciliationFields = z.object({
  PIXOUT_RECONCILE: flag(false).describe(
    "Reconcile with Inter's statement inside the fleet (needs the scope extrato.read): one run fleet-wide daily at 01:15 São Paulo and every PIXOUT_RECONCILE_EVERY_MINUTES, over the last PIXOUT_RECONCILE_DAYS days, resolving the parked payments the statement proves. false: run `pixout reconcile` yourself.",
  ),
  PIXOUT_RECONCILE_EVERY_MINUTES: positiveInt(60).describe(
    "Minutes between two of the fleet's reconciliation runs, besides the daily one.",
  ),
  PIXOUT_RECONCILE_DAYS: wholeNumber()
    .pipe(z.number().positive().max(90, "must be at most 90 (Inter's longest statement period)"))
    .default(14)
    .meta({ takes: "whole number, 1 to 90" })
    .describe("Days of the statement each run reads, today included."),
});

export interface ReconcileSettings {
  enabled: boolean;
  everyMs: number;
  days: number;
}

export function reconcileSettingsOf(e: z.infer<typeof reconciliationFields>): ReconcileSettings {
  return {
    enabled: e.PIXOUT_RECONCILE,
    everyMs: e.PIXOUT_RECONCILE_EVERY_MINUTES * 60_000,
    days: e.PIXOUT_RECONCILE_DAYS,
  };
}
