// The dashboard and the payments awaiting approval in Inter's internet banking, on the shared Redis (the
// entries seeded as the worker writes them): the "Awaiting approval" section with its total and the
// deadlines near highlighted, its JSON, the fleet's gauges, and a page that still renders when they cannot
// be read.
import { describe, expect, it } from "vitest";
import { approvalKeys } from "../../src/queue/approvals.js";
import { VIEWER } from "../helpers/dashboard.js";
import { pageOf, startBalanceDashboard, type BalanceDashboard } from "./balance-fixture.js";

const HOUR = 3_600_000;
const iso = (ms: number): string => new Date(ms).toISOString();

/** Three payments awaiting approval: one whose deadline is 30 minutes away, one 5 hours away, one past. */
async function seed(b: BalanceDashboard): Promise<{ now: number }> {
  const now = Date.now();
  await b.approvals.awaiting({
    paymentId: "ap-soon",
    amountCents: 150_000,
    since: now - 23 * HOUR,
    deadline: now + 30 * 60_000,
    codigoSolicitacao: "c-soon",
    account: "12345678",
  });
  await b.approvals.awaiting({
    paymentId: "ap-later",
    amountCents: 2_550,
    since: now - HOUR,
    deadline: now + 5 * HOUR,
  });
  await b.approvals.awaiting({ paymentId: "ap/odd id", amountCents: 1, since: now - 25 * HOUR, deadline: now - HOUR });
  return { now };
}

function rowOf(html: string, paymentId: string): string {
  return (
    new RegExp(`<tr data-testid="approval-${paymentId.replace(/[/]/g, "\\/")}">(.*?)</tr>`, "s").exec(html)?.[1] ?? ""
  );
}

describe("dashboard: payments awaiting approval", () => {
  it("lists them oldest first on /payments, each linked to its search, with the total and the deadlines within 2 hours highlighted", async () => {
    const b = await startBalanceDashboard();
    const empty = await pageOf(b.dash, "/payments", VIEWER);
    expect(empty.html).toContain('data-testid="approvals-empty"');
    expect(empty.html).not.toContain('data-testid="approvals-list"');
    const { now } = await seed(b);

    const { status, html } = await pageOf(b.dash, "/payments", VIEWER);
    expect(status).toBe(200);
    expect(html).toContain("<h2>Awaiting approval</h2>");
    expect(html).toMatch(/data-testid="approvals-total"><strong>3 payments, R\$ 1525\.51 in all<\/strong>/);
    const order = [...html.matchAll(/<tr data-testid="approval-([^"]+)">/g)].map((m) => m[1]);
    expect(order).toEqual(["ap/odd id", "ap-soon", "ap-later"]);
    const soon = rowOf(html, "ap-soon");
    expect(soon).toContain('<a href="/payments?q=ap-soon">ap-soon</a>');
    expect(soon).toContain("<td>R$ 1500.00</td>");
    expect(soon).toContain(`<td>${iso(now - 23 * HOUR)}</td>`);
    expect(soon).toMatch(
      new RegExp(
        `<td class="deadline-near" data-testid="approval-deadline-ap-soon" data-near="true">${iso(now + 30 * 60_000)} \\(in 0 h (29|30) min\\)</td>`,
      ),
    );
    expect(soon).toContain("<td>12345678</td>");
    const later = rowOf(html, "ap-later");
    expect(later).toMatch(
      /<td data-testid="approval-deadline-ap-later" data-near="false">[^<]*\(in (4 h 59|5 h 00) min\)<\/td>/,
    );
    expect(later).toContain("<td>—</td>");
    // A past deadline is highlighted too; an id is escaped and percent-encoded in its link.
    const odd = rowOf(html, "ap/odd id");
    expect(odd).toContain('<a href="/payments?q=ap%2Fodd%20id">ap/odd id</a>');
    expect(odd).toMatch(/data-near="true">[^<]*\(passed\)/);
    // Identifiers and amounts only: codigoSolicitacao stays in the JSON, no recipient data exists to show.
    expect(html).not.toContain("c-soon");
  });

  it("GET /api/approvals: every payment awaiting approval and the total, for any role", async () => {
    const b = await startBalanceDashboard();
    expect(await (await b.dash.get("/api/approvals", VIEWER)).json()).toEqual({
      queue: b.env.PIXOUT_QUEUE,
      count: 0,
      amount: "0.00",
      payments: [],
    });
    const { now } = await seed(b);
    const res = await b.dash.get("/api/approvals", VIEWER);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      queue: b.env.PIXOUT_QUEUE,
      count: 3,
      amount: "1525.51",
      payments: [
        {
          paymentId: "ap/odd id",
          amount: "0.01",
          since: iso(now - 25 * HOUR),
          deadline: iso(now - HOUR),
          codigoSolicitacao: null,
          account: null,
        },
        {
          paymentId: "ap-soon",
          amount: "1500.00",
          since: iso(now - 23 * HOUR),
          deadline: iso(now + 30 * 60_000),
          codigoSolicitacao: "c-soon",
          account: "12345678",
        },
        {
          paymentId: "ap-later",
          amount: "25.50",
          since: iso(now - HOUR),
          deadline: iso(now + 5 * HOUR),
          codigoSolicitacao: null,
          account: null,
        },
      ],
    });
  });

  it("the fleet's gauges: how many payments await approval and their amount in centavos", async () => {
    const b = await startBalanceDashboard();
    const q = b.env.PIXOUT_QUEUE;
    const metrics = async (): Promise<string> => (await b.dash.get("/metrics", VIEWER)).text();
    const before = await metrics();
    expect(before).toContain(`pixout_approvals_waiting{queue="${q}"} 0`);
    expect(before).toContain(`pixout_approvals_waiting_amount_centavos{queue="${q}"} 0`);
    await seed(b);
    // A scrape reuses a read of the last second: poll.
    await expect.poll(metrics, { timeout: 5_000 }).toContain(`pixout_approvals_waiting{queue="${q}"} 3`);
    expect(await metrics()).toContain(`pixout_approvals_waiting_amount_centavos{queue="${q}"} 152551`);
    await b.approvals.done("ap-soon");
    await expect
      .poll(metrics, { timeout: 5_000 })
      .toContain(`pixout_approvals_waiting_amount_centavos{queue="${q}"} 2551`);
  });

  it("a page still renders when the approvals cannot be read, and says so; the holds are still shown", async () => {
    const b = await startBalanceDashboard();
    await b.redis.set(approvalKeys(b.env.PIXOUT_REDIS_PREFIX, b.env.PIXOUT_QUEUE).since, "not a sorted set");
    await b.hold("12345678", "h-1", 100, Date.now(), {
      reason: "sem saldo",
      source: "bank",
      firstCheckAt: Date.now() + 60_000,
    });
    const { status, html } = await pageOf(b.dash, "/payments", VIEWER);
    expect(status).toBe(200);
    expect(html).toContain('data-testid="approvals-unavailable"');
    expect(html).toContain('data-testid="held-account-12345678"');
    expect(html).not.toContain('data-testid="holds-unavailable"');
  });
});
