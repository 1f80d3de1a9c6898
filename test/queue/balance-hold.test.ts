// An account short of money, against the real worker, Redis and the emulator's per-account balances: the
// fleet holds the account instead of failing the backlog, resumes when the balance covers the oldest held
// payment (or an operator says so), pays each payment once, and — with the balance guard — sends nothing the
// bank refuses for balance.
import { Queue } from "bullmq";
import { describe, expect, it } from "vitest";
import { DEV_INTEGRATION } from "../../src/emulator/integration.js";
import type { AccountEvent } from "../../src/notifications/account-event.js";
import { createAccountHolds, type AccountHold } from "../../src/queue/account-holds.js";
import { createBalanceGuard } from "../../src/queue/worker/balance-guard.js";
import { bullPrefix } from "../../src/queue/names.js";
import { paymentView, type PaymentView } from "../../src/queue/payment-view.js";
import { NO_PROTECTION } from "../../src/queue/job-data.js";
import { runReconciliation } from "../../src/queue/worker/reconcile-run.js";
import { bankFor } from "../helpers/bank.js";
import { cleanupAfter } from "../helpers/cleanup.js";
import { runCli } from "../helpers/cli.js";
import { startPipeline, type TestPipeline } from "../helpers/pipeline.js";
import { until } from "../helpers/until.js";
import { startReceiver } from "../notifications/support.js";

const SECRET = "whsec-test-0123456789abcdef";
const SALDO = "GET /banking/v2/saldo";
/** The balance is read often (checks 0.3 s apart, up to 0.6 s), and the fleet's balance budget is no limit here. */
const BALANCE_ENV = {
  INTER_SCOPES: "pagamento-pix.write pagamento-pix.read extrato.read",
  PIXOUT_BALANCE_PER_MINUTE: "6000",
  PIXOUT_BALANCE_CHECK_SECONDS: "0.3",
  PIXOUT_BALANCE_CHECK_MAX_SECONDS: "0.6",
};

const payment = (paymentId: string, amount = "10.00", extra: Record<string, unknown> = {}) => ({
  paymentId,
  amount,
  recipient: { type: "key" as const, key: `${paymentId}@example.com` },
  description: paymentId,
  ...extra,
});

function harness(p: TestPipeline) {
  const queue = new Queue(p.config.queueName, { connection: p.redis, prefix: bullPrefix(p.config.redisPrefix) });
  cleanupAfter(() => queue.close());
  const holds = createAccountHolds(p.redis, p.config.redisPrefix, p.config.queueName);
  const views = async (ids: string[]): Promise<PaymentView[]> =>
    Promise.all(
      ids.map(async (id) => {
        const job = await queue.getJob(`payment-${id}`);
        if (!job) throw new Error(`no job for ${id}`);
        return paymentView({
          id: job.id ?? "",
          state: await job.getState(),
          data: job.data,
          returnvalue: job.returnvalue,
          failedReason: job.failedReason,
          timestamp: job.timestamp,
          finishedOn: job.finishedOn,
        });
      }),
    );
  const tally = async (ids: string[]): Promise<Record<string, number>> => {
    const out: Record<string, number> = {};
    for (const v of await views(ids)) out[v.outcome] = (out[v.outcome] ?? 0) + 1;
    return out;
  };
  const saldoReads = (): number => p.emulator.ledger.snapshot().requests[SALDO]?.total ?? 0;
  const cancelled = (): number => p.emulator.ledger.snapshot().payments.byStatus["CANCELADO_SEM_SALDO"] ?? 0;
  return { queue, holds, views, tally, saldoReads, cancelled };
}

