// The dashboard's fleet view from Redis: worker heartbeats, readiness and the fleet metrics, against the
// real shared Redis (and a private redis-server for "Redis gone" and "Redis hangs").
import { randomUUID } from "node:crypto";
import { DelayedError, Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { describe, expect, inject, it } from "vitest";
import { fleetReadiness } from "../../src/ops/fleet-health.js";
import { createFleetMetrics, oldestWaitingSeconds } from "../../src/ops/fleet-metrics.js";
import { liveWorkers, redisNow, startWorkerHeartbeat } from "../../src/ops/worker-heartbeat.js";
import { removeQueueKeys } from "../../src/queue/cleanup.js";
import { bullPrefix } from "../../src/queue/names.js";
import { cleanupAfter } from "../helpers/cleanup.js";
import { startPrivateRedis } from "../helpers/private-redis.js";
import { sample } from "../helpers/prometheus.js";

const DAY = 86_400_000;

function fleet(): { redis: Redis; redisPrefix: string; queueName: string } {
  const redisPrefix = `pixout-test-${randomUUID().slice(0, 8)}`;
  const redis = new Redis(inject("redisUrl"));
  cleanupAfter(async () => {
    redis.disconnect();
    await removeQueueKeys(inject("redisUrl"), redisPrefix);
  });
  return { redis, redisPrefix, queueName: `test-${randomUUID().slice(0, 8)}` };
}

describe("worker heartbeats and fleet readiness", () => {
  it("is ready with a live worker whose certificate has 7 days or more, and says which check fails otherwise", async () => {
    const f = fleet();
    await f.redis.ping(); // connected: the redis check looks at the connection's status first
    const none = await fleetReadiness(f);
    expect(none.ready).toBe(false);
    expect(none.checks.find((c) => c.name === "workers")).toMatchObject({ ok: false });
    expect(none.checks.find((c) => c.name === "redis")).toMatchObject({ ok: true });

    const healthy = startWorkerHeartbeat({ ...f, concurrency: 4, certificateValidTo: new Date(Date.now() + 30 * DAY) });
    cleanupAfter(() => healthy.stop());
    await healthy.beat();
    expect((await liveWorkers(f.redis, f.redisPrefix, f.queueName)).map((w) => w.instance)).toEqual([healthy.instance]);
    const ready = await fleetReadiness(f);
    expect(ready).toMatchObject({ ready: true });
    expect(ready.checks.find((c) => c.name === "certificate")?.detail).toMatch(/^(29|30) days left \(expires /);

    // A second worker whose certificate expires in 3 days: the fleet is as ready as its weakest worker.
    const expiring = startWorkerHeartbeat({
      ...f,
      concurrency: 1,
      certificateValidTo: new Date(Date.now() + 3 * DAY + 3_600_000),
    });
    cleanupAfter(() => expiring.stop());
    await expiring.beat();
    const soon = await fleetReadiness(f);
    expect(soon.ready).toBe(false);
    expect(soon.checks.find((c) => c.name === "certificate")).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/^3 days left \(expires .*\), fewer than 7: download a new certificate/) as unknown,
    });

    await expiring.stop();
    await healthy.stop();
    expect(await liveWorkers(f.redis, f.redisPrefix, f.queueName)).toEqual([]);
    expect((await fleetReadiness(f)).checks.find((c) => c.name === "workers")).toMatchObject({ ok: false });
  });

  it("writes no beat while `running` says false: a worker that takes no jobs is not listed", async () => {
    const f = fleet();
    let running = false;
    const heartbeat = startWorkerHeartbeat({
      ...f,
      concurrency: 1,
      certificateValidTo: new Date(Date.now() + 30 * DAY),
      running: () => running,
    });
    cleanupAfter(() => heartbeat.stop());
    await heartbeat.beat();
    expect(await liveWorkers(f.redis, f.redisPrefix, f.queueName)).toEqual([]);
    running = true;
    await heartbeat.beat();
    expect((await liveWorkers(f.redis, f.redisPrefix, f.queueName)).map((w) => w.instance)).toEqual([
      heartbeat.instance,
    ]);
  });

  it("says Redis does not answer when it is gone, without waiting for a reconnection", async () => {
    const server = await startPrivateRedis();
    const redis = new Redis(server.url, { maxRetriesPerRequest: 1, enableOfflineQueue: true });
    redis.on("error", () => undefined); // expected: the server is killed below
    cleanupAfter(() => {
      redis.disconnect();
    });
    await redis.ping();
    await server.stop("SIGKILL");
    await expect.poll(() => redis.status).not.toBe("ready");
    const readiness = await fleetReadiness({ redis, redisPrefix: "p", queueName: "q" });
    expect(readiness.ready).toBe(false);
    expect(readiness.checks.map((c) => [c.name, c.ok])).toEqual([
      ["redis", false],
      ["workers", false],
      ["certificate", false],
    ]);
    expect(readiness.checks[0]?.detail).toMatch(/^Redis does not answer: not connected \(/);
  });

  it("answers within its deadline when Redis is connected but does not answer", async () => {
    const server = await startPrivateRedis();
    cleanupAfter(() => server.stop("SIGKILL"));
    const redis = new Redis(server.url);
    const admin = new Redis(server.url);
    cleanupAfter(() => {
      redis.disconnect();
      admin.disconnect();
    });
    await redis.ping();
    await admin.call("CLIENT", "PAUSE", "3000", "ALL"); // every client's commands wait 3 s
    const readiness = await fleetReadiness({ redis, redisPrefix: "p", queueName: "q", deadlineMs: 200 });
    expect(readiness.ready).toBe(false);
    expect(readiness.checks[0]).toEqual({
      name: "redis",
      ok: false,
      detail: "Redis does not answer: no answer to PING within 200 ms",
    });
  });

  it("answers within its deadline when Redis answers PING but not the heartbeat query", async () => {
    // A connection that answers PING and never answers TIME (what liveWorkers asks first).
    const stuck = {
      status: "ready",
      ping: () => Promise.resolve("PONG"),
      time: () => new Promise<never>(() => undefined),
    } as unknown as Redis;
    const readiness = await fleetReadiness({ redis: stuck, redisPrefix: "p", queueName: "q", deadlineMs: 200 });
    expect(readiness.ready).toBe(false);
    expect(readiness.checks.map((c) => [c.name, c.ok])).toEqual([
      ["redis", true],
      ["workers", false],
      ["certificate", false],
    ]);
    expect(readiness.checks[1]?.detail).toBe("unknown: Redis did not list the workers' heartbeats within 200 ms");
  });
});

