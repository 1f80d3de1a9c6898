// Reconciliation against the real worker, Redis and the emulator's statement: every debit and payment in one
// row, findings for what the bank did that pixout did not (and the reverse), parked payments resolved only on
// proof, audited, recorded and announced, and `pixout reconcile` / `pixout resolve` refusing what the
// statement contradicts.
import { Queue } from "bullmq";
import { describe, expect, it } from "vitest";
import type { PaymentEvent } from "../../src/notifications/event.js";
import { createNotifier } from "../../src/notifications/notifier.js";
import { saoPauloToday } from "../../src/payments/calendar.js";
import { NO_PROTECTION } from "../../src/queue/job-data.js";
import { bullPrefix, reconcileQueueName } from "../../src/queue/names.js";
import { createPaymentRecords } from "../../src/queue/payment-record.js";
import { recentReports, runReconciliation, type ReconcileReport } from "../../src/queue/worker/reconcile-run.js";
import { auditStreamKey } from "../../src/queue/producer/retry.js";
import { createFleetMetrics } from "../../src/ops/fleet-metrics.js";
import { bankFor } from "../helpers/bank.js";
import { cleanupAfter } from "../helpers/cleanup.js";
import { runCli } from "../helpers/cli.js";
import { sample } from "../helpers/prometheus.js";
import { startTestDashboard, VIEWER } from "../helpers/dashboard.js";
import { startPipeline, type TestPipeline } from "../helpers/pipeline.js";
import { tempDir } from "../helpers/temp-dir.js";
import { startReceiver } from "../notifications/support.js";

const SECRET = "whsec-test-0123456789abcdef";
const DAY = 86_400_000;
const payment = (
  paymentId: string,
  amount = "10.50",
  key = "fornecedor@example.com",
  extra: Record<string, unknown> = {},
) => ({
  paymentId,
  amount,
  recipient: { type: "key" as const, key },
  description: paymentId,
  ...extra,
});

function harness(p: TestPipeline) {
  const queue = new Queue(p.config.queueName, { connection: p.redis, prefix: bullPrefix(p.config.redisPrefix) });
  cleanupAfter(() => queue.close());
  const bank = bankFor(p.emulator);
  const notifier = createNotifier({
    connection: p.redis,
    redisPrefix: p.config.redisPrefix,
    queueName: p.config.queueName,
    settings: p.config.notify,
    logger: bank.logger,
  });
  cleanupAfter(() => notifier.close());
  return {
    queue,
    run: (
      options: { apply?: boolean; now?: number; window?: { from?: string; to?: string }; account?: string } = {},
    ): Promise<ReconcileReport> =>
      runReconciliation({
        queue,
        redis: p.redis,
        redisPrefix: p.config.redisPrefix,
        client: bank.client,
        protection: NO_PROTECTION,
        defaultAccount: "",
        now: options.now ?? Date.now(),
        apply: options.apply === true,
        notifier,
        ...(options.window === undefined ? {} : { window: options.window }),
        ...(options.account === undefined ? {} : { account: options.account }),
      }),
  };
}

const kindOf = (report: ReconcileReport, paymentId: string): string | undefined =>
  report.rows.find((r) => r.paymentId === paymentId)?.kind;

