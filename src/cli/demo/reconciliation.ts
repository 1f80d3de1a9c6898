// The demo's last step: a reconciliation of its payments with the emulator's statement, as a finance team
// would run it (docs/operating/reconciliation.md). Every debit must be matched to its payment.
import { Queue } from "bullmq";
import type { Config } from "../../config.js";
import { createBank } from "../../inter/bank.js";
import { createLogger, SecretRegistry } from "../../logger.js";
import { bullPrefix } from "../../queue/names.js";
import { runReconciliation, runSettings, type ReconcileReport } from "../../queue/worker/reconcile-run.js";
import { producerConnection } from "../../redis/connections.js";

export async function demoReconciliation(config: Config): Promise<ReconcileReport> {
  const redis = producerConnection(config.redis.target);
  const queue = new Queue(config.queueName, { connection: redis, prefix: bullPrefix(config.redisPrefix) });
  queue.on("error", () => undefined);
  const bank = createBank({
    settings: config.inter,
    logger: createLogger({ level: "silent" }),
    secrets: new SecretRegistry(),
  });
  try {
    return await runReconciliation({
      ...runSettings(config, queue, redis, bank.client),
      now: Date.now(),
      apply: false,
    });
  } finally {
    await bank.close();
    await queue.close();
    redis.disconnect();
  }
}
