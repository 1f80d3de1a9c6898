// The fleet on a real 3-master Redis Cluster (redis-server processes of this test's own): the producer SDK
// and the CLI, the worker (its token and budgets in their own slot), an operator's retry (job, audit stream
// and record in one script), Inter's callbacks, the dashboard's readiness and metrics, and doctor — each
// row of the table the cluster work started from, now working or refused with the setting to change.
import { randomUUID } from "node:crypto";
import calculateSlot from "cluster-key-slot";
import { Cluster } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { runDoctor } from "../../src/ops/doctor/run-doctor.js";
import { auditStreamKey } from "../../src/queue/producer/retry.js";
import { integrationTag } from "../../src/inter/integration-keys.js";
import { createPayoutProducer } from "../../src/queue/producer/producer.js";
import { receiverConnection } from "../../src/redis/connections.js";
import { bankFor } from "../helpers/bank.js";
import { cleanupAfter } from "../helpers/cleanup.js";
import { runCli } from "../helpers/cli.js";
import { startTestDashboard, VIEWER } from "../helpers/dashboard.js";
import { startPipeline, workerUnfit } from "../helpers/pipeline.js";
import { startRedisCluster } from "../helpers/redis-topology.js";
import { until } from "../helpers/until.js";
import { startTestReceiver } from "../helpers/webhook.js";

const payment = (id: string, description?: string) => ({
  paymentId: id,
  amount: "12.34",
  recipient: { type: "key" as const, key: "fornecedor@example.com" },
  ...(description === undefined ? {} : { description }),
});

