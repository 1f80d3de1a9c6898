// What the producer-side commands (pay, enqueue, status) share: the queue settings and the producer.
import type { Telemetry } from "bullmq";
import { loadDataSettings, loadPaymentRules, loadQueueSettings } from "../../config.js";
import { createPayoutProducer, producerOptionsFor, type PayoutProducer } from "../../queue/producer/producer.js";
import { RedisUnavailableError } from "../../redis/connections.js";
import { UserError } from "./exit-codes.js";

/** `telemetry`: BullMQ's, when the command traces its enqueues (src/ops/tracing.ts). */
export async function withProducer<T>(
  run: (producer: PayoutProducer) => Promise<T>,
  options: { telemetry?: Telemetry | undefined } = {},
): Promise<T> {
  const settings = loadQueueSettings();
  const data = loadDataSettings();
  const producer = createPayoutProducer({
    ...producerOptionsFor({ ...settings, data, maxAmountCents: loadPaymentRules().maxAmountCents }),
    ...(options.telemetry === undefined ? {} : { telemetry: options.telemetry }),
  });
  try {
    return await run(producer);
  } catch (err) {
    if (err instanceof RedisUnavailableError) throw new UserError(err.message);
    throw err;
  } finally {
    await producer.close();
  }
}
