// The dashboard over real payments: the emulator, a real worker, the producer SDK and the dashboard on the
// shared Redis. Search by every identifier, no personal data shown anywhere, CSRF, role and --no-auth
// locality refusals that leave a payment untouched, and an operator's audited retry that ends paid.
import { describe, expect, it } from "vitest";
import { auditStreamKey } from "../../src/queue/producer/retry.js";
import { OPERATOR, startTestDashboard, VIEWER, type TestDashboard, type TestUser } from "../helpers/dashboard.js";
import { startPipeline } from "../helpers/pipeline.js";

const PII = {
  email: "fornecedor.dash@example.com",
  name: "Marisa Quintanilha",
  cpf: "52998224725",
  account: "7654321",
};
const keyPayment = (paymentId: string) => ({
  paymentId,
  amount: "10.50",
  recipient: { type: "key" as const, key: PII.email },
});
const bankPayment = (paymentId: string, amount: string) => ({
  paymentId,
  amount,
  description: `Reembolso ${PII.name}`,
  recipient: {
    type: "bank" as const,
    ispb: "00416968",
    branch: "0001",
    account: PII.account,
    accountType: "CONTA_CORRENTE" as const,
    document: PII.cpf,
    name: PII.name,
  },
});

function expectNoPersonalData(text: string): void {
  for (const value of [PII.email, PII.name, "Marisa", "Quintanilha", PII.cpf, "529.982.247-25", PII.account])
    expect(text).not.toContain(value);
}

interface SearchAnswer {
  matchedBy: string;
  payment: {
    paymentId: string;
    outcome: string;
    codigoSolicitacao: string | null;
    endToEndId: string | null;
    recipient: unknown;
    audit: Record<string, unknown>[];
  };
}

/** An operator whose login is an e-mail: the audit shows it as it is (it is not a recipient's data). */
const EMAIL_OPERATOR: TestUser = { name: "ana@empresa.com", role: "operator", password: "email-operator-password" };

