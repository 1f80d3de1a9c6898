// The chaos suite's last word on a scenario: a reconciliation with the emulator's statement, applied, as
// an operator would run it days later (the clock is moved two weeks on, so that no debit can still come).
// Two Pix debits made outside pixout are injected first: the reconciliation must find exactly those, and
// nothing else a human would have to look at. What it resolves is then checked by the verdict like any
// other outcome (a payment resolved paid must be paid once at the bank; one resolved failed, not at all).
import { Queue } from "bullmq";
import { loadConfig } from "../../src/config.js";
import type { Emulator } from "../../src/emulator/emulator.js";
import { createBank } from "../../src/inter/bank.js";
import { createLogger, SecretRegistry } from "../../src/logger.js";
import { saoPauloToday } from "../../src/payments/calendar.js";
import { bullPrefix } from "../../src/queue/names.js";
import { runReconciliation, runSettings } from "../../src/queue/worker/reconcile-run.js";
import { producerConnection } from "../../src/redis/connections.js";

const DAY = 86_400_000;

export async function reconcileAfter(
  emulator: Emulator,
  env: Record<string, string>,
): Promise<{ notes: string[]; wrong: string[]; resolved: number }> {
  const { config } = loadConfig(env);
  const injected = [
    emulator.addOutOfBandDebit({ amountCents: 1_23 }),
    emulator.addOutOfBandDebit({ amountCents: 4_56 }),
  ].map((e) => e.idTransacao);
  const redis = producerConnection(config.redis.target);
  const queue = new Queue(config.queueName, { connection: redis, prefix: bullPrefix(config.redisPrefix) });
  queue.on("error", () => undefined);
  const bank = createBank({
    settings: config.inter,
    logger: createLogger({ level: "silent" }),
    secrets: new SecretRegistry(),
  });
  try {
    const report = await runReconciliation({
      ...runSettings(config, queue, redis, bank.client),
      now: Date.now() + 14 * DAY,
      window: { from: saoPauloToday(Date.now()) },
      apply: true,
    });
    const wrong: string[] = [];
    if (!report.complete) wrong.push("reconciliation: the statement was not read to its end");
    const unknown = report.rows.filter((r) => r.kind === "debit-without-payment").flatMap((r) => r.debitIds);
    const missed = injected.filter((id) => !unknown.includes(id));
    if (missed.length > 0) wrong.push(`reconciliation missed ${String(missed.length)} debit(s) made outside pixout`);
    const needsHuman = new Set([
      "paid-without-debit",
      "debit-without-payment",
      "duplicate-debit",
      "amount-mismatch",
      "failed-with-debit",
    ]);
    for (const r of report.rows) {
      if (!needsHuman.has(r.kind) || r.debitIds.every((id) => injected.includes(id))) continue;
      wrong.push(`reconciliation: ${r.kind} ${r.paymentId ?? r.debitIds.join(",")}: ${r.detail}`);
    }
    const resolved = (outcome: string): number =>
      report.applied.filter((a) => a.status === "resolved" && a.outcome === outcome).length;
    const refused = report.applied.filter((a) => a.status !== "resolved").length;
    const still = (report.byKind["parked-waiting"] ?? 0) + (report.byKind["parked-ambiguous"] ?? 0);
    return {
      notes: [
        `reconciliation: ${String(report.rows.length)} rows, resolved paid=${String(resolved("paid"))} failed=${String(resolved("failed"))}${refused > 0 ? ` refused=${String(refused)}` : ""}, still parked=${String(still)}, out-of-band debits found ${String(injected.length - missed.length)}/${String(injected.length)}`,
      ],
      wrong,
      resolved: resolved("paid") + resolved("failed"),
    };
  } finally {
    await bank.close();
    await queue.close();
    redis.disconnect();
  }
}
