// The fleet on a real Sentinel set (a master, two replicas, three sentinels of this test's own): payments
// enqueued and paid across a failover, each once, with PIXOUT_REDIS_WAIT_REPLICAS=1 — and a worker pointed
// at a replica, which takes no job, says why in its readiness, and starts by itself once that node is a master.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { runDoctor } from "../../src/ops/doctor/run-doctor.js";
import { cleanupAfter } from "../helpers/cleanup.js";
import { runCli } from "../helpers/cli.js";
import { startPipeline, workerUnfit } from "../helpers/pipeline.js";
import { startPrivateRedis } from "../helpers/private-redis.js";
import { startRedisSentinelSet } from "../helpers/redis-topology.js";
import { until } from "../helpers/until.js";

const payment = (id: string) => ({
  paymentId: id,
  amount: "7.50",
  recipient: { type: "key" as const, key: "fornecedor@example.com" },
});

describe("pixout on a Sentinel set", async () => {
  const set = await startRedisSentinelSet({ replicas: 2, sentinels: 3 });
  afterAll(() => set.stop());
  const sentinelEnv = {
    REDIS_URL: undefined,
    REDIS_SENTINELS: set.sentinelsSetting,
    REDIS_SENTINEL_NAME: set.masterName,
    PIXOUT_REDIS_WAIT_REPLICAS: "1",
  };

  it("pays every payment once across a failover; enqueues wait for a replica; doctor and the CLI follow the master", async () => {
    // A step cut by the failover leaves its job active under its lock: it resumes once the lock expires and the
    // stalled check runs (60 to 90 s by default; 3 to 5 s here).
    const p = await startPipeline({
      env: { ...sentinelEnv, PIXOUT_LOCK_DURATION_MS: "3000", PIXOUT_STALLED_INTERVAL_MS: "1000" },
    });
    const report = await runDoctor({ env: p.env, redisTimeoutMs: 5_000 });
    const find = (id: string) => report.checks.find((c) => c.id === id);
    expect(find("redis.connection")?.detail).toMatch(
      new RegExp(`the master 127\\.0\\.0\\.1:\\d+ \\(role master\\) answers for Sentinel master "${set.masterName}"`),
    );
    expect(find("redis.replication")).toMatchObject({
      status: "ok",
      detail: expect.stringMatching(
        /^2 connected replica\(s\); enqueues and state writes before a send wait for 1/,
      ) as unknown,
    });

    const before = Array.from({ length: 10 }, (_, i) => `sn-a${String(i)}`);
    expect((await p.producer.enqueueMany(before.map(payment))).every((r) => r.status === "accepted")).toBe(true);
    const old = await set.killMaster();
    // Enqueued while the sentinels elect a new master: refused (not acknowledged) until one takes them.
    const during = Array.from({ length: 10 }, (_, i) => `sn-b${String(i)}`);
    for (;;) {
      try {
        const results = await p.producer.enqueueMany(during.map(payment));
        if (results.every((r) => r.status === "accepted" || (r.status === "duplicate" && r.sameData))) break;
      } catch {
        // not acknowledged: enqueued again (a no-op for those that landed)
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const promoted = await set.waitForFailover(old);
    expect(promoted).not.toEqual(old);
    const all = [...before, ...during];
    const views = await Promise.all(all.map((id) => p.producer.waitForResult(id, { timeoutMs: 60_000 })));
    expect(views.map((v) => v.outcome)).toEqual(all.map(() => "paid"));
    for (const v of views) expect(p.emulator.paymentsWithKey(v.idempotencyKey ?? "")).toHaveLength(1);
    expect(p.emulator.ledger.snapshot().executions.total).toBe(all.length);

    const cliEnv = { ...sentinelEnv, PIXOUT_QUEUE: p.config.queueName, PIXOUT_REDIS_PREFIX: p.config.redisPrefix };
    const status = await runCli(["status", "sn-b0", "--json"], { env: cliEnv });
    expect(status.stderr).toBe("");
    expect(JSON.parse(status.stdout)).toMatchObject({ paymentId: "sn-b0", outcome: "paid" });
  }, 120_000);

  it("a worker at a replica takes no job and says why; once that node is a master it pays by itself", async () => {
    const master = await startPrivateRedis();
    cleanupAfter(() => master.stop());
    const replica = await startPrivateRedis([
      "--save",
      "",
      "--appendonly",
      "no",
      "--replicaof",
      "127.0.0.1",
      new URL(master.url).port,
    ]);
    cleanupAfter(() => replica.stop());
    const p = await startPipeline({ env: { REDIS_URL: replica.url } });
    const unfit = await workerUnfit(p, /is a replica \(read-only\)/);
    expect(unfit.detail).toMatch(
      /point REDIS_URL at the master, or with Sentinel set REDIS_SENTINELS and REDIS_SENTINEL_NAME/,
    );
    expect(p.lines.join("\n")).toMatch(/this worker takes no jobs until Redis is fit/);
    // The operator promotes it (as a failover would): the worker starts again without a restart.
    const admin = new Redis(replica.url);
    cleanupAfter(() => {
      admin.disconnect();
    });
    await admin.call("REPLICAOF", "NO", "ONE");
    await until("the worker ready again", async () => ((await p.worker.readiness()).ready ? true : undefined), 15_000);
    const id = `sn-${randomUUID().slice(0, 8)}`;
    await p.producer.enqueue(payment(id));
    expect((await p.producer.waitForResult(id, { timeoutMs: 20_000 })).outcome).toBe("paid");
    expect(p.lines.join("\n")).toMatch(/Redis takes pixout's writes again: taking jobs again/);
  }, 60_000);

  it("refuses a Sentinel given as REDIS_URL, saying to set REDIS_SENTINELS and REDIS_SENTINEL_NAME", async () => {
    const sentinel = set.sentinels[0];
    if (!sentinel) throw new Error("no sentinel");
    const env = {
      REDIS_URL: `redis://127.0.0.1:${String(sentinel.port)}`,
      PIXOUT_QUEUE: "sn-wrong",
      PIXOUT_REDIS_PREFIX: `pixout-test-${randomUUID().slice(0, 8)}`,
    };
    const pay = await runCli(["pay", "--id", "sn-wrong", "--amount", "1.00", "--key", "fornecedor@example.com"], {
      env,
    });
    expect(pay.code).not.toBe(0);
    expect(pay.stderr).toMatch(
      /is a Sentinel, not a data node: set REDIS_SENTINELS=host:port,… and REDIS_SENTINEL_NAME=<master name>/,
    );
  }, 30_000);
});
