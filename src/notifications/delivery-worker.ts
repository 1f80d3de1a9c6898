// Delivers outcome events: a BullMQ Worker on `<payout queue>-notifications` that POSTs each event, signed
// afresh on every attempt, to its destination. Any 2xx is delivered; anything else (another status, a
// timeout, a refused or reset connection) is a failed attempt that BullMQ retries with the capped
// backoff of retry-schedule.ts, up to the job's attempts. 410 Gone is final: the receiver says the
// endpoint no longer exists, so hours of retries could only fail again. Every attempt is recorded in the
// job's data (the last MAX_RECORDED_ATTEMPTS) and its log. Redirects are not followed (undici's request
// never does): a 3xx is a failed attempt, and a destination cannot send the worker somewhere else.
import { UnrecoverableError, Worker, type Job } from "bullmq";
import { Agent, request } from "undici";
import type { Logger, SecretRegistry } from "../logger.js";
import { bullPrefix, notificationQueueName } from "../queue/names.js";
import { connectionFor, describeRedis, workerConnection, type RedisConnectionInput } from "../redis/connections.js";
import { PIXOUT_VERSION } from "../version.js";
import { originOf } from "../payments/destination.js";
import { MAX_RECORDED_ATTEMPTS, notificationJobSchema, type AttemptRecord, type NotificationJobData } from "./job.js";
import { NOTIFY_BACKOFF_TYPE, notifyRetryDelayMs } from "./retry-schedule.js";
import type { NotifySettings } from "./settings.js";
import { DELIVERY_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, signatureHeader } from "./signature.js";

export interface NotificationWorkerOptions {
  /** Where Redis is (the worker then owns its connection), or an ioredis connection with maxRetriesPerRequest null. */
  connection: RedisConnectionInput;
  redisPrefix: string;
  /** The payout queue's name; the worker takes jobs from `<queueName>-notifications`. */
  queueName: string;
  settings: NotifySettings;
  logger: Logger;
  /** The destination secrets are registered in it, so that logs scrub them. */
  secrets: SecretRegistry;
}

/** A delivered job's return value. */
export interface DeliveryResult {
  status: number;
  attempts: number;
  deliveredAt: string;
}

export interface NotificationWorker {
  worker: Worker<NotificationJobData, DeliveryResult>;
  /** Stops taking jobs, waits for the deliveries under way (each bounded by the timeout), closes connections. */
  close(): Promise<void>;
}

const USER_AGENT = `pixout/${PIXOUT_VERSION}`;

function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : "";
  return `${typeof code === "string" ? `${code} ` : ""}${err.message}${cause}`;
}

