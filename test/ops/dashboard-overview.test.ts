// The overview and the payment list against a real pipeline (emulator, worker, shared Redis): the day's
// figures, the attention lists and the charts match what the seeded run did; the list's filters and its
// CSV select exactly; an operator's retry and a resolve move payments off the attention lists; a viewer
// is refused the actions.
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bullPrefix } from "../../src/queue/names.js";
import { createOverviewReader, type Overview } from "../../src/ops/dashboard/overview-data.js";
import { createPaymentList } from "../../src/ops/dashboard/payment-list.js";
import { resolvePayment } from "../../src/queue/producer/resolve.js";
import { OPERATOR, VIEWER, startTestDashboard, type TestDashboard } from "../helpers/dashboard.js";
import { seededPipeline, SEEDED } from "../helpers/overview-seed.js";
import type { TestPipeline } from "../helpers/pipeline.js";
import { until } from "../helpers/until.js";

describe("dashboard overview", () => {
  let p: TestPipeline;
  let dash: TestDashboard;
  beforeAll(async () => {
    p = await seededPipeline();
    dash = await startTestDashboard(p.env);
  }, 600_000); // the seed may first wait out midnight in São Paulo (test/helpers/sao-paulo-day.ts)
  const queues: Queue[] = [];
  const queue = (): Queue => {
    const q = new Queue(p.config.queueName, { connection: p.redis, prefix: bullPrefix(p.config.redisPrefix) });
    queues.push(q);
    return q;
  };
  afterAll(async () => {
    await Promise.all(queues.map((q) => q.close()));
  });

  const overview = async (user = VIEWER): Promise<Overview> => {
    const res = await dash.get("/api/overview", user);
    expect(res.status).toBe(200);
    return (await res.json()) as Overview;
  };

  it("counts today's money per outcome and account, and lists what needs a human", async () => {
    const o = await overview();
    expect(o.totals.paid).toEqual({ count: 2, cents: SEEDED.paidCents, text: "R$ 1.244,56" });
    expect(o.totals.failed).toEqual({ count: 1, cents: 20_00, text: "R$ 20,00" });
    expect(o.totals.parked).toEqual({ count: 1, cents: 30_00, text: "R$ 30,00" });
    // Taken up and not final: the payment awaiting approval, and the held one (sent once; the bank cancelled
    // it for lack of balance and it waits to be sent again).
    expect(o.totals.inProgress).toMatchObject({ count: 2, cents: 540_00 });
    expect(o.totals.approvals).toMatchObject({ count: 1, cents: 40_00 });
    expect(o.totals.held).toMatchObject({ count: 1, cents: 500_00, text: "R$ 500,00" });
    expect(o.accounts.map((a) => [a.account, a.paid.count, a.failed.count, a.parked.count])).toEqual([
      [p.config.inter.account ?? "default", 2, 1, 1],
    ]);
    expect(o.attention.parked.items.map((i) => i.paymentId)).toEqual([SEEDED.parked]);
    expect(o.attention.failed.items.map((i) => [i.paymentId, i.amount])).toEqual([[SEEDED.failed, "R$ 20,00"]]);
    expect(o.attention.approvals.items.map((i) => i.paymentId)).toEqual([SEEDED.approval]);
    expect(o.attention.held).toHaveLength(1);
    expect(o.attention.held[0]).toMatchObject({ payments: 1, amount: "R$ 500,00" });
    expect(o.fleet.workersAlive).toBe(1);
    expect(o.fleet.certificateDaysLeft).toBeGreaterThan(0);
    expect(o.fleet.sends.limitPerMinute).toBe(6000);
    expect(o.fleet.queue.completed).toBe(3);
  });

  it("charts the minute's outcomes, bank latency and enqueue-to-paid time", async () => {
    const reader = createOverviewReader({
      redis: p.redis,
      redisPrefix: p.config.redisPrefix,
      queueName: p.config.queueName,
      queue: queue(),
    });
    // Let the worker add its bank call figures (every few seconds), then read them.
    await until("the bank latency figures", async () => {
      const c = (await reader.read(Date.now())).charts;
      return c.bankLatencyP95Ms.some((v) => v !== null) ? c : undefined;
    });
    const c = (await reader.read(Date.now())).charts;
    const sum = (list: number[]): number => list.reduce((a, b) => a + b, 0);
    expect(sum(c.outcomes.paid)).toBe(2);
    expect(sum(c.outcomes.failed)).toBe(1);
    expect(sum(c.outcomes["needs-reconciliation"])).toBe(1);
    expect(c.minutes).toHaveLength(180);
    const shown = c.enqueueToPaidP95Ms.filter((v): v is number => v !== null);
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.every((v) => v > 0 && v <= 30_000)).toBe(true);
  });

  it("lists payments by outcome, amount and account, and exports the same selection as CSV", async () => {
    const list = async (query: string): Promise<string[]> => {
      const res = await dash.get(`/api/payments/list${query}`, VIEWER);
      expect(res.status).toBe(200);
      return ((await res.json()) as { payments: { paymentId: string }[] }).payments.map((x) => x.paymentId);
    };
    // Newest outcome first (the two paid ones end in either order).
    expect((await list("?outcome=paid")).sort()).toEqual(["ov-paid-1", "ov-paid-2"]);
    expect(await list("?min=20&max=1.234,56")).toEqual(
      expect.arrayContaining([SEEDED.failed, SEEDED.parked, "ov-paid-1"]),
    );
    expect((await list("?min=20&max=1.234,56")).length).toBe(3);
    expect(await list("?outcome=in-progress")).toEqual([SEEDED.held, SEEDED.approval]); // the held one was sent last
    expect(await list("?account=99999")).toEqual([]);
    // Page by page (one a page here): each cursor goes on where the last page stopped, nothing twice.
    const paging = createPaymentList({
      redis: p.redis,
      redisPrefix: p.config.redisPrefix,
      queueName: p.config.queueName,
    });
    const seen: string[] = [];
    let cursor: { before: number; skip: number } | undefined;
    for (let i = 0; i < 3; i++) {
      const page = await paging.page({ outcome: "paid", ...(cursor ? { cursor } : {}) }, Date.now(), 1);
      seen.push(...page.payments.map((x) => x.paymentId));
      cursor = page.next;
      if (!cursor) break;
    }
    expect(seen.sort()).toEqual(["ov-paid-1", "ov-paid-2"]);
    const bad = await dash.get("/api/payments/list?min=abc&from=2026-13-01", VIEWER);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { problems: string[] }).problems).toEqual([
      "from must be a date as YYYY-MM-DD (São Paulo)",
      "min must be an amount in reais, like 1234,56 or 1234.56",
    ]);
    const csv = await dash.get("/payments/list.csv?outcome=paid", VIEWER);
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const lines = (await csv.text()).trim().split("\r\n");
    expect(lines[0]).toBe("paymentId,outcome,account,amount,at,codigoSolicitacao");
    expect(
      lines
        .slice(1)
        .map((l) => l.split(",").slice(0, 4))
        .sort(),
    ).toEqual([
      ["ov-paid-1", "paid", p.config.inter.account ?? "default", "1234.56"],
      ["ov-paid-2", "paid", p.config.inter.account ?? "default", "10.00"],
    ]);
    const html = await (await dash.get("/payments/list?outcome=failed", VIEWER)).text();
    expect(html).toContain(`data-payment-id="${SEEDED.failed}"`);
    expect(html).not.toContain("fornecedor.overview");
  });

  it("a viewer sees no action; an operator's retry and a resolve move payments off the lists", async () => {
    const page = await (await dash.get("/overview", VIEWER)).text();
    expect(page).toContain('data-testid="viewer-note"');
    expect(page).not.toContain("data-action=");
    const operatorPage = await (await dash.get("/overview", OPERATOR)).text();
    expect(operatorPage).toContain(`data-testid="retry-${SEEDED.failed}"`);
    expect(operatorPage).toContain('data-testid="resume-default"');
    expect(operatorPage).not.toContain("fornecedor.overview");

    const refused = await dash.post(`/api/payments/${SEEDED.failed}/retry`, VIEWER, { reason: "viewer" });
    expect(refused.status).toBe(403);
    // The account is topped up and resumed: its held payment is paid.
    p.emulator.topUp(1_000_00);
    const resumed = await dash.post("/api/accounts/default/resume", OPERATOR, { reason: "topped up" });
    expect(resumed.status).toBe(200);
    expect((await p.producer.waitForResult(SEEDED.held, { timeoutMs: 15_000 })).outcome).toBe("paid");
    const retried = await dash.post(`/api/payments/${SEEDED.failed}/retry`, OPERATOR, {
      reason: "the bank's failure was transient",
      newAttempt: true,
    });
    expect(retried.status).toBe(200);
    expect((await p.producer.waitForResult(SEEDED.failed, { timeoutMs: 15_000 })).outcome).toBe("paid");
    const resolved = await resolvePayment(queue(), p.redis, p.config.redisPrefix, SEEDED.parked, {
      outcome: "failed",
      actor: "overview test",
      reason: "not in the statement: never executed",
    });
    expect(resolved).toMatchObject({ status: "resolved" });
    const o = await overview();
    // The retried payment left the failed list; the parked one, resolved as failed, moved onto it.
    expect(o.attention.failed.items.map((i) => i.paymentId)).toEqual([SEEDED.parked]);
    expect(o.attention.parked.total).toBe(0);
    expect(o.attention.held).toEqual([]);
    expect(o.totals.paid.count).toBe(4);
    expect(o.totals.inProgress.count).toBe(1); // the one awaiting approval
  });
});
