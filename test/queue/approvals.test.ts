// Payments waiting for a human approval in Inter's internet banking, listed for people (`pixout approvals`,
// the list the dashboard and metrics read) while the bank says so, and gone from the list once approved.
import { describe, expect, it } from "vitest";
import { createApprovals } from "../../src/queue/approvals.js";
import { runCli } from "../helpers/cli.js";
import { startPipeline } from "../helpers/pipeline.js";
import { until } from "../helpers/until.js";

describe("payments awaiting approval", () => {
  it("are listed with amount, since and deadline until the approver decides", async () => {
    const p = await startPipeline({
      emulator: { approval: { required: true, autoDecision: "none" } },
      env: { PIXOUT_APPROVAL_POLL_MS: "100", PIXOUT_APPROVAL_DEADLINE_MINUTES: "90" },
    });
    const approvals = createApprovals(p.redis, p.config.redisPrefix, p.config.queueName);
    const started = Date.now();
    await p.producer.enqueueMany([
      { paymentId: "ap-1", amount: "1500.00", recipient: { type: "key", key: "a@example.com" } },
      { paymentId: "ap-2", amount: "20.25", recipient: { type: "key", key: "b@example.com" } },
    ]);
    const listed = await until("two payments awaiting approval", async () => {
      const l = await approvals.list();
      return l.length === 2 ? l : undefined;
    });
    expect(listed.map((a) => [a.paymentId, a.amountCents]).sort()).toEqual([
      ["ap-1", 1500_00],
      ["ap-2", 20_25],
    ]);
    for (const a of listed) {
      expect(a.since).toBeGreaterThanOrEqual(started);
      expect(a.deadline - a.since).toBe(90 * 60_000);
      expect(a.codigoSolicitacao).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(await approvals.totals()).toEqual({ count: 2, cents: 1520_25 });
    const cli = await runCli(["approvals", "--json"], { env: p.env });
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({
      count: 2,
      amount: "1520.25",
      payments: expect.arrayContaining([expect.objectContaining({ paymentId: "ap-2", amount: "20.25" })]) as unknown,
    });

    // Approved in the internet banking: paid, and off the list; the other still waits.
    const first = listed.find((a) => a.paymentId === "ap-1");
    p.emulator.approve(first?.codigoSolicitacao ?? "");
    expect((await p.producer.waitForResult("ap-1", { timeoutMs: 10_000 })).outcome).toBe("paid");
    await until("ap-1 off the list", async () =>
      (await approvals.list()).map((a) => a.paymentId).join() === "ap-2" ? true : undefined,
    );
    const text = await runCli(["approvals"], { env: p.env });
    expect(text.stdout).toContain("1 payment(s), 20.25 in all");
  });
});
