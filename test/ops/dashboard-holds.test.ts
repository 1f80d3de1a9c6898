// The dashboard and the fleet's holds of paying accounts short of money, on the shared Redis (no bank
// needed: the holds are seeded as the workers write them): a banner per held account on every page, the
// JSON of the holds, an operator's resume (role, CSRF, body and account checks; the hold lifted, the held
// payments woken, the account.resumed event queued), the page script's "Resume now", and the fleet's gauges.
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { DASHBOARD_JS } from "../../src/ops/dashboard/assets.js";
import { jobIdFor } from "../../src/queue/names.js";
import { accountHoldKeys } from "../../src/queue/account-holds.js";
import { cleanupAfter } from "../helpers/cleanup.js";
import { basic, OPERATOR, VIEWER, type TestDashboard, type TestUser } from "../helpers/dashboard.js";
import { startPrivateRedis } from "../helpers/private-redis.js";
import { pageOf, startBalanceDashboard, type BalanceDashboard } from "./balance-fixture.js";

const ACCOUNT = "12345678";
const NOTIFY = {
  PIXOUT_NOTIFY_URL: "https://hooks.example.com/pixout",
  PIXOUT_NOTIFY_SECRETS: "https://hooks.example.com=resume-test-secret-0123456789",
};
/** Personal data a hold's reason could quote (a bank message naming a recipient): never shown as is. */
const PII = { email: "fornecedor.hold@example.com" };
const iso = (ms: number): string => new Date(ms).toISOString();

/** Two payments held on ACCOUNT (the oldest first), and one balance check that found too little. */
async function holdAccount(b: BalanceDashboard): Promise<{ since: number; checkAt: number; nextCheckAt: number }> {
  const since = Date.now() - 600_000;
  const why = {
    reason: `CANCELADO_SEM_SALDO (aviso enviado a ${PII.email})`,
    source: "bank" as const,
    firstCheckAt: since + 60_000,
  };
  const first = await b.hold(ACCOUNT, "h-old", 1050, since, why);
  await b.hold(ACCOUNT, "h-new", 2000, since + 1_000, why);
  const checkAt = since + 120_000;
  const nextCheckAt = checkAt + 300_000;
  await b.holds.checked(ACCOUNT, first.id, { at: checkAt, nextCheckAt, spendableCents: 500 });
  return { since, checkAt, nextCheckAt };
}

