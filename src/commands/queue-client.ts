// What the producer-side commands (pay, enqueue, status) share: the queue settings and the producer.
import { loadQueueSettings } from "../config.js";
import { createPayoutProducer, type PayoutProducer } from "../queue/producer.js";
import { RedisUnavailableError } from "../queue/redis-connection.js";
import { UserError } from "./exit-codes.js";

export async function withProducer<T>(run: (producer: PayoutProducer) => Promise<T>): Promise<T> {
  const settings = loadQueueSettings();
  const producer = createPayoutProducer({ connection: settings.redisUrl, queueName: settings.queueName, redisPrefix: settings.redisPrefix });
  try {
    return await run(producer);
  } catch (err) {
    if (err instanceof RedisUnavailableError) throw new UserError(err.message);
    throw err;
  } finally {
    await producer.close();
  }
}
