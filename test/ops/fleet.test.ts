// The dashboard's fleet view from Redis: worker heartbeats, readiness and the fleet metrics, against the
// real shared Redis (and a private redis-server for "Redis gone").
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { describe, expect, inject, it } from "vitest";
import { createFleetMetrics } from "../../src/ops/fleet-metrics.js";
import { fleetReadiness } from "../../src/ops/fleet-health.js";
import { liveWorkers, startWorkerHeartbeat } from "../../src/ops/worker-heartbeat.js";
import { removeQueueKeys } from "../../src/queue/cleanup.js";
import { bullPrefix } from "../../src/queue/names.js";
import { cleanupAfter } from "../helpers/cleanup.js";
import { startPrivateRedis } from "../helpers/private-redis.js";

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

function sample(text: string, name: string, labels = ""): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name}${labels} `) || (labels === "" && l.startsWith(`${name}{`)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

describe("worker heartbeats and fleet readiness", () => {
  it("is ready with a live worker whose certificate has 7 days or more, and says which check fails otherwise", async () => {
    const f = fleet();
    const none = await fleetReadiness(f);
    expect(none.ready).toBe(false);
    expect(none.checks.find((c) => c.name === "workers")).toMatchObject({ ok: false });
    expect(none.checks.find((c) => c.name === "redis")).toMatchObject({ ok: true });

    const healthy = startWorkerHeartbeat({ ...f, concurrency: 4, certificateValidTo: new Date(Date.now() + 30 * DAY) });
    await healthy.beat();
    expect((await liveWorkers(f.redis, f.redisPrefix, f.queueName)).map((w) => w.instance)).toEqual([healthy.instance]);
    const ready = await fleetReadiness(f);
    expect(ready).toMatchObject({ ready: true });
    expect(ready.checks.find((c) => c.name === "certificate")?.detail).toMatch(/^(29|30) days left$/);

    // A second worker whose certificate expires in 3 days: the fleet is as ready as its weakest worker.
    const expiring = startWorkerHeartbeat({ ...f, concurrency: 1, certificateValidTo: new Date(Date.now() + 3 * DAY + 3_600_000) });
    await expiring.beat();
    const soon = await fleetReadiness(f);
    expect(soon.ready).toBe(false);
    expect(soon.checks.find((c) => c.name === "certificate")).toMatchObject({ ok: false, detail: expect.stringMatching(/^3 days left .*renew/) as unknown });

    await expiring.stop();
    await healthy.stop();
    expect(await liveWorkers(f.redis, f.redisPrefix, f.queueName)).toEqual([]);
    expect((await fleetReadiness(f)).checks.find((c) => c.name === "workers")).toMatchObject({ ok: false });
  });

  it("says Redis does not answer within a second when it is gone", async () => {
    const server = await startPrivateRedis();
    const redis = new Redis(server.url, { maxRetriesPerRequest: 1, enableOfflineQueue: true });
    redis.on("error", () => undefined); // expected: the server is killed below
    cleanupAfter(() => {
      redis.disconnect();
    });
    await redis.ping();
    await server.stop("SIGKILL");
    const started = Date.now();
    const readiness = await fleetReadiness({ redis, redisPrefix: "p", queueName: "q" });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(readiness.ready).toBe(false);
    expect(readiness.checks[0]).toMatchObject({ name: "redis", ok: false });
  });
});

describe("fleet metrics", () => {
  it("counts jobs per state, the oldest waiting job's age, overdue delayed steps, live workers and certificate days", async () => {
    const f = fleet();
    const queue = new Queue(f.queueName, { connection: f.redis, prefix: bullPrefix(f.redisPrefix) });
    cleanupAfter(() => queue.close());
    await queue.add("payout", { n: 1 });
    await queue.add("payout", { n: 2 });
    await queue.add("payout", { n: 3 }, { delay: 50 });
    const heartbeat = startWorkerHeartbeat({ ...f, concurrency: 1, certificateValidTo: new Date(Date.now() + 20 * DAY + 3_600_000) });
    cleanupAfter(() => heartbeat.stop());
    await heartbeat.beat();
    await sleep(1_200); // nobody takes the jobs: the oldest waits ≥ 1.2 s, the delayed one is ≥ 1.1 s late

    const registry = createFleetMetrics({ ...f, queues: [queue] });
    const text = await registry.metrics();
    const q = `queue="${f.queueName}"`;
    expect(sample(text, "pixout_queue_jobs", `{${q},state="wait"}`)).toBe(2);
    expect(sample(text, "pixout_queue_jobs", `{${q},state="delayed"}`)).toBe(1);
    expect(sample(text, "pixout_queue_jobs", `{${q},state="completed"}`)).toBe(0);
    expect(sample(text, "pixout_queue_oldest_waiting_seconds", `{${q}}`)).toBeGreaterThanOrEqual(1.1);
    expect(sample(text, "pixout_queue_overdue_seconds", `{${q}}`)).toBeGreaterThanOrEqual(1);
    expect(sample(text, "pixout_workers_alive", `{${q}}`)).toBe(1);
    expect(sample(text, "pixout_fleet_certificate_days_left", `{${q}}`)).toBe(20);

    // Empty queue, no worker: ages are 0 and the certificate gauge is absent rather than stale.
    await queue.obliterate({ force: true });
    await heartbeat.stop();
    await sleep(1_100); // past the per-scrape cache
    const after = await registry.metrics();
    expect(sample(after, "pixout_queue_oldest_waiting_seconds", `{${q}}`)).toBe(0);
    expect(sample(after, "pixout_queue_overdue_seconds", `{${q}}`)).toBe(0);
    expect(sample(after, "pixout_workers_alive", `{${q}}`)).toBe(0);
    expect(sample(after, "pixout_fleet_certificate_days_left", `{${q}}`)).toBeUndefined();
  });
});
