// Fleet-wide safety limits (docs/operating/safety-limits.md) end to end: the daily total per paying account and
// the allow-list of recipients, enforced in Redis by every worker right before the send, against the emulator.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { PaymentEvent } from "../../src/notifications/event.js";
import { saoPauloToday } from "../../src/payments/calendar.js";
import { bankIdempotencyKey } from "../../src/payments/idempotency.js";
import { DEFAULT_BUCKET } from "../../src/payments/safety-limits.js";
import { dailyLimitKeys, dailyTotal } from "../../src/queue/worker/daily-limits.js";
import { startPayoutWorker } from "../../src/queue/worker/worker.js";
import { cleanupAfter } from "../helpers/cleanup.js";
import { captureLogs } from "../helpers/log-capture.js";
import { clearOfSaoPauloMidnight } from "../helpers/sao-paulo-day.js";
import { startPipeline } from "../helpers/pipeline.js";
import { tempDir } from "../helpers/temp-dir.js";
import { startReceiver } from "../notifications/support.js";

const SECRET = "a-test-secret-of-enough-length";
const key = { type: "key" as const, key: "fornecedor@example.com" };

describe("daily limit per paying account", () => {
  it("is exact under concurrency: 200 × R$ 10.00 against R$ 1,000.00 on 2 workers → 100 paid, 100 blocked", async () => {
    // One day's total: not within three minutes of midnight in São Paulo.
    await clearOfSaoPauloMidnight(180_000);
    const p = await startPipeline({
      emulator: { balanceCents: 1_000_000_00 },
      env: { PIXOUT_DAILY_LIMIT: "1000.00", PIXOUT_CONCURRENCY: "16" },
    });
    const { logger, secrets } = captureLogs("warn");
    const second = startPayoutWorker({ config: p.config, logger, secrets });
    try {
      const ids = Array.from({ length: 200 }, (_, i) => `lim-${String(i)}`);
      const results = await p.producer.enqueueMany(
        ids.map((paymentId) => ({ paymentId, amount: "10.00", recipient: key })),
      );
      expect(results.every((r) => r.status === "accepted")).toBe(true);
      const views = await Promise.all(ids.map((id) => p.producer.waitForResult(id, { timeoutMs: 60_000 })));
      const count = (o: string): number => views.filter((v) => v.outcome === o).length;
      expect({ paid: count("paid"), blocked: count("blocked") }).toEqual({ paid: 100, blocked: 100 });
      const blocked = views.find((v) => v.outcome === "blocked");
      expect(blocked).toMatchObject({ jobState: "failed", codigoSolicitacao: null });
      expect(blocked?.failedReason).toMatch(
        /^blocked before the bank: the daily limit of the paying account \(R\$ 1000\.00 on \d{4}-\d{2}-\d{2}\) would be exceeded/,
      );
      const ledger = p.emulator.ledger.snapshot().executions;
      expect(ledger.total).toBe(100);
      expect(ledger.keysExecutedMoreThanOnce).toBe(0);
      // Nothing of a blocked payment reached the bank.
      for (const v of views.filter((x) => x.outcome === "blocked"))
        expect(ledger.byIdempotencyKey[v.idempotencyKey ?? ""]).toBeUndefined();
      expect(await dailyTotal(p.redis, p.config.redisPrefix, DEFAULT_BUCKET, saoPauloToday(Date.now()))).toBe(1000_00);
      const keys = dailyLimitKeys(p.config.redisPrefix, DEFAULT_BUCKET, saoPauloToday(Date.now()));
      expect(await p.redis.hlen(keys.held)).toBe(100);
      const ttl = await p.redis.ttl(keys.total);
      expect(ttl).toBeGreaterThan(2 * 86_400 - 120);
      expect(ttl).toBeLessThanOrEqual(2 * 86_400);
    } finally {
      await second.close();
    }
  }, 280_000);

  describe("reservations", async () => {
    const p = await startPipeline({
      emulator: { balanceCents: 1_000_000_00 },
      env: { PIXOUT_DAILY_LIMIT: "100.00", PIXOUT_MAX_ATTEMPTS: "3" },
    });
    // The worker counts each day's total on the real clock: these tests add up one day's sends, so they do
    // not start within three minutes of midnight in São Paulo (they wait for the new day instead).
    beforeAll(async () => clearOfSaoPauloMidnight(180_000), 200_000);
    const today = (): string => saoPauloToday(Date.now());
    const keys = (): { total: string; held: string } => dailyLimitKeys(p.config.redisPrefix, DEFAULT_BUCKET, today());

    it("a definitive refusal (400: nothing executed) gives its reservation back", async () => {
      const before = await dailyTotal(p.redis, p.config.redisPrefix, DEFAULT_BUCKET, today());
      p.emulator.faults.add({
        method: "POST",
        path: "/banking/v2/pix",
        bodyIncludes: "res-refused",
        fault: { type: "status", status: 400 },
      });
      await p.producer.enqueue({
        paymentId: "res-refused",
        amount: "30.00",
        description: "res-refused",
        recipient: key,
      });
      const view = await p.producer.waitForResult("res-refused", { timeoutMs: 15_000 });
      p.emulator.faults.clear();
      expect(view.outcome).toBe("rejected");
      expect(
        p.emulator.ledger.snapshot().executions.byIdempotencyKey[bankIdempotencyKey("res-refused", 0)],
      ).toBeUndefined();
      expect(await dailyTotal(p.redis, p.config.redisPrefix, DEFAULT_BUCKET, today())).toBe(before);
      expect(await p.redis.hexists(keys().held, "res-refused:0")).toBe(0);
    });

    it("an ambiguous send keeps it (it may have executed), however often it is resent", async () => {
      const before = await dailyTotal(p.redis, p.config.redisPrefix, DEFAULT_BUCKET, today());
      p.emulator.faults.add({
        method: "POST",
        path: "/banking/v2/pix",
        bodyIncludes: "res-ambiguous",
        fault: { type: "status", status: 504 },
      });
      await p.producer.enqueue({
        paymentId: "res-ambiguous",
        amount: "20.00",
        description: "res-ambiguous",
        recipient: key,
      });
      const view = await p.producer.waitForResult("res-ambiguous", { timeoutMs: 30_000 });
      p.emulator.faults.clear();
      expect(view.outcome).toBe("needs-reconciliation");
      expect(view.attempts).toBe(3);
      expect(await dailyTotal(p.redis, p.config.redisPrefix, DEFAULT_BUCKET, today())).toBe(before + 20_00);
      expect(await p.redis.hget(keys().held, "res-ambiguous:0")).toBe("2000");
    });

    it("a resend under the same key (reset after executing) counts once", async () => {
      const before = await dailyTotal(p.redis, p.config.redisPrefix, DEFAULT_BUCKET, today());
      p.emulator.faults.add({
        method: "POST",
        path: "/banking/v2/pix",
        bodyIncludes: "res-resend",
        times: 1,
        fault: { type: "reset-after" },
      });
      await p.producer.enqueue({ paymentId: "res-resend", amount: "25.00", description: "res-resend", recipient: key });
      const view = await p.producer.waitForResult("res-resend", { timeoutMs: 30_000 });
      p.emulator.faults.clear();
      expect(view.outcome).toBe("paid");
      expect(p.emulator.ledger.snapshot().executions.byIdempotencyKey[bankIdempotencyKey("res-resend", 0)]).toBe(1);
      expect(await dailyTotal(p.redis, p.config.redisPrefix, DEFAULT_BUCKET, today())).toBe(before + 25_00);
    });

    it("the limit is the sum of what may have executed: 20 + 25 held, 60 more is over R$ 100.00, 55 fits", async () => {
      await p.producer.enqueue({ paymentId: "res-over", amount: "60.00", recipient: key });
      const over = await p.producer.waitForResult("res-over", { timeoutMs: 15_000 });
      expect(over.outcome).toBe("blocked");
      expect(over.failedReason).toContain("R$ 45.00 already sent, this payment is R$ 60.00");
      await p.producer.enqueue({ paymentId: "res-fits", amount: "55.00", recipient: key });
      expect((await p.producer.waitForResult("res-fits", { timeoutMs: 15_000 })).outcome).toBe("paid");
      expect(await dailyTotal(p.redis, p.config.redisPrefix, DEFAULT_BUCKET, today())).toBe(100_00);
    });
  });
});

