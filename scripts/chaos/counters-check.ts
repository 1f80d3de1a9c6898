// After a scenario: the overview's counters against what happened. Each payment a worker paid is counted
// once in the day's `paid` counters — not twice for a run that wrote its outcome and lost the answer, not
// at all for a run whose lock expired — and every concluded payment is in the payment list's index.
import { loadConfig } from "../../src/config.js";
import { saoPauloToday, shiftIsoDate } from "../../src/payments/calendar.js";
import { dayStatsKey, listKey } from "../../src/queue/payment-stats.js";
import type { PaymentView } from "../../src/queue/payment-view.js";
import { adminConnection } from "../../src/redis/connections.js";

export async function countersCheck(
  env: Record<string, string>,
  views: Map<string, PaymentView | undefined>,
  startedAt: number,
): Promise<{ notes: string[]; wrong: string[] }> {
  const { config } = loadConfig(env);
  const redis = adminConnection(config.redis.target);
  try {
    const days: string[] = [];
    for (let d = saoPauloToday(startedAt); d <= saoPauloToday(Date.now()); d = shiftIsoDate(d, 1)) days.push(d);
    let counted = 0;
    for (const day of days) {
      const fields = await redis.hgetall(dayStatsKey(config.redisPrefix, config.queueName, day));
      for (const [name, value] of Object.entries(fields)) if (name.startsWith("paid|n|")) counted += Number(value);
    }
    const paidByWorkers = [...views.values()].filter((v) => v?.outcome === "paid" && v.resolution === null).length;
    const wrong: string[] = [];
    if (counted !== paidByWorkers)
      wrong.push(`the overview counted ${String(counted)} paid, the workers paid ${String(paidByWorkers)}`);
    const concluded = [...views.entries()].filter(([, v]) => v?.outcome === "paid" || v?.outcome === "failed");
    const p = redis.pipeline();
    for (const [id] of concluded) p.zscore(listKey(config.redisPrefix, config.queueName, "done"), id);
    const missing = ((await p.exec()) ?? []).filter(([err, score]) => err !== null || score === null).length;
    if (missing > 0) wrong.push(`${String(missing)} paid or failed payment(s) missing from the payment list's index`);
    return { notes: [`overview counters: ${String(counted)} paid counted (days ${days.join(", ")})`], wrong };
  } finally {
    redis.disconnect();
  }
}