describe("fleet metrics", () => {
  it("counts jobs per state, the oldest waiting job's age, overdue delayed steps, live workers and certificate days", async () => {
    const f = fleet();
    const queue = new Queue(f.queueName, { connection: f.redis, prefix: bullPrefix(f.redisPrefix) });
    cleanupAfter(() => queue.close());
    const now = await redisNow(f.redis);
    // Enqueued 2 minutes ago and never taken: the oldest waiting job.
    await queue.add("payout", { n: 1 }, { timestamp: now - 120_000 });
    await queue.add("payout", { n: 2 });
    // A delayed step due 90 s ago that no worker took.
    const late = await queue.add("payout", { n: 3 }, { delay: 60_000 });
    await f.redis.zadd(queue.toKey("delayed"), (now - 90_000) * 0x1000, late.id ?? "");
    const heartbeat = startWorkerHeartbeat({
      ...f,
      concurrency: 1,
      certificateValidTo: new Date(Date.now() + 20 * DAY + 3_600_000),
    });
    cleanupAfter(() => heartbeat.stop());
    await heartbeat.beat();

    const text = await createFleetMetrics({ ...f, queues: [queue] }).metrics();
    const q = { queue: f.queueName };
    expect(sample(text, "pixout_queue_jobs", { ...q, state: "wait" })).toBe(2);
    expect(sample(text, "pixout_queue_jobs", { ...q, state: "delayed" })).toBe(1);
    expect(sample(text, "pixout_queue_jobs", { ...q, state: "completed" })).toBe(0);
    const oldest = sample(text, "pixout_queue_oldest_waiting_seconds", q) ?? 0;
    expect(oldest).toBeGreaterThanOrEqual(120);
    expect(oldest).toBeLessThan(180);
    const overdue = sample(text, "pixout_queue_overdue_seconds", q) ?? 0;
    expect(overdue).toBeGreaterThanOrEqual(90);
    expect(overdue).toBeLessThan(150);
    expect(sample(text, "pixout_workers_alive", q)).toBe(1);
    expect(sample(text, "pixout_fleet_certificate_days_left", q)).toBe(20);

    // Empty queue, no worker: ages are 0 and the certificate gauge is absent rather than stale (a new
    // registry: the first one keeps its Redis read for a second).
    await queue.obliterate({ force: true });
    await heartbeat.stop();
    const after = await createFleetMetrics({ ...f, queues: [queue] }).metrics();
    expect(sample(after, "pixout_queue_oldest_waiting_seconds", q)).toBe(0);
    expect(sample(after, "pixout_queue_overdue_seconds", q)).toBe(0);
    expect(sample(after, "pixout_workers_alive", q)).toBe(0);
    expect(sample(after, "pixout_fleet_certificate_days_left", q)).toBeUndefined();
  });

  it("oldest waiting: a payment in progress promoted back to wait does not count; a job never started does", async () => {
    const f = fleet();
    const prefix = bullPrefix(f.redisPrefix);
    const queue = new Queue(f.queueName, { connection: f.redis, prefix });
    cleanupAfter(() => queue.close());
    const now = await redisNow(f.redis);
    // A payment enqueued an hour ago that ran one step and waits in delayed for its next one, as the
    // payout processor does (moveToDelayed + DelayedError).
    const inProgress = await queue.add("payout", { step: 1 }, { timestamp: now - 3_600_000 });
    const blocking = new Redis(inject("redisUrl"), { maxRetriesPerRequest: null }); // BullMQ's rule for a Worker
    cleanupAfter(() => {
      blocking.disconnect();
    });
    const worker = new Worker(
      f.queueName,
      async (job, token) => {
        await job.moveToDelayed(Date.now() + 3_600_000, token);
        throw new DelayedError();
      },
      { connection: blocking, prefix },
    );
    cleanupAfter(() => worker.close());
    await expect.poll(() => queue.getJobState(inProgress.id ?? "")).toBe("delayed");
    await worker.close();
    // Its next step is due: back in wait, at the tail, with its first enqueue's timestamp.
    await (await queue.getJob(inProgress.id ?? ""))?.promote();
    expect(await f.redis.lindex(queue.toKey("wait"), -1)).toBe(inProgress.id);
    expect(await f.redis.hget(queue.toKey(inProgress.id ?? ""), "processedOn")).not.toBeNull();

    const neverStarted = await queue.add("payout", { step: 0 }, { timestamp: now - 120_000 });
    const text = await createFleetMetrics({ ...f, queues: [queue] }).metrics();
    const oldest = sample(text, "pixout_queue_oldest_waiting_seconds", { queue: f.queueName }) ?? 0;
    expect(oldest).toBeGreaterThanOrEqual(120); // the never-started job's age…
    expect(oldest).toBeLessThan(600); // …not the hour of the payment in progress
    expect(await f.redis.llen(queue.toKey("wait"))).toBe(2);

    // The scan reads the list in batches from the tail, and stops at its limit.
    const at = await redisNow(f.redis);
    const seconds = (scan: { batch: number; limit: number }) => oldestWaitingSeconds(queue, f.redis, at, scan);
    expect(await seconds({ batch: 1, limit: 1000 })).toBeCloseTo((at - neverStarted.timestamp) / 1000, 3);
    expect(await seconds({ batch: 1, limit: 1 })).toBe(0);
    // Without the never-started job only the payment in progress waits: nothing counts.
    await neverStarted.remove();
    expect(await seconds({ batch: 50, limit: 1000 })).toBe(0);
  });
});