describe("allow-list of recipients", () => {
  it("blocks an unknown recipient before the bank, and notifies it as payment.blocked", async () => {
    const dir = tempDir("allowlist");
    const file = join(dir, "allowlist.txt");
    writeFileSync(file, "# recipients we pay\nFornecedor@Example.com\n00416968/0001/1234567  # Maria\n");
    const receiver = await startReceiver(SECRET);
    cleanupAfter(() => receiver.close());
    const p = await startPipeline({
      env: {
        PIXOUT_RECIPIENT_ALLOWLIST: file,
        PIXOUT_NOTIFY_URL: receiver.url,
        PIXOUT_NOTIFY_SECRETS: `${receiver.origin}=${SECRET}`,
        PIXOUT_NOTIFY_BACKOFF_MS: "50",
      },
    });
    const bank = {
      type: "bank" as const,
      ispb: "00416968",
      branch: "1",
      account: "01234567",
      accountType: "CONTA_CORRENTE" as const,
      document: "12345678909",
      name: "Maria Silva",
    };
    await p.producer.enqueue({ paymentId: "al-key", amount: "10.00", recipient: key });
    await p.producer.enqueue({ paymentId: "al-bank", amount: "10.00", recipient: bank });
    await p.producer.enqueue({
      paymentId: "al-unknown",
      amount: "10.00",
      recipient: { type: "key", key: "outro@example.com" },
    });
    expect((await p.producer.waitForResult("al-key", { timeoutMs: 15_000 })).outcome).toBe("paid");
    expect((await p.producer.waitForResult("al-bank", { timeoutMs: 15_000 })).outcome).toBe("paid");
    const unknown = await p.producer.waitForResult("al-unknown", { timeoutMs: 15_000 });
    expect(unknown).toMatchObject({ outcome: "blocked", jobState: "failed" });
    expect(unknown.failedReason).toMatch(/^blocked before the bank: the recipient is not in the allow-list/);
    expect(unknown.failedReason).not.toContain("outro@example.com");
    const ledger = p.emulator.ledger.snapshot().executions;
    expect(ledger.total).toBe(2);
    expect(ledger.byIdempotencyKey[bankIdempotencyKey("al-unknown", 0)]).toBeUndefined();
    // No daily limit set: no counter kept.
    expect(
      await p.redis.exists(dailyLimitKeys(p.config.redisPrefix, DEFAULT_BUCKET, saoPauloToday(Date.now())).total),
    ).toBe(0);

    for (let i = 0; i < 100 && receiver.accepted.size < 3; i++) await new Promise((r) => setTimeout(r, 50));
    const events = receiver.requests.filter((r) => r.answer === 200).map((r) => JSON.parse(r.body) as PaymentEvent);
    const blocked = events.find((e) => e.paymentId === "al-unknown");
    expect(blocked).toMatchObject({
      type: "payment.blocked",
      outcome: "blocked",
      amount: "10.00",
      codigoSolicitacao: null,
    });
    expect(blocked?.reason).toMatch(/not in the allow-list/);
  });
});