const ids = (prefix: string, n: number): string[] =>
  Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(2, "0")}`);

/** 30 payments of R$ 10.00 against R$ 100.00: 10 paid and 20 held, nothing failed; the hold's figures. */
async function heldBacklog(p: TestPipeline, h: ReturnType<typeof harness>, list: string[]): Promise<AccountHold> {
  await p.producer.enqueueMany(list.map((id) => payment(id)));
  const hold = await until("10 paid and 20 held", async () => {
    const held = await h.holds.read("default");
    const t = await h.tally(list);
    return held?.heldPayments === 20 && t["paid"] === 10 ? held : undefined;
  });
  expect(hold).toMatchObject({ heldPayments: 20, heldCents: 200_00, oldestCents: 10_00 });
  return hold;
}

describe("an account short of money", () => {
  it("holds the backlog instead of failing it, and pays everything once after a top-up, within one balance check", async () => {
    const receiver = await startReceiver(SECRET);
    cleanupAfter(() => receiver.close());
    const p = await startPipeline({
      emulator: { balanceCents: 100_00 },
      env: {
        ...BALANCE_ENV,
        PIXOUT_NOTIFY_URL: receiver.url,
        PIXOUT_NOTIFY_SECRETS: `${receiver.origin}=${SECRET}`,
        PIXOUT_NOTIFY_BACKOFF_MS: "50",
      },
    });
    const h = harness(p);
    const list = ids("bh", 30);
    const hold = await heldBacklog(p, h, list);
    expect(hold.source).toBe("bank");
    expect(hold.reason).toContain("CANCELADO_SEM_SALDO");
    // The bank refused the sends that raced the first refusal; none is failed, and the fleet keeps checking.
    const refused = h.cancelled();
    expect(refused).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await h.tally(list)).toEqual({ paid: 10, queued: 20 });
    expect((await h.holds.read("default"))?.checks).toBeGreaterThanOrEqual(2);
    const held = (await h.views(list)).filter((v) => v.outcome !== "paid");
    expect(held.every((v) => v.held?.account === "default" && v.waitingFor?.why === "insufficient balance")).toBe(true);
    // Each payment the bank refused waits under its next key, the refused send kept as history.
    expect(held.filter((v) => v.endedForBalance.length === 1 && v.generation === 1)).toHaveLength(refused);

    const readsBefore = h.saldoReads();
    p.emulator.topUp(200_00);
    const all = await Promise.all(list.map((id) => p.producer.waitForResult(id, { timeoutMs: 20_000 })));
    expect(all.map((v) => v.outcome)).toEqual(list.map(() => "paid"));
    // One check after the top-up lifted the hold (a second one may have been in flight as the money arrived).
    expect(h.saldoReads() - readsBefore).toBeLessThanOrEqual(2);
    expect(await h.holds.list()).toEqual([]);
    // Each payment executed once: 30 debits, one per payment's last bank payment, and no key used twice.
    const debits = p.emulator.statement().filter((e) => e.tipoOperacao === "D");
    expect(debits).toHaveLength(30);
    expect(new Set(debits.map((d) => d.codigoSolicitacao)).size).toBe(30);
    expect(new Set(all.map((v) => v.codigoSolicitacao))).toEqual(new Set(debits.map((d) => d.codigoSolicitacao)));
    expect(p.emulator.ledger.snapshot().executions.keysExecutedMoreThanOnce).toBe(0);
    expect(h.cancelled()).toBe(refused);
    expect(p.emulator.balance().balanceCents).toBe(0);

    // Upstream heard of the hold and the resume, once each (signed like every event).
    const events = await until("account events", () => {
      const bodies = receiver.requests
        .filter((r) => r.verified.ok)
        .map((r) => JSON.parse(r.body) as AccountEvent)
        .filter((e) => e.type.startsWith("account."));
      return Promise.resolve(bodies.length >= 2 ? bodies : undefined);
    });
    expect(events.map((e) => [e.type, e.account, e.by])).toEqual([
      ["account.held", "default", "bank"],
      ["account.resumed", "default", "balance"],
    ]);
    expect(events[1]).toMatchObject({ holdId: events[0]?.holdId, heldPayments: 20, amount: "200.00" });
  });

  it("with the balance guard, sends nothing the bank refuses for balance", async () => {
    const p = await startPipeline({
      emulator: { balanceCents: 100_00 },
      env: { ...BALANCE_ENV, PIXOUT_BALANCE_GUARD: "true", PIXOUT_BALANCE_GUARD_SECONDS: "30" },
    });
    const h = harness(p);
    const list = ids("bg", 30);
    const hold = await heldBacklog(p, h, list);
    expect(hold.source).toBe("guard");
    expect(hold.reason).toContain("PIXOUT_BALANCE_GUARD");
    expect(h.cancelled()).toBe(0);
    // The held ones were never sent: 10 bank payments in all.
    expect(p.emulator.ledger.snapshot().executions.total).toBe(10);
    p.emulator.topUp(200_00);
    const all = await Promise.all(list.map((id) => p.producer.waitForResult(id, { timeoutMs: 20_000 })));
    expect(all.map((v) => v.outcome)).toEqual(list.map(() => "paid"));
    expect(h.cancelled()).toBe(0);
    expect(p.emulator.ledger.snapshot().executions.total).toBe(30);
    expect(all.every((v) => v.generation === 0)).toBe(true);
  });

  it("with the balance guard at a real send pace, the payments it reserved for go out while the others wait", async () => {
    // Sends half a second apart: the payments the guard covered wait for their send slot while the first one
    // it could not cover holds the account. They must go out all the same (their money is set aside).
    const p = await startPipeline({
      emulator: { balanceCents: 50_00 },
      env: {
        ...BALANCE_ENV,
        PIXOUT_BALANCE_GUARD: "true",
        PIXOUT_BALANCE_GUARD_SECONDS: "30",
        PIXOUT_SEND_PER_MINUTE: "120",
        PIXOUT_SEND_MIN_INTERVAL_MS: "500",
      },
    });
    const h = harness(p);
    const list = ids("bp", 10);
    await p.producer.enqueueMany(list.map((id) => payment(id)));
    await until("5 paid and 5 held", async () => {
      const held = await h.holds.read("default");
      const t = await h.tally(list);
      return held?.heldPayments === 5 && t["paid"] === 5 ? true : undefined;
    });
    expect(h.cancelled()).toBe(0);
    p.emulator.topUp(50_00);
    const all = await Promise.all(list.map((id) => p.producer.waitForResult(id, { timeoutMs: 20_000 })));
    expect(all.map((v) => v.outcome)).toEqual(list.map(() => "paid"));
    expect(h.cancelled()).toBe(0);
    expect(p.emulator.ledger.snapshot().executions.total).toBe(10);
  });

  it("with the balance guard, a refusal by the bank (money left outside pixout) stops the payments it had reserved for", async () => {
    const p = await startPipeline({
      emulator: { balanceCents: 100_00 },
      env: {
        ...BALANCE_ENV,
        PIXOUT_BALANCE_CHECK_SECONDS: "600",
        PIXOUT_BALANCE_GUARD: "true",
        PIXOUT_BALANCE_GUARD_SECONDS: "600",
        PIXOUT_SEND_PER_MINUTE: "120",
        PIXOUT_SEND_MIN_INTERVAL_MS: "500",
      },
    });
    const h = harness(p);
    const guard = createBalanceGuard(p.redis, p.config.redisPrefix, p.config.queueName, 600_000);
    const list = ids("bo", 10);
    await p.producer.enqueueMany(list.map((id) => payment(id)));
    // Every payment reserved its amount against the R$ 100.00 read; then R$ 50.00 leaves in the internet banking.
    await until("all ten reserved", async () => ((await guard.estimate("default"))?.cents === 0 ? true : undefined));
    p.emulator.addOutOfBandDebit({ amountCents: 50_00 });
    await until("5 paid and 5 held", async () => {
      const held = await h.holds.read("default");
      const t = await h.tally(list);
      return held?.heldPayments === 5 && t["paid"] === 5 ? true : undefined;
    });
    // One refusal held the account; the payments reserved for it waited instead of being refused one by one.
    expect(h.cancelled()).toBe(1);
    expect((await h.holds.read("default"))?.source).toBe("bank");
  });

  it("fails each payment as the bank said with PIXOUT_ON_INSUFFICIENT_BALANCE=fail", async () => {
    const p = await startPipeline({
      emulator: { balanceCents: 30_00 },
      env: { ...BALANCE_ENV, PIXOUT_ON_INSUFFICIENT_BALANCE: "fail" },
    });
    const h = harness(p);
    const list = ids("bf", 5);
    await p.producer.enqueueMany(list.map((id) => payment(id)));
    const all = await Promise.all(list.map((id) => p.producer.waitForResult(id, { timeoutMs: 20_000 })));
    expect(all.filter((v) => v.outcome === "paid")).toHaveLength(3);
    expect(all.filter((v) => v.outcome === "failed" && v.bankStatus === "CANCELADO_SEM_SALDO")).toHaveLength(2);
    expect(await h.holds.list()).toEqual([]);
  });

  it("never moves to a new key a payment whose refused codigo came from a resend after a lost answer: it fails as the bank said", async () => {
    // The first send executes but its answer is lost; the resend under the same key gets the bank's payment back
    // (idempotency), which the bank ends for balance. Only the bank's idempotency says they are one payment.
    const p = await startPipeline({
      emulator: {
        balanceCents: 5_00,
        faults: [{ method: "POST", path: "/banking/v2/pix", times: 1, fault: { type: "reset-after" } }],
      },
      env: BALANCE_ENV,
    });
    const h = harness(p);
    await p.producer.enqueue(payment("bd-1"));
    const view = await p.producer.waitForResult("bd-1", { timeoutMs: 15_000 });
    expect(view).toMatchObject({ outcome: "failed", bankStatus: "CANCELADO_SEM_SALDO", generation: 0 });
    expect((await h.views(["bd-1"]))[0]?.failedReason).toMatch(
      /not held for the balance: an earlier send of this key may have executed/,
    );
    expect(await h.holds.list()).toEqual([]);
    expect(p.emulator.ledger.snapshot().executions.replays).toBeGreaterThanOrEqual(1);
  });

  it("reports a debit of a send the bank ended for balance (a bank that took the money anyway) as a finding", async () => {
    const p = await startPipeline({
      emulator: { balanceCents: 5_00 },
      env: { ...BALANCE_ENV, PIXOUT_BALANCE_CHECK_SECONDS: "600" },
    });
    const h = harness(p);
    await p.producer.enqueue(payment("bx-1"));
    await until("bx-1 held", async () => ((await h.holds.read("default"))?.heldPayments === 1 ? true : undefined));
    const ended = (await h.views(["bx-1"]))[0]?.endedForBalance[0]?.codigoSolicitacao ?? "";
    expect(ended).not.toBe("");
    p.emulator.topUp(100_00);
    p.emulator.addOutOfBandDebit({ amountCents: 10_00, codigoSolicitacao: ended });
    const bank = bankFor(p.emulator);
    const report = await runReconciliation({
      queue: h.queue,
      redis: p.redis,
      redisPrefix: p.config.redisPrefix,
      client: bank.client,
      protection: NO_PROTECTION,
      defaultAccount: "",
      now: Date.now(),
      apply: false,
    });
    expect(report.rows.filter((r) => r.paymentId === "bx-1").map((r) => r.kind)).toEqual(["failed-with-debit"]);
    expect(report.findings).toBe(1);
  });

  it("ends a payment held longer than PIXOUT_MAX_HOLD_MINUTES failed, saying why", async () => {
    const p = await startPipeline({
      emulator: { balanceCents: 10_00 },
      env: { ...BALANCE_ENV, PIXOUT_BALANCE_CHECK_SECONDS: "600", PIXOUT_MAX_HOLD_MINUTES: "0.02" },
    });
    const h = harness(p);
    await p.producer.enqueue(payment("bm-1"));
    expect((await p.producer.waitForResult("bm-1", { timeoutMs: 10_000 })).outcome).toBe("paid");
    await p.producer.enqueue(payment("bm-2"));
    const view = await p.producer.waitForResult("bm-2", { timeoutMs: 10_000 });
    expect(view.outcome).toBe("failed");
    expect((await h.views(["bm-2"]))[0]?.failedReason).toMatch(
      /insufficient balance for \d+ min \(PIXOUT_MAX_HOLD_MINUTES\)/,
    );
    expect((await h.holds.read("default"))?.heldPayments).toBe(0);
  });

  it("shows the hold (pixout status, pixout balance) and resumes at once on pixout resume", async () => {
    const p = await startPipeline({
      emulator: { balanceCents: 10_00 },
      env: { ...BALANCE_ENV, PIXOUT_BALANCE_CHECK_SECONDS: "600" },
    });
    const h = harness(p);
    const list = ids("br", 3);
    await p.producer.enqueueMany(list.map((id) => payment(id)));
    await until("2 held", async () => ((await h.holds.read("default"))?.heldPayments === 2 ? true : undefined));
    // A held one (its view says so): "not paid yet" could also be the one paid, still being concluded.
    const heldId = await until(
      "a held payment's view",
      async () => (await h.views(list)).find((v) => v.held !== null)?.paymentId,
    );
    const status = await runCli(["status", heldId], { env: p.env });
    expect(status.stdout).toMatch(/held\s+insufficient balance since \d{4}-\d\d-\d\dT[\d:.]+Z \(account default;/);
    const balance = await runCli(["balance", "--json"], { env: p.env });
    expect(balance.code).toBe(0);
    const report = JSON.parse(balance.stdout) as {
      accounts: {
        account: string;
        balance: { available: string };
        hold: { heldPayments: number; heldAmount: string };
      }[];
    };
    expect(report.accounts).toEqual([
      expect.objectContaining({
        account: "default",
        balance: expect.objectContaining({ available: "0.00" }) as unknown,
        hold: expect.objectContaining({ heldPayments: 2, heldAmount: "20.00" }) as unknown,
      }),
    ]);

    p.emulator.topUp(20_00);
    const resumed = await runCli(["resume", "--account", "default", "--reason", "topped up", "--actor", "ana"], {
      env: p.env,
    });
    expect(resumed.stdout).toContain("account default resumed: 2 held payment(s) woken");
    const all = await Promise.all(list.map((id) => p.producer.waitForResult(id, { timeoutMs: 10_000 })));
    expect(all.map((v) => v.outcome)).toEqual(["paid", "paid", "paid"]);
    const again = await runCli(["resume", "--account", "default", "--reason", "again"], { env: p.env });
    expect(again.code).toBe(1);
    expect(again.stdout).toContain("is not held");
    expect((await runCli(["resume", "--account", "12-34", "--reason", "x"], { env: p.env })).code).toBe(2);
  });

  it("wakes the payments of a resume whose process died before waking them (any worker's next tick)", async () => {
    const p = await startPipeline({
      emulator: { balanceCents: 10_00 },
      env: { ...BALANCE_ENV, PIXOUT_BALANCE_CHECK_SECONDS: "600" },
    });
    const h = harness(p);
    const list = ids("bw", 3);
    await p.producer.enqueueMany(list.map((id) => payment(id)));
    await until("2 held", async () => ((await h.holds.read("default"))?.heldPayments === 2 ? true : undefined));
    p.emulator.topUp(20_00);
    // A resumer killed right after lifting the hold: nothing woke the payments (they would sleep 10 minutes).
    expect((await h.holds.resume("default"))?.paymentIds).toHaveLength(2);
    const all = await Promise.all(list.map((id) => p.producer.waitForResult(id, { timeoutMs: 10_000 })));
    expect(all.map((v) => v.outcome)).toEqual(["paid", "paid", "paid"]);
    expect(await h.holds.stragglers()).toEqual([]);
  });

  it("holds only the account short of money: another paying account goes on", async () => {
    const p = await startPipeline({
      emulator: {
        integration: { ...DEV_INTEGRATION, accounts: ["111111", "222222"] },
        balances: { "111111": 0, "222222": 100_00 },
      },
      env: BALANCE_ENV,
    });
    const h = harness(p);
    await p.producer.enqueueMany([
      payment("ba-1", "10.00", { account: "111111" }),
      payment("ba-2", "10.00", { account: "111111" }),
    ]);
    await until("account 111111 held", async () =>
      (await h.holds.read("111111"))?.heldPayments === 2 ? true : undefined,
    );
    await p.producer.enqueueMany([
      payment("bb-1", "10.00", { account: "222222" }),
      payment("bb-2", "10.00", { account: "222222" }),
    ]);
    const others = await Promise.all(["bb-1", "bb-2"].map((id) => p.producer.waitForResult(id, { timeoutMs: 10_000 })));
    expect(others.map((v) => v.outcome)).toEqual(["paid", "paid"]);
    expect((await h.holds.list()).map((x) => x.account)).toEqual(["111111"]);
    p.emulator.topUp(20_00, "111111");
    const resumed = await Promise.all(
      ["ba-1", "ba-2"].map((id) => p.producer.waitForResult(id, { timeoutMs: 10_000 })),
    );
    expect(resumed.map((v) => v.outcome)).toEqual(["paid", "paid"]);
    expect([p.emulator.balance("111111").balanceCents, p.emulator.balance("222222").balanceCents]).toEqual([0, 80_00]);
  });
});