describe("pixout on a Redis Cluster", async () => {
  const cluster = await startRedisCluster({ masters: 3 });
  afterAll(() => cluster.stop());
  const clusterEnv = { REDIS_URL: undefined, REDIS_CLUSTER_NODES: cluster.nodesSetting };

  it("pays, takes the CLI's payments, retries with an audit, and finishes payments from Inter's callbacks", async () => {
    const p = await startPipeline({
      env: {
        ...clusterEnv,
        PIXOUT_WEBHOOK_POLL_MS: "60000",
        // Every kind of key a run writes: daily-limit reservations, notification jobs.
        PIXOUT_DAILY_LIMIT: "100000.00",
        PIXOUT_NOTIFY_URL: "https://hooks.example.com/pixout",
        PIXOUT_NOTIFY_SECRETS: "https://hooks.example.com=cluster-test-secret-0123456789",
      },
      emulator: {
        callbackRetryScale: 1 / 60_000,
        faults: [
          {
            method: "POST",
            path: "/banking/v2/pix",
            bodyIncludes: "will-fail",
            fault: { type: "final-status", status: "FALHA" },
          },
        ],
      },
    });
    const ids = Array.from({ length: 12 }, (_, i) => `cl-${String(i)}`);
    const results = await p.producer.enqueueMany(ids.map((id) => payment(id)));
    expect(results.every((r) => r.status === "accepted")).toBe(true);
    const views = await Promise.all(ids.map((id) => p.producer.waitForResult(id, { timeoutMs: 30_000 })));
    expect(views.every((v) => v.outcome === "paid")).toBe(true);
    for (const v of views) expect(p.emulator.paymentsWithKey(v.idempotencyKey ?? "").length).toBe(1);

    // The CLI, as a user runs it, with the same settings.
    const cliEnv = { ...clusterEnv, PIXOUT_QUEUE: p.config.queueName, PIXOUT_REDIS_PREFIX: p.config.redisPrefix };
    const pay = await runCli(
      ["pay", "--id", "cl-cli", "--amount", "5.00", "--key", "fornecedor@example.com", "--wait", "--timeout", "30"],
      { env: cliEnv, timeoutMs: 40_000 },
    );
    expect(pay.stderr).toBe("");
    expect(pay.code).toBe(0);

    // A retry: the job, the audit stream and the record in one Lua script (CROSSSLOT before they shared a tag).
    await p.producer.enqueue(payment("cl-fail", "will-fail"));
    expect((await p.producer.waitForResult("cl-fail", { timeoutMs: 30_000 })).outcome).toBe("failed");
    const retried = await p.producer.retry("cl-fail", { actor: "test", reason: "bank said FALHA", newAttempt: true });
    expect(retried.status).toBe("retried");
    const cli = await runCli(["retry", "cl-fail", "--reason", "again", "--new-attempt", "--dry-run"], { env: cliEnv });
    expect(cli.stderr).toBe("");
    const audit = await p.redis.xrange(auditStreamKey(p.config.redisPrefix), "-", "+");
    expect(audit.length).toBeGreaterThanOrEqual(1);

    // Inter's callbacks: the receiver on its own cluster connection, the payments finished from them.
    const redis = receiverConnection({ kind: "cluster", nodes: cluster.masters });
    cleanupAfter(() => {
      redis.disconnect();
    });
    const receiver = await startTestReceiver({
      redisUrl: "unused",
      redis,
      redisPrefix: p.config.redisPrefix,
      queueName: p.config.queueName,
    });
    await bankFor(p.emulator).client.registerWebhook(receiver.url);
    const hooked = Array.from({ length: 5 }, () => `cl-wh-${randomUUID().slice(0, 8)}`);
    await p.producer.enqueueMany(hooked.map((id) => payment(id)));
    const hookedViews = await Promise.all(hooked.map((id) => p.producer.waitForResult(id, { timeoutMs: 30_000 })));
    expect(hookedViews.every((v) => v.outcome === "paid")).toBe(true);
    expect(receiver.stats().items).toBeGreaterThanOrEqual(5);

    // Every key the run wrote (this cluster is the test's own): each under a hash tag — the deployment's
    // {prefix}, the integration's tag (token, budgets) or a daily-limit bucket's —, so that no script or
    // transaction spans two slots.
    const keys = (
      await Promise.all(p.redis instanceof Cluster ? p.redis.nodes("master").map((n) => n.keys("*")) : [])
    ).flat();
    const tags = new Map<string, string[]>();
    for (const key of keys) {
      const tag = /\{([^}]+)\}/.exec(key)?.[1];
      expect(tag, `${key} has no hash tag`).toBeDefined();
      tags.set(tag ?? "", [...(tags.get(tag ?? "") ?? []), key]);
    }
    const integration = integrationTag({ baseUrl: p.emulator.url, clientId: p.config.inter.clientId });
    const kinds = [...tags.keys()].map((tag) =>
      tag === p.config.redisPrefix
        ? "prefix"
        : tag === integration
          ? "integration"
          : (tags.get(tag)?.every((k) => k.includes(":daily-limit:")) ?? false)
            ? "daily-limit"
            : `unexpected {${tag}}`,
    );
    expect(new Set(kinds)).toEqual(new Set(["prefix", "integration", "daily-limit"]));
    const prefixKeys = tags.get(p.config.redisPrefix) ?? [];
    for (const fragment of [
      ":audit",
      `:${p.config.queueName}:payment-`,
      ":payment-record:",
      ":find:",
      "-notifications:",
      ":inter-callbacks:",
      ":health-probe",
    ]) {
      expect(
        prefixKeys.some((k) => k.includes(fragment)),
        `a key with ${fragment}`,
      ).toBe(true);
    }
    expect(new Set(prefixKeys.map((k) => calculateSlot(k))).size).toBe(1);
  }, 120_000);

  it("serves the dashboard's /readyz (a live worker on the cluster) and /metrics, and doctor checks every master", async () => {
    const p = await startPipeline({ env: clusterEnv });
    const env = { ...clusterEnv, PIXOUT_QUEUE: p.config.queueName, PIXOUT_REDIS_PREFIX: p.config.redisPrefix };
    const dash = await startTestDashboard(env);
    const ready = await until(
      "the dashboard ready",
      async () => {
        const r = await dash.get("/readyz");
        return r.status === 200 ? ((await r.json()) as { checks: { name: string; ok: boolean }[] }) : undefined;
      },
      15_000,
    );
    expect(ready.checks.every((c) => c.ok)).toBe(true);
    const metrics = await dash.get("/metrics", VIEWER);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/pixout_workers_alive\{[^}]*\} 1/);
    const report = await runDoctor({ env: p.env, redisTimeoutMs: 5_000 });
    const find = (id: string) => report.checks.find((c) => c.id === id);
    expect(find("redis.connection")).toMatchObject({
      status: "ok",
      detail: expect.stringMatching(/a cluster of 3 masters/) as unknown,
    });
    // No persistence and no replicas on these test nodes: each master's finding is named.
    expect(find("redis.persistence")?.detail).toMatch(
      new RegExp(cluster.masters.map((m) => `127.0.0.1:${String(m.port)}`).join(".*")),
    );
    expect(find("redis.replication")).toMatchObject({
      status: "warning",
      detail: expect.stringMatching(/connected replicas per master/) as unknown,
    });
  }, 60_000);

  it("refuses a cluster node given as REDIS_URL, saying to set REDIS_CLUSTER_NODES", async () => {
    const first = cluster.masters[0];
    if (!first) throw new Error("no master");
    const env = {
      REDIS_URL: `redis://127.0.0.1:${String(first.port)}`,
      PIXOUT_QUEUE: "cl-wrong",
      PIXOUT_REDIS_PREFIX: `pixout-test-${randomUUID().slice(0, 8)}`,
    };
    const pay = await runCli(["pay", "--id", "cl-wrong", "--amount", "1.00", "--key", "fornecedor@example.com"], {
      env,
    });
    expect(pay.code).not.toBe(0);
    expect(pay.stderr).toMatch(/is a cluster node: set REDIS_CLUSTER_NODES=host:port/);
    const several = await runCli(["pay", "--id", "x", "--amount", "1.00", "--key", "fornecedor@example.com"], {
      env: { ...env, REDIS_URL: `redis://127.0.0.1:${String(first.port)},redis://127.0.0.1:1` },
    });
    expect(several.stderr).toMatch(/REDIS_URL: several nodes are a cluster: set REDIS_CLUSTER_NODES/);
  }, 30_000);

  it("a worker given one node of the cluster as REDIS_URL takes no job and says what to set; an ioredis Cluster of the user's own enqueues", async () => {
    const first = cluster.masters[0];
    if (!first) throw new Error("no master");
    const p = await startPipeline({ env: { REDIS_URL: `redis://127.0.0.1:${String(first.port)}` } });
    const unfit = await workerUnfit(p, /is a cluster node/);
    expect(unfit.detail).toMatch(/set REDIS_CLUSTER_NODES=host:port,… \(and unset REDIS_URL\)/);
    // The SDK takes the user's own Cluster connection (its type once refused it).
    const own = new Cluster(cluster.masters, { enableOfflineQueue: false });
    cleanupAfter(() => {
      own.disconnect();
    });
    await new Promise((resolve) => own.once("ready", resolve));
    const producer = createPayoutProducer({
      connection: own,
      queueName: p.config.queueName,
      redisPrefix: p.config.redisPrefix,
    });
    cleanupAfter(() => producer.close());
    const id = `cl-own-${randomUUID().slice(0, 8)}`;
    expect((await producer.enqueue(payment(id))).status).toBe("accepted");
    // Waiting, not failed: the worker blames Redis's setting, never the payment.
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await producer.get(id))?.outcome).toBe("queued");
    expect(p.emulator.ledger.snapshot().executions.total).toBe(0);
  }, 30_000);
});
