// A real dashboard on a queue and prefix of its own (one per test: holds and approvals never leak between
// tests), with the test's own connection to seed the holds and approvals the workers would write.
import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { inject } from "vitest";
import { createAccountHolds, type AccountHolds } from "../../src/queue/account-holds.js";
import { createApprovals, type Approvals } from "../../src/queue/approvals.js";
import { removeQueueKeys } from "../../src/queue/cleanup.js";
import { bullPrefix, jobIdFor, notificationQueueName } from "../../src/queue/names.js";
import { cleanupAfter } from "../helpers/cleanup.js";
import { startTestDashboard, type TestDashboard } from "../helpers/dashboard.js";

export interface BalanceDashboard {
  env: { REDIS_URL: string; PIXOUT_QUEUE: string; PIXOUT_REDIS_PREFIX: string };
  dash: TestDashboard;
  redis: Redis;
  holds: AccountHolds;
  /** Holds `account` as a worker's run of the payment's job would (under that job's lock): the hold's id. */
  hold(
    account: string,
    paymentId: string,
    cents: number,
    at: number,
    why: Parameters<AccountHolds["hold"]>[4],
  ): Promise<{ id: string }>;
  approvals: Approvals;
  payouts: Queue;
  notifications: Queue;
}

/** Call inside a test: everything is closed and its keys removed when the test ends. */
export async function startBalanceDashboard(
  extraEnv: Record<string, string> = {},
  redisUrl: string = inject("redisUrl"),
): Promise<BalanceDashboard> {
  const env = {
    REDIS_URL: redisUrl,
    PIXOUT_QUEUE: `test-${randomUUID().slice(0, 8)}`,
    PIXOUT_REDIS_PREFIX: `pixout-test-${randomUUID().slice(0, 8)}`,
  };
  const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: null });
  const prefix = bullPrefix(env.PIXOUT_REDIS_PREFIX);
  const payouts = new Queue(env.PIXOUT_QUEUE, { connection: redis, prefix });
  const notifications = new Queue(notificationQueueName(env.PIXOUT_QUEUE), { connection: redis, prefix });
  for (const q of [payouts, notifications]) q.on("error", () => undefined);
  // Registered first, run last: the dashboard closes before its keys and this connection go.
  cleanupAfter(async () => {
    await Promise.all([payouts.close(), notifications.close()]).catch(() => undefined);
    redis.disconnect();
    if (redisUrl === inject("redisUrl")) await removeQueueKeys(env.REDIS_URL, env.PIXOUT_REDIS_PREFIX);
  });
  const dash = await startTestDashboard({ ...env, ...extraEnv });
  const holds = createAccountHolds(redis, env.PIXOUT_REDIS_PREFIX, env.PIXOUT_QUEUE);
  return {
    env,
    dash,
    redis,
    holds,
    async hold(account, paymentId, cents, at, why) {
      const fence = { jobId: jobIdFor(paymentId), token: randomUUID() };
      await redis.set(`${prefix}:${env.PIXOUT_QUEUE}:${fence.jobId}:lock`, fence.token, "PX", 60_000);
      const joined = await holds.hold(account, paymentId, cents, at, why, fence);
      if (!("held" in joined) || !joined.held) throw new Error("the hold was not written");
      return { id: joined.id };
    },
    approvals: createApprovals(redis, env.PIXOUT_REDIS_PREFIX, env.PIXOUT_QUEUE),
    payouts,
    notifications,
  };
}

/** The page's HTML for `user`, with its status. */
export async function pageOf(
  dash: TestDashboard,
  path: string,
  user: Parameters<TestDashboard["get"]>[1],
): Promise<{ status: number; html: string }> {
  const res = await dash.get(path, user);
  return { status: res.status, html: await res.text() };
}