/** The statement's first debit, once the bank executed the payment (its execution may come after the lost answer). */
async function executedDebit(p: TestPipeline): Promise<ReturnType<TestPipeline["emulator"]["statement"]>[number]> {
  for (let i = 0; i < 100; i++) {
    const [first] = p.emulator.statement();
    if (first !== undefined) return first;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the emulator executed nothing within 5 s");
}

describe("reconciliation with the bank's statement", () => {
  it("matches every paid payment to its debit, and finds a debit made outside pixout and a debit made twice", async () => {
    const p = await startPipeline({ emulator: { balanceCents: 1_000_00 } });
    const { run } = harness(p);
    for (const id of ["rc-a", "rc-b", "rc-c"]) await p.producer.enqueue(payment(id));
    const views = await Promise.all(
      ["rc-a", "rc-b", "rc-c"].map((id) => p.producer.waitForResult(id, { timeoutMs: 15_000 })),
    );
    expect(views.map((v) => v.outcome)).toEqual(["paid", "paid", "paid"]);
    const clean = await run();
    expect(clean).toMatchObject({ complete: true, findings: 0, byKind: { matched: 3 } });

    const outside = p.emulator.addOutOfBandDebit({ amountCents: 77_00 });
    p.emulator.duplicateDebit(views[1]?.codigoSolicitacao ?? "");
    const found = await run();
    expect(found.findings).toBe(2);
    expect(kindOf(found, "rc-b")).toBe("duplicate-debit");
    expect(found.rows.filter((r) => r.kind === "debit-without-payment")).toEqual([
      expect.objectContaining({ debitIds: [outside.idTransacao], amountCents: 77_00 }),
    ]);
    // Reports are kept, newest first (without the rows plainly in order).
    const kept = await recentReports(p.redis, p.config.redisPrefix, p.config.queueName, 2);
    expect(kept.map((r) => [r.findings, r.rows.length])).toEqual([
      [2, 2],
      [0, 0],
    ]);
    // The dashboard's /metrics: the latest run's findings by kind, and how long since the last clean run.
    const text = await createFleetMetrics({
      redis: p.redis,
      redisPrefix: p.config.redisPrefix,
      queueName: p.config.queueName,
      queues: [],
    }).metrics();
    const q = { queue: p.config.queueName };
    expect(sample(text, "pixout_reconciliation_findings", { ...q, kind: "debit-without-payment" })).toBe(1);
    expect(sample(text, "pixout_reconciliation_findings", { ...q, kind: "duplicate-debit" })).toBe(1);
    expect(sample(text, "pixout_reconciliation_findings", { ...q, kind: "paid-without-debit" })).toBe(0);
    const age = sample(text, "pixout_reconciliation_last_clean_run_age_seconds", q) ?? -1;
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(60);
    // A run of one account (its payments' debits found through the index of pixout's bank identifiers, the
    // out-of-band one a finding) is kept, but the metrics stay the latest full run's.
    expect((await run({ account: "12345678" })).byKind).toEqual({ matched: 4, "debit-without-payment": 1 });
    const after = await createFleetMetrics({
      redis: p.redis,
      redisPrefix: p.config.redisPrefix,
      queueName: p.config.queueName,
      queues: [],
    }).metrics();
    expect(sample(after, "pixout_reconciliation_findings", { ...q, kind: "duplicate-debit" })).toBe(1);

    // The dashboard's page: the runs, and the latest one's findings linked to their payments (viewers see it).
    const dash = await startTestDashboard(p.env, { users: [VIEWER] });
    const page = await dash.get("/reconciliation", VIEWER);
    expect(page.status).toBe(200);
    const htmlText = await page.text();
    expect(htmlText).toContain('data-testid="row-duplicate-debit"');
    expect(htmlText).toContain(`<a href="/payments?q=rc-b">rc-b</a>`);
    expect(htmlText).toContain(outside.idTransacao);
    expect(htmlText).toMatch(/data-testid="run-state-0">findings</);
    expect(htmlText).toMatch(/data-testid="run-state-2">clean</);
    expect(htmlText).toContain("(account 12345678)");
  });

  it("resolves a parked payment whose send's answer was lost by the one debit that fits it: paid, recorded, audited, announced, never sent again", async () => {
    const receiver = await startReceiver(SECRET, () => 200);
    cleanupAfter(() => receiver.close());
    const p = await startPipeline({
      emulator: { balanceCents: 1_000_00 },
      env: {
        PIXOUT_TRUST_BANK_IDEMPOTENCY: "false",
        PIXOUT_NOTIFY_URL: receiver.url,
        PIXOUT_NOTIFY_SECRETS: `${receiver.origin}=${SECRET}`,
        PIXOUT_NOTIFY_BACKOFF_MS: "50",
      },
    });
    const { run, queue } = harness(p);
    p.emulator.faults.add({
      method: "POST",
      path: "/banking/v2/pix",
      bodyIncludes: "rc-lost",
      times: 1,
      fault: { type: "reset-after" },
    });
    await p.producer.enqueue(payment("rc-lost", "12.34"));
    const parked = await p.producer.waitForResult("rc-lost", { timeoutMs: 15_000 });
    expect(parked).toMatchObject({ outcome: "needs-reconciliation", codigoSolicitacao: null });
    const debit = await executedDebit(p);

    const report = await run();
    expect(report.rows.find((r) => r.paymentId === "rc-lost")).toMatchObject({
      kind: "parked-resolved",
      debitIds: [debit.idTransacao],
    });
    expect((await p.producer.get("rc-lost"))?.outcome).toBe("needs-reconciliation"); // a report changes nothing

    const applied = await harness(p).run({ apply: true });
    expect(applied.applied).toEqual([
      expect.objectContaining({ paymentId: "rc-lost", status: "resolved", outcome: "paid" }),
    ]);
    const view = await p.producer.get("rc-lost");
    expect(view).toMatchObject({
      outcome: "paid",
      endToEndId: debit.endToEndId,
      resolution: { outcome: "paid", by: "reconciliation", debitId: debit.idTransacao },
    });
    expect(
      (await createPaymentRecords(p.redis, p.config.redisPrefix, p.config.queueName).read(["rc-lost"]))[0],
    ).toMatchObject({ outcome: "paid", codigoSolicitacao: debit.codigoSolicitacao });
    const audit = (await p.redis.xrange(auditStreamKey(p.config.redisPrefix), "-", "+")).filter(
      ([, f]) => f[1] === "rc-lost",
    );
    expect(audit.map(([, f]) => JSON.parse(f[3] ?? "{}") as Record<string, unknown>)).toEqual([
      expect.objectContaining({ action: "resolve", outcome: "paid", previousOutcome: "needs-reconciliation" }),
    ]);
    for (
      let i = 0;
      i < 100 && !receiver.requests.some((r) => r.answer === 200 && r.body.includes('"payment.paid"'));
      i++
    )
      await new Promise((r) => setTimeout(r, 50));
    const events = receiver.requests.filter((r) => r.answer === 200).map((r) => JSON.parse(r.body) as PaymentEvent);
    expect(
      events
        .filter((e) => e.paymentId === "rc-lost")
        .map((e) => e.type)
        .sort(),
    ).toEqual(["payment.needs-reconciliation", "payment.paid"]);

    // Resolved means final: no retry, no second resolution, and a foreign re-enqueue of the id sends nothing.
    expect(await p.producer.retry("rc-lost", { actor: "ana", reason: "again" })).toMatchObject({
      status: "refused",
      why: "a paid payment can never be retried",
    });
    expect((await harness(p).run({ apply: true })).applied).toEqual([]);
    const sends = p.emulator.ledger.snapshot().requests["POST /banking/v2/pix"]?.total ?? 0;
    await (await queue.getJob("payment-rc-lost"))?.remove();
    await queue.add("payout", payment("rc-lost", "12.34"), { jobId: "payment-rc-lost" });
    expect((await p.producer.waitForResult("rc-lost", { timeoutMs: 15_000 })).outcome).toBe("paid");
    expect(p.emulator.ledger.snapshot().requests["POST /banking/v2/pix"]?.total ?? 0).toBe(sends);
    expect(p.emulator.statement()).toHaveLength(1);

    // A finding goes upstream as a signed `reconciliation.finding`, once however many runs meet it.
    const outside = p.emulator.addOutOfBandDebit({ amountCents: 9_99 });
    const findingRuns = [await harness(p).run(), await harness(p).run()];
    expect(findingRuns.map((r) => r.findings)).toEqual([1, 1]);
    const findings = (): { id: string; kind: string; debitIds: string[]; amount: string }[] =>
      receiver.requests
        .filter((r) => r.answer === 200 && r.verified.ok)
        .map(
          (r) => JSON.parse(r.body) as { id: string; type: string; kind: string; debitIds: string[]; amount: string },
        )
        .filter((e) => e.type === "reconciliation.finding");
    for (let i = 0; i < 100 && findings().length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    expect(findings()).toEqual([
      expect.objectContaining({ kind: "debit-without-payment", debitIds: [outside.idTransacao], amount: "9.99" }),
    ]);
  });

  it("resolves a parked payment the bank never executed as failed only once no debit can come, then pays it once under a new key", async () => {
    const p = await startPipeline({
      emulator: { balanceCents: 1_000_00 },
      env: { PIXOUT_TRUST_BANK_IDEMPOTENCY: "false" },
    });
    const { run } = harness(p);
    p.emulator.faults.add({
      method: "POST",
      path: "/banking/v2/pix",
      bodyIncludes: "rc-never",
      times: 1,
      fault: { type: "reset-before" },
    });
    await p.producer.enqueue(payment("rc-never"));
    expect((await p.producer.waitForResult("rc-never", { timeoutMs: 15_000 })).outcome).toBe("needs-reconciliation");
    // Today a debit may still come (until the next business day): it waits.
    const early = await run({ apply: true });
    expect(kindOf(early, "rc-never")).toBe("parked-waiting");
    expect(early.applied).toEqual([]);
    // Two weeks on (the clock is an input), with the statement of those days read: not executed.
    const later = await run({ apply: true, now: Date.now() + 14 * DAY, window: { from: saoPauloToday(Date.now()) } });
    expect(kindOf(later, "rc-never")).toBe("parked-not-executed");
    expect(later.applied).toEqual([
      expect.objectContaining({ paymentId: "rc-never", status: "resolved", outcome: "failed" }),
    ]);
    const failed = await p.producer.get("rc-never");
    expect(failed).toMatchObject({ outcome: "failed", resolution: { outcome: "failed" } });
    const sameKey = await p.producer.retry("rc-never", { actor: "ana", reason: "same key?" });
    expect(sameKey.status).toBe("refused");
    expect(sameKey.status === "refused" ? sameKey.why : "").toMatch(/resolved as not executed/);
    expect(
      await p.producer.retry("rc-never", { actor: "ana", reason: "statement: not executed", newAttempt: true }),
    ).toMatchObject({ status: "retried", newKey: true, generation: 1 });
    const paid = await p.producer.waitForResult("rc-never", { timeoutMs: 15_000 });
    expect(paid).toMatchObject({ outcome: "paid", generation: 1 });
    expect(p.emulator.statement().filter((e) => e.amountCents === 10_50)).toHaveLength(1);
  });

  it("`pixout reconcile` exits 1 on a finding and writes its CSV; `pixout resolve` refuses what the statement contradicts", async () => {
    const p = await startPipeline({
      emulator: { balanceCents: 1_000_00 },
      env: { PIXOUT_TRUST_BANK_IDEMPOTENCY: "false" },
    });
    const env = { ...p.env, LOG_LEVEL: "warn" };
    p.emulator.faults.add({
      method: "POST",
      path: "/banking/v2/pix",
      bodyIncludes: "rc-cli",
      times: 1,
      fault: { type: "reset-after" },
    });
    await p.producer.enqueue(payment("rc-cli", "5.55"));
    expect((await p.producer.waitForResult("rc-cli", { timeoutMs: 15_000 })).outcome).toBe("needs-reconciliation");
    const debit = await executedDebit(p);

    const notExecuted = await runCli(["resolve", "rc-cli", "--not-executed", "--reason", "not in the statement"], {
      env,
    });
    expect(notExecuted.stdout).toMatch(
      /not resolved: the statement does not prove it was not executed \(parked-resolved/,
    );
    const wrongE2e = "E00416968202611241300abcdefghijk";
    const wrong = await runCli(["resolve", "rc-cli", "--paid", "--end-to-end", wrongE2e, "--reason", "seen"], { env });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain(`no debit of the statement of`);
    expect(wrong.stdout).toContain(`carries the end-to-end id ${wrongE2e}`);
    expect((await runCli(["resolve", "rc-cli", "--paid", "--reason", "x"], { env })).code).toBe(2);
    expect(
      (
        await runCli(["resolve", "rc-cli", "--paid", "--end-to-end", "E123", "--reason", "x", "--without-statement"], {
          env,
        })
      ).stdout,
    ).toMatch(/not a Pix end-to-end id/);

    p.emulator.addOutOfBandDebit({ amountCents: 1_00 });
    {
      const csv = `${tempDir("pixout-recon-")}/recon.csv`;
      const report = await runCli(["reconcile", "--csv", csv], { env });
      expect(report.code).toBe(1);
      expect(report.stdout).toMatch(/parked {2}parked-resolved +rc-cli R\$ 5\.55/);
      expect(report.stdout).toMatch(/FINDING debit-without-payment +- R\$ 1\.00/);
      const { readFile } = await import("node:fs/promises");
      expect((await readFile(csv, "utf8")).split("\n")[0]).toBe(
        "kind,finding,paymentId,amount,debitIds,candidateIds,resolution,detail",
      );
    }
    const right = await runCli(
      [
        "resolve",
        "rc-cli",
        "--paid",
        "--end-to-end",
        debit.endToEndId,
        "--reason",
        "seen in the statement",
        "--actor",
        "bruno",
        "--json",
      ],
      { env },
    );
    expect(right.code, right.stdout + right.stderr).toBe(0);
    expect(JSON.parse(right.stdout)).toMatchObject({ status: "resolved", outcome: "paid" });
    expect((await p.producer.get("rc-cli"))?.resolution).toMatchObject({ by: "bruno", endToEndId: debit.endToEndId });
    expect((await runCli(["reconcile", "--until", "2999-01-01"], { env })).code).toBe(2);
  });
});

describe("what the bank did that pixout did not ask for", () => {
  it("finds a debit of a payment the bank ended, and two lost answers it cannot tell apart", async () => {
    const p = await startPipeline({
      emulator: { balanceCents: 10_00 },
      env: { PIXOUT_TRUST_BANK_IDEMPOTENCY: "false", PIXOUT_ON_INSUFFICIENT_BALANCE: "fail" },
    });
    const { run } = harness(p);
    // Ended by the bank for balance (nothing debited), then debited all the same: failed-with-debit.
    await p.producer.enqueue(payment("rc-broke", "50.00"));
    const broke = await p.producer.waitForResult("rc-broke", { timeoutMs: 15_000 });
    expect(broke).toMatchObject({ outcome: "failed", bankStatus: "CANCELADO_SEM_SALDO" });
    p.emulator.setBalance(1_000_00);
    p.emulator.addOutOfBandDebit({
      amountCents: 50_00,
      key: "fornecedor@example.com",
      codigoSolicitacao: broke.codigoSolicitacao ?? "",
    });
    // Two payments of the same amount to the same key whose answers were both lost: one debit each, and
    // either debit fits either payment — parked-ambiguous, never guessed.
    for (const id of ["rc-twin-1", "rc-twin-2"])
      p.emulator.faults.add({
        method: "POST",
        path: "/banking/v2/pix",
        bodyIncludes: id,
        times: 1,
        fault: { type: "reset-after" },
      });
    await p.producer.enqueue(payment("rc-twin-1", "7.00", "gemeos@example.com"));
    await p.producer.enqueue(payment("rc-twin-2", "7.00", "gemeos@example.com"));
    for (const id of ["rc-twin-1", "rc-twin-2"])
      expect((await p.producer.waitForResult(id, { timeoutMs: 15_000 })).outcome).toBe("needs-reconciliation");

    const report = await run({ apply: true });
    expect(kindOf(report, "rc-broke")).toBe("failed-with-debit");
    const twins = report.rows.filter((r) => r.paymentId?.startsWith("rc-twin"));
    expect(twins.map((r) => [r.kind, r.candidateIds?.length])).toEqual([
      ["parked-ambiguous", 2],
      ["parked-ambiguous", 2],
    ]);
    expect(report.applied).toEqual([]);
    expect(report.findings).toBe(3);
  });

  it("finds a payment pixout saw paid whose debit the statement never shows, once the next business day has passed", async () => {
    const p = await startPipeline({ emulator: { balanceCents: 1_000_00 } });
    const { run } = harness(p);
    await p.producer.enqueue(payment("rc-ghost", "4.44"));
    const paid = await p.producer.waitForResult("rc-ghost", { timeoutMs: 15_000 });
    expect(paid.outcome).toBe("paid");
    await executedDebit(p);
    expect(p.emulator.hideDebit(paid.codigoSolicitacao ?? "")).toBe(1);
    expect(kindOf(await run(), "rc-ghost")).toBe("awaiting-debit"); // today: it may still come
    const later = await run({ now: Date.now() + 5 * DAY, window: { from: saoPauloToday(Date.now()) } });
    expect(kindOf(later, "rc-ghost")).toBe("paid-without-debit");
    expect(later.findings).toBe(1);
  });

  it("finds a payment debited with another amount than it was sent for", async () => {
    const p = await startPipeline({
      emulator: { balanceCents: 1_000_00 },
      env: { PIXOUT_TRUST_BANK_IDEMPOTENCY: "false" },
    });
    const { run } = harness(p);
    p.emulator.faults.add({
      method: "POST",
      path: "/banking/v2/pix",
      bodyIncludes: "rc-short",
      times: 1,
      fault: { type: "final-status", status: "FALHA" },
    });
    await p.producer.enqueue(payment("rc-short", "20.00"));
    const failed = await p.producer.waitForResult("rc-short", { timeoutMs: 15_000 });
    expect(failed).toMatchObject({ outcome: "failed", bankStatus: "FALHA" });
    p.emulator.addOutOfBandDebit({ amountCents: 2_00, codigoSolicitacao: failed.codigoSolicitacao ?? "" });
    expect(report(await run())).toEqual([["rc-short", "amount-mismatch", "debited 200 centavos, the payment is 2000"]]);
  });
});

function report(r: ReconcileReport): [string | undefined, string, string][] {
  return r.rows.filter((row) => row.kind !== "matched").map((row) => [row.paymentId, row.kind, row.detail]);
}

describe("a large statement", () => {
  it("is read to its end: pages of many MiB, and scroll paging past 10,000 entries", async () => {
    const p = await startPipeline({ emulator: { balanceCents: 100_000_00 } });
    for (let i = 0; i < 10_001; i++) p.emulator.addOutOfBandDebit({ amountCents: 1 });
    const report = await harness(p).run();
    expect(report.complete).toBe(true);
    expect(report.accounts).toEqual([expect.objectContaining({ debits: 10_001, unreadable: 0 })]);
    expect(report.byKind).toEqual({ "debit-without-payment": 10_001 });
    // One classic page (10,000 entries) told there were more, then a scroll of two pages.
    expect(p.emulator.ledger.snapshot().requests["GET /banking/v2/extrato/completo"]).toEqual({
      total: 3,
      byStatus: { "200": 3 },
    });
  });
});

describe("the fleet's own reconciliation (PIXOUT_RECONCILE)", () => {
  it("schedules one daily run at 01:15 São Paulo and a frequent one, fleet-wide, and a run resolves what the statement proves", async () => {
    const p = await startPipeline({
      emulator: { balanceCents: 1_000_00 },
      env: { PIXOUT_TRUST_BANK_IDEMPOTENCY: "false", PIXOUT_RECONCILE: "true", PIXOUT_RECONCILE_EVERY_MINUTES: "60" },
    });
    const runs = new Queue(reconcileQueueName(p.config.queueName), {
      connection: p.redis,
      prefix: bullPrefix(p.config.redisPrefix),
    });
    cleanupAfter(() => runs.close());
    let schedulers: Awaited<ReturnType<Queue["getJobSchedulers"]>> = [];
    for (let i = 0; i < 100 && schedulers.length < 2; i++) {
      schedulers = await runs.getJobSchedulers();
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(schedulers.map((s) => [s.key, s.pattern ?? null, s.tz ?? null, s.every ?? null]).sort()).toEqual([
      ["daily", "15 1 * * *", "America/Sao_Paulo", null],
      ["frequent", null, null, 3_600_000],
    ]);

    p.emulator.faults.add({
      method: "POST",
      path: "/banking/v2/pix",
      bodyIncludes: "rc-fleet",
      times: 1,
      fault: { type: "reset-after" },
    });
    await p.producer.enqueue(payment("rc-fleet", "3.21"));
    expect((await p.producer.waitForResult("rc-fleet", { timeoutMs: 15_000 })).outcome).toBe("needs-reconciliation");
    // A run now (as the scheduler would make one), taken by the fleet's worker.
    await runs.add("frequent", {});
    let view = await p.producer.get("rc-fleet");
    for (let i = 0; i < 200 && view?.outcome !== "paid"; i++) {
      await new Promise((r) => setTimeout(r, 50));
      view = await p.producer.get("rc-fleet");
    }
    expect(view).toMatchObject({ outcome: "paid", resolution: { by: "reconciliation (frequent)" } });
    expect((await recentReports(p.redis, p.config.redisPrefix, p.config.queueName, 1))[0]).toMatchObject({
      complete: true,
      applied: [expect.objectContaining({ paymentId: "rc-fleet", status: "resolved" })],
    });
    // `pixout reconcile --unschedule` stops the fleet's runs (a worker with PIXOUT_RECONCILE=false leaves them).
    const off = await runCli(["reconcile", "--unschedule"], { env: { ...p.env, LOG_LEVEL: "warn" } });
    expect(off.code, off.stderr).toBe(0);
    expect(off.stdout).toMatch(/removed 2 reconciliation scheduler\(s\)/);
    expect(await runs.getJobSchedulers()).toEqual([]);
  });
});