export function startNotificationWorker(options: NotificationWorkerOptions): NotificationWorker {
  const { settings, logger } = options;
  for (const secret of settings.secrets.values()) options.secrets.add(secret);
  const { redis, owns: ownsConnection, where: target } = connectionFor(options.connection, workerConnection);
  if (ownsConnection) {
    const where = describeRedis(target);
    redis.on("error", (err: Error) => {
      logger.warn({ err: err.message, redis: where }, "Redis connection problem; the notification worker waits for it");
    });
  }
  const agent = new Agent({ connect: { timeout: settings.timeoutMs }, keepAliveTimeout: 10_000 });

  async function record(
    job: Job<NotificationJobData, DeliveryResult>,
    data: NotificationJobData,
    entry: AttemptRecord,
  ): Promise<void> {
    const attempts = [...data.attempts, entry].slice(-MAX_RECORDED_ATTEMPTS);
    await job.updateData({ ...data, attempts });
    const result = entry.status === undefined ? (entry.error ?? "failed") : `HTTP ${String(entry.status)}`;
    await job.log(
      `${entry.at} attempt ${String(entry.attempt)}: ${entry.delivered ? "delivered, " : ""}${result} in ${String(entry.durationMs)} ms`,
    );
  }

  async function deliver(job: Job<NotificationJobData, DeliveryResult>): Promise<DeliveryResult> {
    const parsed = notificationJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid notification job data: ${parsed.error.message}`);
    // The event exactly as stored, so every attempt sends the same body.
    const data: NotificationJobData = { ...job.data, attempts: parsed.data.attempts };
    const origin = originOf(data.url);
    const attempt = job.attemptsMade + 1;
    const log = {
      deliveryId: data.event.id,
      paymentId: "paymentId" in data.event ? data.event.paymentId : undefined,
      type: data.event.type,
      origin,
      attempt,
    };
    const at = new Date().toISOString();
    const started = Date.now();

    const secret = settings.secrets.get(origin);
    if (secret === undefined) {
      // The secret was removed since the event was queued (or this worker's settings differ): never sent
      // unsigned; retried, so that a corrected configuration still delivers it.
      const error = `no secret for ${origin} in PIXOUT_NOTIFY_SECRETS`;
      await record(job, data, { attempt, at, durationMs: 0, error, delivered: false });
      logger.error({ ...log, setting: "PIXOUT_NOTIFY_SECRETS" }, `${error}: notification not sent`);
      throw new Error(error);
    }

    const body = JSON.stringify(data.event);
    const controller = new AbortController();
    const timer = setTimeout(() => {
      controller.abort();
    }, settings.timeoutMs);
    let status: number | undefined;
    let error: string | undefined;
    try {
      const response = await request(data.url, {
        method: "POST",
        dispatcher: agent,
        signal: controller.signal,
        headers: {
          "content-type": "application/json",
          "user-agent": USER_AGENT,
          [SIGNATURE_HEADER]: signatureHeader(body, secret, Math.floor(Date.now() / 1000)),
          [DELIVERY_ID_HEADER]: data.event.id,
          [EVENT_TYPE_HEADER]: data.event.type,
        },
        body,
      });
      status = response.statusCode;
      // The answer's body is not needed; reading it frees the connection (within the same timeout).
      await response.body.dump().catch(() => undefined);
    } catch (err) {
      error = controller.signal.aborted ? `timeout after ${String(settings.timeoutMs)} ms` : describeError(err);
    } finally {
      clearTimeout(timer);
    }
    const delivered = status !== undefined && status >= 200 && status < 300;
    const entry: AttemptRecord = {
      attempt,
      at,
      durationMs: Date.now() - started,
      ...(status === undefined ? {} : { status }),
      ...(error === undefined ? {} : { error }),
      delivered,
    };
    await record(job, data, entry);
    if (delivered && status !== undefined) {
      logger.info({ ...log, status, durationMs: entry.durationMs }, "notification delivered");
      return { status, attempts: attempt, deliveredAt: new Date().toISOString() };
    }
    const what = status === undefined ? (error ?? "failed") : `HTTP ${String(status)}`;
    if (status === 410) throw new UnrecoverableError(`${what}: the receiver says this endpoint is gone; not retried`);
    logger.warn(
      { ...log, status, error, durationMs: entry.durationMs },
      "notification attempt failed; BullMQ retries it with backoff",
    );
    throw new Error(`attempt ${String(attempt)} failed: ${what}`);
  }

  const worker = new Worker<NotificationJobData, DeliveryResult>(notificationQueueName(options.queueName), deliver, {
    connection: redis,
    prefix: bullPrefix(options.redisPrefix),
    concurrency: settings.concurrency,
    // An attempt is bounded by the timeout (the body read included); the lock outlives it with room.
    lockDuration: Math.max(30_000, 2 * settings.timeoutMs + 10_000),
    settings: {
      backoffStrategy: (attemptsMade, type, _err, job) => {
        const backoff = job?.opts.backoff;
        const first = typeof backoff === "object" && backoff.delay !== undefined ? backoff.delay : settings.backoffMs;
        if (type !== NOTIFY_BACKOFF_TYPE)
          logger.warn({ type }, "notification job with an unknown backoff type; using pixout's");
        return notifyRetryDelayMs(attemptsMade, first);
      },
    },
    autorun: true,
  });
  worker.on("error", (err) => {
    logger.error({ err: err.message }, "notification worker error");
  });
  worker.on("failed", (job, err) => {
    if (!job) return;
    const final = err.name === "UnrecoverableError" || job.attemptsMade >= (job.opts.attempts ?? 1);
    if (final) {
      logger.error(
        { deliveryId: job.id, attempts: job.attemptsMade, err: err.message },
        "notification given up; the job stays in the failed set (retry it from there)",
      );
    }
  });

  return {
    worker,
    async close() {
      await worker.close();
      await agent.close();
      if (ownsConnection) await redis.quit().catch(() => undefined);
    },
  };
}