async function resume(
  b: BalanceDashboard,
  account: string,
  body: unknown,
  user: TestUser = OPERATOR,
  headers: Record<string, string | undefined> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await b.dash.post(`/api/accounts/${account}/resume`, user, body, headers);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("dashboard: accounts held for insufficient balance", () => {
  it("shows a banner per held account on /payments and /reconciliation, with its figures and no personal data", async () => {
    const b = await startBalanceDashboard();
    const none = await pageOf(b.dash, "/payments", VIEWER);
    expect(none.html).not.toContain("held-account-");
    expect(none.html).not.toContain('data-testid="alerts"');
    const t = await holdAccount(b);
    await b.hold("default", "h-default", 700, t.since, {
      reason: "saldo estimado insuficiente",
      source: "guard",
      firstCheckAt: t.nextCheckAt,
    });

    const { status, html } = await pageOf(b.dash, "/payments", VIEWER);
    expect(status).toBe(200);
    const banner =
      /<div class="banner banner-held"[^>]*data-testid="held-account-12345678"[^>]*>(.*?)<\/div>/s.exec(html)?.[1] ??
      "";
    expect(banner).toContain(
      `Account 12345678 is held</strong> since ${iso(t.since)} (CANCELADO_SEM_SALDO (aviso enviado a f***@e***.com)): 2 payments, R$ 30.50 waiting; the oldest needs R$ 10.50; last balance read R$ 5.00 at ${iso(t.checkAt)} / next check at ${iso(t.nextCheckAt)}.`,
    );
    expect(html).toMatch(
      /data-testid="held-account-default"[^>]*data-source="guard">\s*<p><strong>The integration&#39;s account \(default\) is held<\/strong>[^<]*: 1 payment, R\$ 7\.00 waiting; the oldest needs R\$ 7\.00; no balance read yet/,
    );
    expect(html).not.toContain(PII.email);
    // A viewer is told who can resume; there is no form to send.
    expect(html).toContain('data-testid="resume-unavailable-12345678"');
    expect(html).not.toContain("resume-form");
    expect(html).not.toContain("Resume now");
    // The operator gets a "Resume now" form per account (no inline script: the page's script sends it).
    const operator = await pageOf(b.dash, "/payments", OPERATOR);
    for (const account of [ACCOUNT, "default"]) {
      expect(operator.html).toContain(
        `<form class="resume-form" data-testid="resume-form-${account}" data-account="${account}">`,
      );
      expect(operator.html).toContain(
        `<button type="submit" data-testid="resume-submit-${account}">Resume now</button>`,
      );
    }
    expect(operator.html).not.toMatch(/\son[a-z]+=/i);
    // The same banner on the reconciliation page.
    const recon = await pageOf(b.dash, "/reconciliation", VIEWER);
    expect(recon.html).toContain('data-testid="held-account-12345678"');
  });

  it("GET /api/accounts/held: every held account's figures, for any role", async () => {
    const b = await startBalanceDashboard();
    expect(await (await b.dash.get("/api/accounts/held", VIEWER)).json()).toEqual({
      queue: b.env.PIXOUT_QUEUE,
      accounts: [],
    });
    const t = await holdAccount(b);
    const res = await b.dash.get("/api/accounts/held", VIEWER);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain(PII.email);
    expect(JSON.parse(text)).toEqual({
      queue: b.env.PIXOUT_QUEUE,
      accounts: [
        {
          account: ACCOUNT,
          since: iso(t.since),
          reason: "CANCELADO_SEM_SALDO (aviso enviado a f***@e***.com)",
          source: "bank",
          heldPayments: 2,
          heldAmount: "30.50",
          oldestAmount: "10.50",
          checks: 1,
          nextCheckAt: iso(t.nextCheckAt),
          lastCheckAt: iso(t.checkAt),
          lastSpendable: "5.00",
          lastCheckError: null,
        },
      ],
    });
  });

  it("refuses a viewer's resume (403), one without CSRF proof (403), a missing reason or unknown field (400), a bad account (400); the hold stays", async () => {
    const b = await startBalanceDashboard();
    await holdAccount(b);
    expect(await resume(b, ACCOUNT, { reason: "topped up" }, VIEWER)).toEqual({
      status: 403,
      body: { error: "viewers cannot resume accounts; ask an operator" },
    });
    expect((await resume(b, ACCOUNT, { reason: "topped up" }, OPERATOR, { "x-csrf-token": undefined })).status).toBe(
      403,
    );
    expect((await resume(b, ACCOUNT, { reason: "topped up" }, OPERATOR, { "x-csrf-token": "forged" })).status).toBe(
      403,
    );
    expect(await resume(b, ACCOUNT, {})).toEqual({
      status: 400,
      body: {
        error: "the resume request is invalid: reason: is required (it is audited)",
        problems: ["reason: is required (it is audited)"],
      },
    });
    expect((await resume(b, ACCOUNT, { reason: "   " })).status).toBe(400);
    expect((await resume(b, ACCOUNT, { reason: "ok\u202Eevil" })).body["error"]).toMatch(/bidirectional/);
    expect((await resume(b, ACCOUNT, { reason: "ok", force: true })).body).toMatchObject({
      problems: ["body: unknown field force"],
    });
    expect((await resume(b, ACCOUNT, "not json")).status).toBe(400);
    for (const account of ["12a", "123456789012345678901", "DEFAULT", "12%2034"]) {
      const bad = await resume(b, account, { reason: "topped up" });
      expect(bad.status, account).toBe(400);
      expect(bad.body["error"], account).toMatch(/^not a paying account/);
    }
    expect(await b.holds.read(ACCOUNT)).toMatchObject({ heldPayments: 2 });
    expect(b.dash.lines.some((l) => l.includes('"msg":"dashboard resume"'))).toBe(false);
  });

  it("an operator's resume lifts the hold, wakes its delayed payments, answers the counts, logs who, and queues account.resumed", async () => {
    const b = await startBalanceDashboard(NOTIFY);
    await holdAccount(b);
    // h-old waits in the delayed set, as a held payment does; h-new's job is gone (it cannot be woken).
    await b.payouts.add("payout", { paymentId: "h-old" }, { jobId: jobIdFor("h-old"), delay: 3_600_000 });
    expect(await resume(b, "999", { reason: "topped up" })).toEqual({
      status: 404,
      body: { error: "account 999 is not held: nothing to resume" },
    });

    expect(await resume(b, ACCOUNT, { reason: "  topped up R$ 5,000.00 " })).toEqual({
      status: 200,
      body: { resumed: true, waiting: 2, woken: 1 },
    });
    expect(await b.holds.read(ACCOUNT)).toBeUndefined();
    expect(await b.payouts.getJobState(jobIdFor("h-old"))).toBe("waiting");
    expect(
      b.dash.lines.some(
        (l) =>
          l.includes('"msg":"dashboard resume"') &&
          l.includes('"actor":"ana.operadora"') &&
          l.includes(`"account":"${ACCOUNT}"`) &&
          l.includes('"woken":1'),
      ),
    ).toBe(true);
    const events = await b.notifications.getJobs(["waiting", "delayed"]);
    expect(events.map((j) => j.data as { url: string; event: Record<string, unknown> })).toEqual([
      {
        url: NOTIFY.PIXOUT_NOTIFY_URL,
        event: expect.objectContaining({
          type: "account.resumed",
          account: ACCOUNT,
          by: "ana.operadora",
          reason: "topped up R$ 5,000.00",
          heldPayments: 2,
          amount: "30.50",
        }) as unknown,
        attempts: [],
      },
    ]);
    // The banner is gone, and a second resume finds nothing to lift.
    expect((await pageOf(b.dash, "/payments", OPERATOR)).html).not.toContain("held-account-");
    expect((await resume(b, ACCOUNT, { reason: "again" })).status).toBe(404);
  });

  it("resumes the integration's only account by its literal name", async () => {
    const b = await startBalanceDashboard();
    await b.hold("default", "d-1", 100, Date.now(), {
      reason: "sem saldo",
      source: "bank",
      firstCheckAt: Date.now() + 60_000,
    });
    expect(await resume(b, "default", { reason: "topped up" })).toEqual({
      status: 200,
      body: { resumed: true, waiting: 1, woken: 0 },
    });
    expect(await b.holds.read("default")).toBeUndefined();
  });

  it("with invalid PIXOUT_NOTIFY_* the dashboard starts, warns, and still resumes (unannounced, said in the log)", async () => {
    const b = await startBalanceDashboard({ PIXOUT_NOTIFY_URL: "ftp://hooks.example.com/pixout" });
    expect(
      b.dash.lines.some(
        (l) => l.includes("the PIXOUT_NOTIFY_* settings are invalid") && l.includes("PIXOUT_NOTIFY_URL"),
      ),
    ).toBe(true);
    await holdAccount(b);
    expect((await resume(b, ACCOUNT, { reason: "topped up" })).body).toEqual({ resumed: true, waiting: 2, woken: 0 });
    expect(b.dash.lines.some((l) => l.includes("the resume was not announced upstream"))).toBe(true);
    expect(await b.notifications.getJobCounts("waiting", "delayed")).toEqual({ waiting: 0, delayed: 0 });
  });

  it("the page's script: Resume now asks for a reason, then posts it with a CSRF token and shows the answer", async () => {
    const b = await startBalanceDashboard();
    await holdAccount(b);
    const { html } = await pageOf(b.dash, "/payments", OPERATOR);
    const [form, ...others] = runPageScript(html, b.dash, OPERATOR);
    expect(others).toEqual([]);
    if (!form) throw new Error("no resume form on the operator's page");
    expect(form.account).toBe(ACCOUNT);
    form.submit();
    expect(form.output).toEqual({
      text: "A resume needs a reason (it is logged and sent upstream).",
      status: "invalid",
    });
    expect(await b.holds.read(ACCOUNT)).toBeDefined();
    form.reason.value = "topped up (page script)";
    form.submit();
    expect(form.button.disabled).toBe(true);
    await expect.poll(() => form.output.status, { timeout: 10_000 }).toBe("resumed");
    expect(form.output.text).toMatch(/^Resumed: 2 held payment\(s\) are sent again \(0 woken now/);
    expect(form.button.disabled).toBe(false);
    expect(await b.holds.read(ACCOUNT)).toBeUndefined();
    // Submitted again: the server's refusal is shown as such.
    form.submit();
    await expect.poll(() => form.output.status, { timeout: 10_000 }).toBe("error");
    expect(form.output.text).toBe(`Not resumed (HTTP 404): account ${ACCOUNT} is not held: nothing to resume`);
  });

  it("the fleet's gauges: one series per held account, and the held payments and amount", async () => {
    const b = await startBalanceDashboard();
    const q = b.env.PIXOUT_QUEUE;
    const metrics = async (): Promise<string> => (await b.dash.get("/metrics", VIEWER)).text();
    const before = await metrics();
    expect(before).not.toMatch(/^pixout_account_held\{/m);
    expect(before).toContain(`pixout_held_payments{queue="${q}"} 0`);
    expect(before).toContain(`pixout_held_amount_centavos{queue="${q}"} 0`);
    await holdAccount(b);
    await b.hold("87654321", "h-other", 999, Date.now(), {
      reason: "sem saldo",
      source: "bank",
      firstCheckAt: Date.now() + 60_000,
    });
    // A scrape reuses a read of the last second: poll.
    await expect.poll(metrics, { timeout: 5_000 }).toContain(`pixout_held_payments{queue="${q}"} 3`);
    const held = await metrics();
    expect(held).toContain(`pixout_account_held{queue="${q}",account="${ACCOUNT}"} 1`);
    expect(held).toContain(`pixout_account_held{queue="${q}",account="87654321"} 1`);
    expect(held).toContain(`pixout_held_amount_centavos{queue="${q}"} 4049`);
    expect((await resume(b, ACCOUNT, { reason: "topped up" })).status).toBe(200);
    await expect.poll(metrics, { timeout: 5_000 }).toContain(`pixout_held_payments{queue="${q}"} 1`);
    const after = await metrics();
    expect(after).not.toContain(`account="${ACCOUNT}"`);
    expect(after).toContain(`pixout_account_held{queue="${q}",account="87654321"} 1`);
    expect(after).toContain(`pixout_held_amount_centavos{queue="${q}"} 999`);
  });

  it("a page still renders when the holds cannot be read, and says so", async () => {
    const b = await startBalanceDashboard();
    // A key of the wrong type makes the read fail while Redis answers everything else.
    await b.redis.set(accountHoldKeys(b.env.PIXOUT_REDIS_PREFIX, b.env.PIXOUT_QUEUE, "").accounts, "not a set");
    for (const path of ["/payments", "/reconciliation"]) {
      const { status, html } = await pageOf(b.dash, path, VIEWER);
      expect(status, path).toBe(200);
      expect(html, path).toContain('data-testid="holds-unavailable"');
      expect(html, path).toContain("The accounts held for insufficient balance could not be read");
    }
    expect(b.dash.lines.some((l) => l.includes("could not read the accounts held for insufficient balance"))).toBe(
      true,
    );
  });

  it("while Redis is away: the page says the holds could not be read (503), the JSON and a resume answer 503", async () => {
    const server = await startPrivateRedis();
    cleanupAfter(() => server.stop());
    const b = await startBalanceDashboard({}, server.url);
    await holdAccount(b);
    expect((await pageOf(b.dash, "/payments", VIEWER)).html).toContain('data-testid="held-account-12345678"');
    await server.stop();
    await expect
      .poll(async () => (await b.dash.get("/api/accounts/held", VIEWER)).status, { timeout: 10_000 })
      .toBe(503);
    const page = await pageOf(b.dash, "/payments", OPERATOR);
    expect(page.status).toBe(503);
    expect(page.html).toContain('data-testid="holds-unavailable"');
    expect(page.html).toContain('data-testid="approvals-unavailable"');
    expect((await b.dash.get("/api/approvals", VIEWER)).status).toBe(503);
    expect(await resume(b, ACCOUNT, { reason: "topped up" })).toEqual({
      status: 503,
      body: { error: "Redis does not answer; try again when it is back (see /readyz)" },
    });
  });
});

interface StubForm {
  account: string;
  reason: { value: string };
  output: { text: string; status: string | undefined };
  button: { disabled: boolean };
  submit(): void;
}

/**
 * Runs /assets/dashboard.js over the page's resume forms, as a browser would (no browser here: a DOM of the
 * few calls the script makes, and fetch on the dashboard as `user`, as the browser's Basic credentials).
 */
function runPageScript(html: string, dash: TestDashboard, user: TestUser): StubForm[] {
  const forms = [...html.matchAll(/<form class="resume-form"[^>]*data-account="([^"]*)"/g)].map(([, account = ""]) => {
    let onSubmit: ((event: { preventDefault(): void }) => void) | undefined;
    const stub: StubForm = {
      account,
      reason: { value: "" },
      output: { text: "", status: undefined },
      button: { disabled: false },
      submit() {
        onSubmit?.({ preventDefault: () => undefined });
      },
    };
    const output = {
      set textContent(text: string) {
        stub.output.text = text;
      },
      setAttribute(name: string, value: string) {
        if (name === "data-status") stub.output.status = value;
      },
    };
    const element = {
      getAttribute: (name: string) => (name === "data-account" ? account : null),
      querySelector: (selector: string) =>
        selector === "output" ? output : selector === "button[type=submit]" ? stub.button : null,
      elements: { namedItem: (name: string) => (name === "reason" ? stub.reason : null) },
      addEventListener(type: string, handler: (event: { preventDefault(): void }) => void) {
        if (type === "submit") onSubmit = handler;
      },
    };
    return { stub, element };
  });
  const document = {
    getElementById: () => null,
    querySelectorAll: (selector: string) => (selector === "form.resume-form" ? forms.map((f) => f.element) : []),
  };
  const pageFetch = (
    path: string,
    init: Omit<RequestInit, "headers"> & { headers?: Record<string, string> },
  ): Promise<Response> =>
    fetch(new URL(path, dash.url), { ...init, headers: { ...init.headers, authorization: basic(user) } });
  runInNewContext(DASHBOARD_JS, { document, fetch: pageFetch });
  return forms.map((f) => f.stub);
}
