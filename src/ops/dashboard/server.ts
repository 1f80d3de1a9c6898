// Starts the dashboard: its Redis connection and queues, the notifier of resumes, the metrics registry, the
// HTTP server.
// Redis may be away at start: the dashboard still starts (/healthz answers, /readyz says 503 and why) and
// serves pages once Redis is back — an orchestrator should not restart-loop it over a Redis outage.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Queue } from "bullmq";
import { collectDefaultMetrics, Registry } from "prom-client";
import type { Logger } from "../../logger.js";
import { createNotifier } from "../../notifications/notifier.js";
import { bullPrefix, notificationQueueName } from "../../queue/names.js";
import {
  dashboardConnection,
  describeRedis,
  ensureReady,
  producerConnection,
  RedisUnavailableError,
} from "../../redis/connections.js";
import { createFleetMetrics } from "../fleet-metrics.js";
import { createDashboardApp } from "./app.js";
import { DEFAULT_SCRYPT, hasDefaultParams } from "./password.js";
import { isLoopbackHost, type DashboardSettings } from "./settings.js";

export interface RunningDashboard {
  /** Where it listens, e.g. http://127.0.0.1:3000. */
  url: string;
  close(): Promise<void>;
}

function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

export async function startDashboard(settings: DashboardSettings, logger: Logger): Promise<RunningDashboard> {
  const redis = dashboardConnection(settings.redis.target);
  let redisAway = false;
  let closing = false;
  const away = (why: string): void => {
    if (redisAway || closing) return; // once per outage, not once per reconnection attempt
    redisAway = true;
    logger.warn(
      { err: why, redis: describeRedis(settings.redis.target) },
      "Redis connection problem; pages answer 503 until it is back",
    );
  };
  redis.on("error", (err: Error) => {
    away(err.message);
  });
  redis.on("close", () => {
    away("connection closed");
  });
  redis.on("ready", () => {
    if (!redisAway) return;
    redisAway = false;
    logger.info({ redis: describeRedis(settings.redis.target) }, "Redis is back");
  });
  const prefix = bullPrefix(settings.redisPrefix);
  const queue = new Queue(settings.queueName, { connection: redis, prefix });
  const notifications = new Queue(notificationQueueName(settings.queueName), { connection: redis, prefix });
  // Retries get the connection `pixout retry` uses: no command timeout. A retry is a few commands, the
  // middle one a Lua step that changes the job's data and audits; a timeout after it ran (a slow Redis, not a
  // dead one) would leave the job audited as retried but not moved. Without a timeout the answer comes
  // when Redis has done the work; a lost connection still fails at once (no offline queue).
  const retryRedis = producerConnection(settings.redis.target);
  const retryQueue = new Queue(settings.queueName, { connection: retryRedis, prefix });
  for (const q of [queue, notifications, retryQueue]) q.on("error", () => undefined); // reported by the connection's handler
  // A resume's event is queued on the retries' connection for the same reason as the resume itself: a
  // timeout after the hold was lifted must not lose its announcement.
  const notifier =
    settings.notify === undefined
      ? undefined
      : createNotifier({
          connection: retryRedis,
          redisPrefix: settings.redisPrefix,
          queueName: settings.queueName,
          settings: settings.notify,
          logger,
        });
  const closeRedis = async (): Promise<void> => {
    closing = true;
    await Promise.all([queue.close(), notifications.close(), retryQueue.close(), notifier?.close()]).catch(
      () => undefined,
    );
    await Promise.all(
      [redis, retryRedis].map((r) =>
        r.quit().catch(() => {
          r.disconnect();
        }),
      ),
    );
  };

  try {
    await Promise.all([ensureReady(redis, settings.redis.target), ensureReady(retryRedis, settings.redis.target)]);
  } catch (err) {
    if (!(err instanceof RedisUnavailableError)) throw err;
    logger.warn(
      { redis: describeRedis(settings.redis.target) },
      `${err.message}; the dashboard starts anyway and /readyz answers 503 until Redis is back`,
    );
  }

  const fleet = createFleetMetrics({
    redis,
    redisPrefix: settings.redisPrefix,
    queueName: settings.queueName,
    queues: [queue, notifications],
  });
  const own = new Registry();
  collectDefaultMetrics({ register: own });
  const metrics = Registry.merge([fleet, own]);

  const app = createDashboardApp({
    settings,
    logger,
    redis,
    queue,
    notifications,
    retry: { redis: retryRedis, queue: retryQueue },
    metrics,
    ...(notifier === undefined ? {} : { notifier }),
  });
  const server = createServer(app);
  let address: AddressInfo;
  try {
    address = await listen(server, settings.host, settings.port);
  } catch (err) {
    await closeRedis();
    throw err;
  }
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${host}:${String(address.port)}`;

  if (settings.noAuth)
    logger.warn(
      { url },
      'dashboard WITHOUT authentication (--no-auth, loopback only): everyone is an operator, audited as "local (no auth)"',
    );
  if (settings.usersIgnored)
    logger.warn(
      "PIXOUT_DASHBOARD_USERS is set but ignored: --no-auth lets everyone in as an operator; drop --no-auth to require logins",
    );
  if (!isLoopbackHost(settings.host) && settings.origin?.startsWith("https://") !== true) {
    logger.warn(
      { host: settings.host, origin: settings.origin ?? null },
      "the dashboard listens beyond this machine over plain HTTP, and Basic auth sends passwords in the clear: put a TLS-terminating proxy in front and set PIXOUT_DASHBOARD_ORIGIN to its https:// address",
    );
  }
  // An unknown user's login is checked against a decoy with the default parameters: a user whose hash has
  // others takes a different time, which tells an attacker the user exists.
  const unusual = settings.users.filter((u) => !hasDefaultParams(u.hash)).map((u) => u.name);
  if (unusual.length > 0) {
    logger.warn(
      { users: unusual },
      `these users' password hashes use scrypt parameters other than the default (N=${String(DEFAULT_SCRYPT.N)}, r=${String(DEFAULT_SCRYPT.r)}, p=${String(DEFAULT_SCRYPT.p)}): how long a login takes tells them apart from unknown users; make their hashes again with \`pixout dashboard hash-password\``,
    );
  }
  if (settings.notifyProblem !== undefined) {
    logger.warn(
      { problem: settings.notifyProblem },
      "the PIXOUT_NOTIFY_* settings are invalid: an operator's resume of a held account is not announced upstream (account.resumed) until they are fixed",
    );
  }
  if (!settings.sharedSecret)
    logger.info(
      "PIXOUT_DASHBOARD_SECRET is unset: CSRF tokens are signed with a random key of this process; several dashboard replicas behind one address need the same secret",
    );
  logger.info(
    { url, queue: settings.queueName, users: settings.users.length, redis: describeRedis(settings.redis.target) },
    "dashboard listening",
  );

  return {
    url,
    async close() {
      const closed = new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
      server.closeIdleConnections();
      // Browsers keep connections open between bull-board's polls: give requests in flight a moment.
      const timer = setTimeout(() => {
        server.closeAllConnections();
      }, 2_000);
      await closed;
      clearTimeout(timer);
      await closeRedis();
    },
  };
}
