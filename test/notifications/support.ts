// A real HTTP receiver on 127.0.0.1 for notification tests, and a notifier + delivery worker on the
// shared Redis under a queue name and key prefix of the test's own (removed afterwards).
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { Queue } from "bullmq";
import { inject } from "vitest";
import { DEFAULT_NOTIFY, type NotifySettings } from "../../src/notifications/settings.js";
import { createNotifier, type Notifier } from "../../src/notifications/notifier.js";
import {
  startNotificationWorker,
  type NotificationWorker,
  type DeliveryResult,
} from "../../src/notifications/delivery-worker.js";
import type { NotificationJobData } from "../../src/notifications/job.js";
import { bullPrefix, notificationQueueName } from "../../src/queue/names.js";
import { removeQueueKeys } from "../../src/queue/cleanup.js";
import { verifySignature, type VerifyResult } from "../../src/sdk.js";
import { cleanupAfter } from "../helpers/cleanup.js";
import { captureLogs } from "../helpers/log-capture.js";
import type { SecretRegistry } from "../../src/logger.js";

/** What the receiver does with the n-th request (1-based) of a delivery id. */
export type Answer = number | "hang" | "reset";

export interface ReceivedRequest {
  /** The request's path and query. */
  path: string;
  deliveryId: string;
  attempt: number;
  body: string;
  headers: IncomingMessage["headers"];
  verified: VerifyResult;
  answer: Answer;
}

export interface Receiver {
  url: string;
  origin: string;
  requests: ReceivedRequest[];
  /** Delivery id → times it was answered 2xx with a valid signature. */
  accepted: Map<string, number>;
  close(): Promise<void>;
}

/**
 * Verifies each request with the SDK's verifySignature (401 when it fails, like a real receiver), then
 * answers as `plan` says for that delivery id's n-th request.
 */
export async function startReceiver(
  secret: string,
  plan: (deliveryId: string, attempt: number) => Answer = () => 200,
): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const accepted = new Map<string, number>();
  const counts = new Map<string, number>();
  const handle = (req: IncomingMessage, res: ServerResponse, body: string): void => {
    const header = req.headers["pixout-signature"];
    const verified = verifySignature(body, typeof header === "string" ? header : undefined, secret);
    const deliveryId = String(req.headers["pixout-delivery-id"]);
    const attempt = (counts.get(deliveryId) ?? 0) + 1;
    counts.set(deliveryId, attempt);
    const answer: Answer = verified.ok ? plan(deliveryId, attempt) : 401;
    requests.push({ path: req.url ?? "", deliveryId, attempt, body, headers: req.headers, verified, answer });
    if (answer === "hang") return; // never answered; closeAllConnections() ends it
    if (answer === "reset") {
      req.socket.destroy();
      return;
    }
    if (answer >= 200 && answer < 300) accepted.set(deliveryId, (accepted.get(deliveryId) ?? 0) + 1);
    res.writeHead(answer, { "content-type": "text/plain" }).end(String(answer));
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      handle(req, res, Buffer.concat(chunks).toString("utf8"));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${String(port)}`;
  return {
    url: `${origin}/hooks/pixout`,
    origin,
    requests,
    accepted,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}

/** Fast delivery settings: attempts a few tens of ms apart, a short timeout. */
export function fastSettings(secrets: Record<string, string>, overrides: Partial<NotifySettings> = {}): NotifySettings {
  return {
    ...DEFAULT_NOTIFY,
    maxAttempts: 5,
    backoffMs: 50,
    timeoutMs: 400,
    secrets: new Map(Object.entries(secrets)),
    ...overrides,
  };
}

export interface NotifyHarness {
  notifier: Notifier;
  workers: NotificationWorker[];
  queue: Queue<NotificationJobData, DeliveryResult>;
  lines: string[];
  secrets: SecretRegistry;
  queueName: string;
  /** Resolves once the job has finished (completed or failed for good). */
  finished(deliveryId: string, timeoutMs?: number): Promise<"completed" | "failed">;
}

/** A notifier and `workers` delivery workers (0 for none) on a queue and prefix of the test's own. */
export function startHarness(
  settings: NotifySettings,
  options: { workers?: number; receivers?: Receiver[] } = {},
): NotifyHarness {
  const redisUrl = inject("redisUrl");
  const redisPrefix = `pixout-test-${randomUUID().slice(0, 8)}`;
  const queueName = `notify-${randomUUID().slice(0, 8)}`;
  const { logger, lines, secrets } = captureLogs("debug");
  const notifier = createNotifier({ connection: redisUrl, redisPrefix, queueName, settings, logger, secrets });
  const workers = Array.from({ length: options.workers ?? 1 }, () =>
    startNotificationWorker({ connection: redisUrl, redisPrefix, queueName, settings, logger, secrets }),
  );
  const queue = new Queue<NotificationJobData, DeliveryResult>(notificationQueueName(queueName), {
    connection: { url: redisUrl },
    prefix: bullPrefix(redisPrefix),
  });
  cleanupAfter(async () => {
    await notifier.close();
    for (const w of workers) await w.close();
    await queue.close();
    for (const r of options.receivers ?? []) await r.close();
    await removeQueueKeys(redisUrl, redisPrefix);
  });
  return {
    notifier,
    workers,
    queue,
    lines,
    secrets,
    queueName,
    async finished(deliveryId, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const state = await queue.getJobState(deliveryId);
        if (state === "completed" || state === "failed") return state;
        if (Date.now() > deadline)
          throw new Error(`notification ${deliveryId} still ${state} after ${String(timeoutMs)} ms`);
        await sleep(20);
      }
    },
  };
}