describe("dashboard with payments", async () => {
  const p = await startPipeline({
    emulator: { balanceCents: 100_000 },
    env: { PIXOUT_ON_INSUFFICIENT_BALANCE: "fail" },
  });
  const { producer, emulator } = p;
  const dash: TestDashboard = await startTestDashboard(p.env, { users: [VIEWER, OPERATOR, EMAIL_OPERATOR] });

  async function search(
    q: string,
    user = VIEWER,
  ): Promise<{ status: number; body: SearchAnswer & { error?: string }; text: string }> {
    const res = await dash.get(`/api/payments/search?q=${encodeURIComponent(q)}`, user);
    const text = await res.text();
    return { status: res.status, body: JSON.parse(text) as SearchAnswer & { error?: string }, text };
  }

  async function auditStream(paymentId: string): Promise<Record<string, unknown>[]> {
    const stream = await p.redis.xrange(auditStreamKey(p.config.redisPrefix), "-", "+");
    return stream
      .filter(([, f]) => f[1] === paymentId)
      .map(([, f]) => JSON.parse(f[3] ?? "{}") as Record<string, unknown>);
  }

  it("finds a paid payment by paymentId, codigoSolicitacao and endToEndId, with its recipient masked", async () => {
    await producer.enqueue(keyPayment("d-paid"));
    const paid = await producer.waitForResult("d-paid", { timeoutMs: 15_000 });
    expect(paid.outcome).toBe("paid");
    const byId = await search("d-paid");
    expect(byId.status).toBe(200);
    expect(byId.body).toMatchObject({
      matchedBy: "paymentId",
      payment: {
        paymentId: "d-paid",
        outcome: "paid",
        jobState: "completed",
        bankStatus: "PAGO",
        amount: "10.50",
        recipient: { type: "key", key: "f***@e***.com" },
      },
    });
    const codigo = paid.codigoSolicitacao ?? "";
    const e2e = paid.endToEndId ?? "";
    expect(codigo).not.toBe("");
    expect(e2e).not.toBe("");
    expect(await search(codigo)).toMatchObject({
      status: 200,
      body: { matchedBy: "codigoSolicitacao", payment: { paymentId: "d-paid", codigoSolicitacao: codigo } },
    });
    expect(await search(e2e)).toMatchObject({
      status: 200,
      body: { matchedBy: "endToEndId", payment: { paymentId: "d-paid", endToEndId: e2e } },
    });
    expectNoPersonalData(byId.text);
    // The page shows the same, masked, with the bank's status history.
    const page = await (await dash.get(`/payments?q=${encodeURIComponent(e2e)}`, VIEWER)).text();
    expect(page).toContain('data-testid="payment-outcome">paid<');
    expect(page).toContain('data-testid="payment-recipient">Pix key f***@e***.com<');
    expect(page).toMatch(/data-testid="history">.*<td>PIX_PAGO<\/td>/s);
    expect(page).toContain('data-testid="payment-idempotency-key">');
    expectNoPersonalData(page);
  });

  it("refuses a retry without CSRF proof or from a viewer, and the payment stays as it was", async () => {
    await producer.enqueue(bankPayment("d-guarded", "2000.00"));
    expect(await producer.waitForResult("d-guarded", { timeoutMs: 15_000 })).toMatchObject({
      outcome: "failed",
      bankStatus: "CANCELADO_SEM_SALDO",
    });
    const path = "/api/payments/d-guarded/retry";
    const body = { reason: "balance topped up", newAttempt: true };
    const refusals: [string, Record<string, string | undefined>, RegExp][] = [
      ["no token", { "x-csrf-token": undefined }, /missing x-csrf-token/],
      ["wrong token", { "x-csrf-token": "forged" }, /wrong x-csrf-token/],
      ["cross-site Origin", { origin: "https://evil.example" }, /another origin/],
      ["Sec-Fetch-Site cross-site", { "sec-fetch-site": "cross-site" }, /cross-site/],
      ["form content type", { "content-type": "application/x-www-form-urlencoded" }, /application\/json/],
    ];
    for (const [what, headers, why] of refusals) {
      const res = await dash.post(path, OPERATOR, body, headers);
      expect(res.status, what).toBe(403);
      expect(((await res.json()) as { error: string }).error, what).toMatch(why);
    }
    // A viewer's token is valid — for a viewer.
    const viewer = await dash.post(path, VIEWER, body);
    expect(viewer.status).toBe(403);
    expect(await viewer.json()).toEqual({ error: "viewers cannot retry payments; ask an operator" });
    // bull-board's own retry route, even for an operator with a valid token.
    const board = await dash.post(
      `/queues/api/queues/${p.config.queueName}/payment-d-guarded/retry/failed`,
      OPERATOR,
      {},
    );
    expect(board.status).toBe(403);
    const view = await producer.get("d-guarded");
    expect(view).toMatchObject({ outcome: "failed", jobState: "failed", generation: 0, audit: [] });
    expect(await auditStream("d-guarded")).toEqual([]);
    expect(dash.lines.filter((l) => l.includes("refused a request that failed the CSRF checks"))).toHaveLength(
      refusals.length,
    );
  });

  it("an operator retries a failed payment: audited under their name on the job and in the stream, then paid", async () => {
    await producer.enqueue(bankPayment("d-retry", "2000.00"));
    const failed = await producer.waitForResult("d-retry", { timeoutMs: 15_000 });
    expect(failed).toMatchObject({ outcome: "failed", bankStatus: "CANCELADO_SEM_SALDO" });
    // The rules refuse a same-key retry of a definitive bank failure: 422 with the reason.
    const sameKey = await dash.post("/api/payments/d-retry/retry", OPERATOR, { reason: "try again" });
    expect(sameKey.status).toBe(422);
    expect(await sameKey.json()).toMatchObject({
      paymentId: "d-retry",
      status: "refused",
      why: expect.stringMatching(/CANCELADO_SEM_SALDO/) as string,
    });
    emulator.setBalance(1_000_000);
    const res = await dash.post("/api/payments/d-retry/retry", OPERATOR, {
      reason: "balance topped up",
      newAttempt: true,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      paymentId: "d-retry",
      status: "retried",
      newKey: true,
      generation: 1,
      previousOutcome: "failed",
    });
    const paid = await producer.waitForResult("d-retry", { timeoutMs: 15_000 });
    expect(paid).toMatchObject({ outcome: "paid", generation: 1 });
    expect(paid.idempotencyKey).not.toBe(failed.idempotencyKey);
    const entry = {
      actor: "ana.operadora",
      action: "retry",
      reason: "balance topped up",
      previousOutcome: "failed",
      generation: 1,
      newKey: true,
    };
    expect(paid.audit).toEqual([expect.objectContaining(entry)]);
    expect(await auditStream("d-retry")).toEqual([expect.objectContaining({ ...entry, queue: p.config.queueName })]);
    expect(
      dash.lines.some(
        (l) =>
          l.includes('"msg":"dashboard retry"') &&
          l.includes('"actor":"ana.operadora"') &&
          l.includes('"status":"retried"'),
      ),
    ).toBe(true);
    // The payment, its audit and the retry form, as the operator sees them; a paid payment is refused.
    const found = await search("d-retry", OPERATOR);
    expect(found.body.payment.audit).toEqual([expect.objectContaining(entry)]);
    const page = await (await dash.get("/payments?q=d-retry", OPERATOR)).text();
    expect(page).toMatch(
      /data-testid="audit">.*<td>ana\.operadora<\/td><td>retry<\/td><td>balance topped up<\/td><td>yes<\/td><td>1<\/td>/s,
    );
    expect(page).toContain('id="retry-form"');
    const again = await dash.post("/api/payments/d-retry/retry", OPERATOR, { reason: "twice" });
    expect(again.status).toBe(422);
    expect(await again.json()).toMatchObject({ status: "refused", why: "a paid payment can never be retried" });
  });

  it("shows the audit's actor as is, even an e-mail, and scrubs the reason", async () => {
    emulator.setBalance(100);
    await producer.enqueue(bankPayment("d-email", "20.00"));
    expect(await producer.waitForResult("d-email", { timeoutMs: 15_000 })).toMatchObject({
      outcome: "failed",
      bankStatus: "CANCELADO_SEM_SALDO",
    });
    emulator.setBalance(1_000_000);
    const res = await dash.post("/api/payments/d-email/retry", EMAIL_OPERATOR, {
      reason: "saldo ok, avisei contato@fornecedor.com.br",
      newAttempt: true,
    });
    expect(res.status).toBe(200);
    const found = await search("d-email", EMAIL_OPERATOR);
    expect(found.body.payment.audit).toEqual([
      expect.objectContaining({ actor: "ana@empresa.com", reason: "saldo ok, avisei c***@f***.br" }),
    ]);
    expectNoPersonalData(found.text);
    const page = await (await dash.get("/payments?q=d-email", EMAIL_OPERATOR)).text();
    expect(page).toMatch(
      /data-testid="audit">.*<td>ana@empresa\.com<\/td><td>retry<\/td><td>saldo ok, avisei c\*\*\*@f\*\*\*\.br<\/td>/s,
    );
    expect((await producer.waitForResult("d-email", { timeoutMs: 15_000 })).outcome).toBe("paid");
  });

  it("--no-auth: a request under another Host (DNS rebinding) is refused 421, even with a valid token and a matching Origin, and nothing is retried", async () => {
    emulator.setBalance(100);
    await producer.enqueue(bankPayment("d-rebind", "30.00"));
    expect(await producer.waitForResult("d-rebind", { timeoutMs: 15_000 })).toMatchObject({ outcome: "failed" });
    emulator.setBalance(1_000_000);
    const local = await startTestDashboard(p.env, { users: [], flags: { noAuth: true } });
    const port = new URL(local.url).port;
    const rebinding = { host: `pixout.attacker.example:${port}`, origin: `http://pixout.attacker.example:${port}` };
    // What the attacker's page would read first: refused.
    expect((await local.raw("GET", "/api/session", rebinding)).status).toBe(421);
    // Even a token taken locally does not help.
    const { csrfToken } = (await (await local.get("/api/session")).json()) as { csrfToken: string };
    const body = JSON.stringify({ reason: "rebinding", newAttempt: true });
    const retry = await local.raw(
      "POST",
      "/api/payments/d-rebind/retry",
      { ...rebinding, "content-type": "application/json", "x-csrf-token": csrfToken, "sec-fetch-site": "same-origin" },
      body,
    );
    expect(retry.status).toBe(421);
    expect(await producer.get("d-rebind")).toMatchObject({
      outcome: "failed",
      jobState: "failed",
      generation: 0,
      audit: [],
    });
    expect(await auditStream("d-rebind")).toEqual([]);
    // The same request addressed to 127.0.0.1 goes through (the rules allow a new attempt).
    const ok = await local.raw(
      "POST",
      "/api/payments/d-rebind/retry",
      {
        host: `127.0.0.1:${port}`,
        origin: `http://127.0.0.1:${port}`,
        "content-type": "application/json",
        "x-csrf-token": csrfToken,
      },
      body,
    );
    expect(ok.status).toBe(200);
    expect((await producer.waitForResult("d-rebind", { timeoutMs: 15_000 })).outcome).toBe("paid");
  });

  it("shows no personal data in the search JSON, the page or bull-board's job API", async () => {
    emulator.setBalance(100);
    await producer.enqueue(bankPayment("d-pii", "50.00"));
    expect((await producer.waitForResult("d-pii", { timeoutMs: 15_000 })).outcome).toBe("failed");
    const found = await search("d-pii");
    expect(found.body.payment.recipient).toEqual({
      type: "bank",
      ispb: "00416968",
      branch: "0001",
      account: "76***21",
      accountType: "CONTA_CORRENTE",
      document: "***.982.247-**",
      name: "M*** Q***",
    });
    expectNoPersonalData(found.text);
    const page = await (await dash.get("/payments?q=d-pii", OPERATOR)).text();
    expect(page).toContain("***.982.247-**");
    expectNoPersonalData(page);
    const job = await dash.get(`/queues/api/queues/${p.config.queueName}/payment-d-pii`, VIEWER);
    expect(job.status).toBe(200);
    const jobText = await job.text();
    expect(jobText).toContain("***.982.247-**");
    expectNoPersonalData(jobText);
    const list = await dash.get(
      `/queues/api/queues?activeQueue=${p.config.queueName}&status=latest&page=1&jobsPerPage=50`,
      VIEWER,
    );
    const listText = await list.text();
    expect(listText).toContain("payment-d-pii");
    expectNoPersonalData(listText);
    emulator.setBalance(1_000_000);
  });

  it("/readyz is ready with a live worker; /metrics counts the queue's jobs", async () => {
    const ready = await dash.get("/readyz");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      ready: true,
      checks: [
        { name: "redis", ok: true },
        { name: "workers", ok: true },
        { name: "certificate", ok: true },
      ],
    });
    const metrics = await (await dash.get("/metrics", OPERATOR)).text();
    expect(metrics).toMatch(new RegExp(`pixout_queue_jobs\\{queue="${p.config.queueName}",state="completed"\\} [1-9]`));
    expect(metrics).toContain(`pixout_workers_alive{queue="${p.config.queueName}"} 1`);
    const counts = (await (await dash.get("/api/queues/counts", VIEWER)).json()) as { counts: Record<string, number> };
    expect(counts.counts["completed"]).toBeGreaterThanOrEqual(2);
    expect(counts.counts["failed"]).toBeGreaterThanOrEqual(2);
  });
});
