// The real dashboard driven in headless Chromium (test/helpers/browser.ts): a viewer sees the queue and finds a payment but cannot retry;
// an operator retries a failed payment and sees it paid. Screenshots go to test-output/dashboard/.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { OPERATOR, VIEWER, startTestDashboard, type TestDashboard, type TestUser } from "../helpers/dashboard.js";
import { startPipeline, type TestPipeline } from "../helpers/pipeline.js";
import { useChromium } from "../helpers/browser.js";

const OUTPUT = "test-output/dashboard";
const payment = (paymentId: string, amount: string) => ({
  paymentId,
  amount,
  recipient: { type: "key", key: "fornecedor.browser@example.com" },
});

describe("dashboard in a browser", () => {
  let p: TestPipeline;
  let dashboard: TestDashboard;
  const session = useChromium(OUTPUT);
  const consoleErrors = session.consoleErrors;

  /** Our pages log no error; the queue board's one is its web font, which the CSP (no third-party origins) blocks on purpose. */
  const ownErrors = (): string[] => consoleErrors.filter((e) => !/fonts\.googleapis\.com/.test(e));
  const login = (user: TestUser): Promise<Page> => session.login(user);

  async function search(page: Page, query: string): Promise<void> {
    await page.goto(`${dashboard.url}/payments`);
    await page.getByTestId("search-input").fill(query);
    await page.getByTestId("search-submit").click();
    await page.getByTestId("payment").waitFor();
  }

  it("a viewer sees the queue and a payment but cannot retry; an operator retries a failed payment and sees it paid", async () => {
    p = await startPipeline({ emulator: { balanceCents: 100_000 }, env: { PIXOUT_ON_INSUFFICIENT_BALANCE: "fail" } });
    dashboard = await startTestDashboard(p.env);
    await p.producer.enqueue(payment("web-paid", "10.50"));
    await p.producer.enqueue(payment("web-broke", "2000.00"));
    expect((await p.producer.waitForResult("web-paid", { timeoutMs: 15_000 })).outcome).toBe("paid");
    const failed = await p.producer.waitForResult("web-broke", { timeoutMs: 15_000 });
    expect(failed).toMatchObject({ outcome: "failed", bankStatus: "CANCELADO_SEM_SALDO" });

    // The viewer.
    const viewer = await login(VIEWER);
    await viewer.goto(`${dashboard.url}/payments`);
    await expect.poll(async () => viewer.getByTestId("count-completed").textContent()).toBe("1");
    expect(await viewer.getByTestId("count-failed").textContent()).toBe("1");
    expect(await viewer.getByTestId("session").getAttribute("data-role")).toBe("viewer");
    await search(viewer, "web-paid");
    expect(await viewer.getByTestId("payment").getAttribute("data-outcome")).toBe("paid");
    expect(await viewer.getByTestId("payment-recipient").textContent()).not.toContain("fornecedor.browser");
    await search(viewer, "web-broke");
    expect(await viewer.getByTestId("payment").getAttribute("data-outcome")).toBe("failed");
    expect(await viewer.getByTestId("retry-form").count()).toBe(0);
    await viewer.getByTestId("retry-unavailable").waitFor();
    expect(ownErrors()).toEqual([]);
    // Even with the page's own CSRF token, the server refuses a viewer's retry (Chromium logs that 403).
    const refused = await viewer.evaluate(async () => {
      const session = (await (await fetch("/api/session")).json()) as { csrfToken: string };
      const answer = await fetch("/api/payments/web-broke/retry", {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": session.csrfToken },
        body: JSON.stringify({ reason: "viewer tries", newAttempt: true }),
      });
      return { status: answer.status, body: (await answer.json()) as { error?: string } };
    });
    expect(refused).toEqual({ status: 403, body: { error: "viewers cannot retry payments; ask an operator" } });
    consoleErrors.length = 0;
    await viewer.screenshot({ path: `${OUTPUT}/viewer-failed-payment.png`, fullPage: true });
    // The queue board renders for the viewer too: the finished payment's job, its recipient masked, and
    // no button that changes anything (read-only for everyone: retries go through the audited page).
    await viewer.goto(`${dashboard.url}/queues/queue/${p.config.queueName}?status=completed`);
    await viewer.getByText("payment-web-paid").first().waitFor();
    expect(await viewer.content()).not.toContain("fornecedor.browser");
    expect(await viewer.getByRole("button", { name: /retry|clean|remove|delete|promote|pause|add job/i }).count()).toBe(
      0,
    );
    await viewer.screenshot({ path: `${OUTPUT}/viewer-queues.png`, fullPage: true });

    // The operator: the balance is topped up, then a new attempt from the page.
    p.emulator.setBalance(1_000_000);
    const operator = await login(OPERATOR);
    await search(operator, "web-broke");
    await operator.getByTestId("retry-reason").fill("balance topped up (browser test)");
    await operator.getByTestId("retry-new-attempt").check();
    await operator.getByTestId("retry-submit").click();
    await expect.poll(async () => operator.getByTestId("retry-result").getAttribute("data-status")).toBe("retried");
    expect((await p.producer.waitForResult("web-broke", { timeoutMs: 15_000 })).outcome).toBe("paid");
    await operator.getByTestId("refresh").click();
    await operator.getByTestId("payment").waitFor();
    expect(await operator.getByTestId("payment").getAttribute("data-outcome")).toBe("paid");
    const audit = await operator.getByTestId("audit").textContent();
    expect(audit).toContain(OPERATOR.name);
    expect(audit).toContain("balance topped up (browser test)");
    await operator.screenshot({ path: `${OUTPUT}/operator-retried-payment.png`, fullPage: true });

    // The bank executed each key once: the failed attempt's (cancelled for lack of balance) and the retry's.
    const byKey = p.emulator.ledger.snapshot().executions.byIdempotencyKey;
    const paid = await p.producer.get("web-broke");
    expect(paid?.idempotencyKey).not.toBe(failed.idempotencyKey);
    expect([byKey[failed.idempotencyKey ?? ""], byKey[paid?.idempotencyKey ?? ""]]).toEqual([1, 1]);
    expect(ownErrors()).toEqual([]);
  });

  it("shows a held account's banner, and an operator resumes it with the button: the held payments are paid", async () => {
    p = await startPipeline({
      emulator: { balanceCents: 10_00 },
      // The workers would resume it by themselves in 10 minutes: the button must be what lifts it.
      env: { INTER_SCOPES: "pagamento-pix.write pagamento-pix.read extrato.read", PIXOUT_BALANCE_CHECK_SECONDS: "600" },
    });
    dashboard = await startTestDashboard(p.env);
    for (const id of ["web-h1", "web-h2", "web-h3"]) await p.producer.enqueue(payment(id, "10.00"));
    const viewer = await login(VIEWER);
    await expect
      .poll(
        async () => {
          await viewer.goto(`${dashboard.url}/payments`);
          return viewer.getByTestId("held-account-default").count();
        },
        { timeout: 15_000 },
      )
      .toBe(1);
    await expect
      .poll(
        async () => {
          await viewer.goto(`${dashboard.url}/payments`);
          return viewer.getByTestId("held-account-default").textContent();
        },
        { timeout: 15_000 },
      )
      .toContain("2 payments");
    expect(await viewer.getByTestId("resume-form-default").count()).toBe(0);
    await viewer.screenshot({ path: `${OUTPUT}/viewer-held-account.png`, fullPage: true });

    p.emulator.topUp(20_00);
    const operator = await login(OPERATOR);
    await operator.goto(`${dashboard.url}/payments`);
    await operator.getByTestId("resume-reason-default").fill("topped up (browser test)");
    await operator.getByTestId("resume-submit-default").click();
    await expect
      .poll(async () => operator.getByTestId("resume-result-default").getAttribute("data-status"))
      .toBe("resumed");
    const all = await Promise.all(
      ["web-h1", "web-h2", "web-h3"].map((id) => p.producer.waitForResult(id, { timeoutMs: 15_000 })),
    );
    expect(all.map((v) => v.outcome)).toEqual(["paid", "paid", "paid"]);
    await operator.goto(`${dashboard.url}/payments`);
    expect(await operator.getByTestId("held-account-default").count()).toBe(0);
    await operator.screenshot({ path: `${OUTPUT}/operator-resumed-account.png`, fullPage: true });
    expect(ownErrors()).toEqual([]);
  });
});
