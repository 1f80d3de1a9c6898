// Queues the outcome event of a payment for delivery to its destination: the payment's `callbackUrl`, else
// PIXOUT_NOTIFY_URL. The payout worker completes the payment's job only after notifyOutcome resolved, so a
// crash in between re-runs the final step, which makes the same event (same delivery id = job id) and
// BullMQ ignores the second add. Delivery itself is the notification worker's (delivery-worker.ts).
import { Queue } from "bullmq";
import type { Logger, SecretRegistry } from "../logger.js";
import { bullPrefix, notificationQueueName } from "../queue/names.js";
import { connectionFor, ensureReady, producerConnection, type RedisConnectionInput } from "../redis/connections.js";
import { destinationProblem, originOf } from "../payments/destination.js";
import { paymentEvent, type OutcomeFacts, type PaymentEvent } from "./event.js";
import type { FindingEvent } from "./finding-event.js";
import type { AccountEvent } from "./account-event.js";
import { KEEP_DELIVERED_SECONDS, KEEP_FAILED_SECONDS, NOTIFY_KEEP_LOGS, type NotificationJobData } from "./job.js";
import { NOTIFY_BACKOFF_TYPE } from "./retry-schedule.js";
import type { NotifySettings } from "./settings.js";

export interface NotifierOptions {
  /** Where Redis is (the notifier then owns a fail-fast connection), or an ioredis connection of yours. */
  connection: RedisConnectionInput;
  redisPrefix: string;
  /** The payout queue's name; notifications go to `<queueName>-notifications`. */
  queueName: string;
  settings: NotifySettings;
  logger: Logger;
  /** When given, the destination secrets are registered in it, so that logs scrub them. */
  secrets?: SecretRegistry;
  /** The clock of the event's `createdAt`. */
  now?: () => Date;
}

export interface NotifyResult {
  queued: boolean;
  deliveryId?: string;
  /** Why nothing was queued. */
  why?: string;
}

export interface Notifier {
  /**
   * Queues the event of a final outcome. Resolves `{ queued: false, why }` when there is nowhere to send it
   * (no destination, or one without a secret: logged at error); rejects when Redis does not take the job.
   */
  notifyOutcome(facts: OutcomeFacts, callbackUrl: string | undefined): Promise<NotifyResult>;
  /** Queues a reconciliation's finding for PIXOUT_NOTIFY_URL (the same finding again is the same event). */
  notifyFinding(event: FindingEvent): Promise<NotifyResult>;
  /** Queues an account's hold or resume for PIXOUT_NOTIFY_URL (the same hold again is the same event). */
  notifyAccount(event: AccountEvent): Promise<NotifyResult>;
  close(): Promise<void>;
}

export function createNotifier(options: NotifierOptions): Notifier {
  const { settings, logger } = options;
  for (const secret of settings.secrets.values()) options.secrets?.add(secret);
  const { redis, owns: ownsConnection, where: url } = connectionFor(options.connection, producerConnection);
  const name = notificationQueueName(options.queueName);
  const queue = new Queue<NotificationJobData>(name, { connection: redis, prefix: bullPrefix(options.redisPrefix) });
  queue.on("error", () => undefined); // surfaced by the failing add
  const now = options.now ?? (() => new Date());
  // One wait for the connection, however many outcomes arrive while it connects.
  let connecting: Promise<void> | undefined;
  const ready = (): Promise<void> => {
    if (!ownsConnection || redis.status === "ready") return Promise.resolve();
    connecting ??= ensureReady(redis, url).finally(() => {
      connecting = undefined;
    });
    return connecting;
  };

  /** Where an event may go, or why nothing is queued (logged). */
  function destinationOf(
    destination: string | undefined,
    log: Record<string, unknown>,
    missing: string,
  ): { url: string; origin: string } | { queued: false; why: string } {
    if (destination === undefined) {
      logger.debug(log, "no notification destination");
      return { queued: false, why: `no destination: ${missing}` };
    }
    const problem = destinationProblem(destination);
    if (problem !== undefined) {
      const why = `the notification destination ${problem}`;
      logger.error(log, `${why}; no notification sent`);
      return { queued: false, why };
    }
    const origin = originOf(destination);
    if (!settings.secrets.has(origin)) {
      // Refused rather than sent unsigned: this also keeps a payment's data from making the worker call
      // any URL it likes (an internal service, a cloud metadata endpoint).
      const why = `no secret for ${origin} in PIXOUT_NOTIFY_SECRETS`;
      logger.error(
        { ...log, origin, setting: "PIXOUT_NOTIFY_SECRETS" },
        `${why}: the notification is not sent; add "${origin}=<secret>" to PIXOUT_NOTIFY_SECRETS`,
      );
      return { queued: false, why };
    }
    return { url: destination, origin };
  }

  async function queueEvent(
    event: PaymentEvent | FindingEvent | AccountEvent,
    destination: string,
    origin: string,
    log: Record<string, unknown>,
  ): Promise<NotifyResult> {
    await ready();
    await queue.add(
      event.type,
      { url: destination, event, attempts: [] },
      {
        jobId: event.id,
        attempts: settings.maxAttempts,
        backoff: { type: NOTIFY_BACKOFF_TYPE, delay: settings.backoffMs },
        removeOnComplete: { age: KEEP_DELIVERED_SECONDS },
        removeOnFail: { age: KEEP_FAILED_SECONDS },
        keepLogs: NOTIFY_KEEP_LOGS,
      },
    );
    logger.info({ ...log, deliveryId: event.id, origin, queue: name }, "notification queued");
    return { queued: true, deliveryId: event.id };
  }

  return {
    async notifyOutcome(facts, callbackUrl) {
      const log = { paymentId: facts.paymentId, outcome: facts.outcome };
      const to = destinationOf(
        callbackUrl ?? settings.url,
        log,
        "the payment has no callbackUrl and PIXOUT_NOTIFY_URL is not set",
      );
      return "why" in to ? to : queueEvent(paymentEvent(facts, now()), to.url, to.origin, log);
    },

    async notifyFinding(event) {
      const log = { paymentId: event.paymentId, finding: event.kind };
      const to = destinationOf(settings.url, log, "PIXOUT_NOTIFY_URL is not set");
      return "why" in to ? to : queueEvent(event, to.url, to.origin, log);
    },

    async notifyAccount(event) {
      const log = { account: event.account, event: event.type };
      const to = destinationOf(settings.url, log, "PIXOUT_NOTIFY_URL is not set");
      return "why" in to ? to : queueEvent(event, to.url, to.origin, log);
    },

    async close() {
      await queue.close();
      if (ownsConnection) redis.disconnect();
    },
  };
}
