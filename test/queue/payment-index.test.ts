// The dashboard's search index (src/queue/payment-index.ts) as the worker writes it: a paid payment is
// found by its codigoSolicitacao and endToEndId, and the keys expire after the jobs' retention.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { createPaymentIndex, findPayment, paymentIndexKey } from "../../src/queue/payment-index.js";
import { createPayoutProducer, producerOptionsFor } from "../../src/queue/producer/producer.js";
import { startPayoutWorker } from "../../src/queue/worker/worker.js";
import { cleanupAfter } from "../helpers/cleanup.js";
import { captureLogs } from "../helpers/log-capture.js";
import { startPipeline, redisUrlOf } from "../helpers/pipeline.js";

describe("payment index", async () => {
  const p = await startPipeline({
    emulator: { balanceCents: 1_000_00 },
    env: {
      PIXOUT_ON_INSUFFICIENT_BALANCE: "fail",
      PIXOUT_KEEP_COMPLETED_DAYS: "10",
      PIXOUT_KEEP_FAILED_DAYS: "20",
      PIXOUT_IDEMPOTENCY_DAYS: "30",
    },
  });
  const index = createPaymentIndex(p.redis, p.config.redisPrefix, p.config.queueName, 20);
  const key = (kind: "codigoSolicitacao" | "endToEndId", value: string): string =>
    paymentIndexKey(p.config.redisPrefix, p.config.queueName, kind, value);

  it("finds a paid payment by its codigoSolicitacao and endToEndId; the keys outlive the longest retention", async () => {
    const id = `idx-${randomUUID()}`;
    await p.producer.enqueue({
      paymentId: id,
      amount: "10.50",
      recipient: { type: "key", key: "fornecedor@example.com" },
    });
    const view = await p.producer.waitForResult(id, { timeoutMs: 15_000 });
    expect(view.outcome).toBe("paid");
    const codigo = view.codigoSolicitacao ?? "";
    const e2e = view.endToEndId ?? "";
    expect(codigo).toMatch(/^[0-9a-f-]{36}$/);
    expect(e2e).toMatch(/^E00416968/);
    // Written without waiting, on the worker's connection before it completed the job: already there.
    expect(await index.find("codigoSolicitacao", codigo)).toBe(id);
    expect(await index.find("endToEndId", e2e)).toBe(id);
    // Readers need no TTL.
    expect(await findPayment(p.redis, p.config.redisPrefix, p.config.queueName, "endToEndId", e2e)).toBe(id);
    // max(PIXOUT_KEEP_COMPLETED_DAYS, PIXOUT_KEEP_FAILED_DAYS) = 20 days.
    for (const k of [key("codigoSolicitacao", codigo), key("endToEndId", e2e)]) {
      const ttl = await p.redis.ttl(k);
      expect(ttl).toBeGreaterThan(20 * 86_400 - 60);
      expect(ttl).toBeLessThanOrEqual(20 * 86_400);
    }
  });

  it("finds a payment the bank failed by its codigoSolicitacao", async () => {
    const id = `idx-${randomUUID()}`;
    await p.producer.enqueue({
      paymentId: id,
      amount: "5000.00",
      recipient: { type: "key", key: "fornecedor@example.com" },
    });
    const view = await p.producer.waitForResult(id, { timeoutMs: 15_000 });
    expect(view).toMatchObject({ outcome: "failed", bankStatus: "CANCELADO_SEM_SALDO" });
    expect(await index.find("codigoSolicitacao", view.codigoSolicitacao ?? "")).toBe(id);
  });

  it("skips identifiers not known yet, and misses unknown ones", async () => {
    await index.remember("only-codigo", { codigoSolicitacao: "c-1" });
    expect(await index.find("codigoSolicitacao", "c-1")).toBe("only-codigo");
    expect(await index.find("endToEndId", "c-1")).toBeUndefined();
    expect(await index.find("endToEndId", "")).toBeUndefined();
    expect(
      await findPayment(p.redis, p.config.redisPrefix, p.config.queueName, "codigoSolicitacao", ""),
    ).toBeUndefined();
    expect(await p.redis.exists(key("endToEndId", ""))).toBe(0);
  });

  const throwing = {
    remember(): Promise<void> {
      throw new Error("index exploded synchronously");
    },
  };
  it.each([
    ["rejects (a disconnected client)", "rejects"],
    ["throws synchronously (right after the bank answered the send)", "throws"],
  ] as const)(
    "an index that %s changes nothing of the payment: paid once, logged, not found by search",
    async (_, how) => {
      // A client that was disconnected: every write is refused at once ("Connection is closed").
      const broken = new Redis(redisUrlOf(p.config), { lazyConnect: true });
      broken.disconnect();
      // A queue of its own (same prefix, removed with the pipeline's keys): only this worker takes the job.
      const { config } = loadConfig({ ...p.env, PIXOUT_QUEUE: `test-${randomUUID().slice(0, 8)}` });
      const { logger, lines, secrets } = captureLogs("warn");
      const index = how === "rejects" ? createPaymentIndex(broken, config.redisPrefix, config.queueName, 20) : throwing;
      const worker = startPayoutWorker({ config, logger, secrets, index });
      const producer = createPayoutProducer(producerOptionsFor(config));
      cleanupAfter(async () => {
        await producer.close();
        await worker.close();
      });
      const id = `idx-${randomUUID()}`;
      await producer.enqueue({
        paymentId: id,
        amount: "10.50",
        recipient: { type: "key", key: "fornecedor@example.com" },
      });
      const view = await producer.waitForResult(id, { timeoutMs: 15_000 });
      expect(view).toMatchObject({ outcome: "paid", attempts: 0 });
      expect(p.emulator.ledger.snapshot().executions.byIdempotencyKey[view.result?.idempotencyKey ?? ""]).toBe(1);
      expect(view.codigoSolicitacao).toMatch(/^[0-9a-f-]{36}$/);
      expect(
        await findPayment(
          p.redis,
          config.redisPrefix,
          config.queueName,
          "codigoSolicitacao",
          view.codigoSolicitacao ?? "",
        ),
      ).toBeUndefined();
      expect(
        lines.filter((l) => l.includes("could not record the payment's bank identifiers for search")).length,
      ).toBeGreaterThanOrEqual(1);
    },
  );
});
