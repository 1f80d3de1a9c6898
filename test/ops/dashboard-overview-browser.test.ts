// The overview in headless Chromium, on a seeded run (test/helpers/overview-seed.ts: two paid, one failed,
// one parked, one awaiting approval, the account held): the day's figures and the attention lists match
// it, the three charts draw (uPlot canvases) in light and dark mode with no console error, the page
// refreshes by itself, a viewer has no action and is refused one, and an operator resumes the held account
// and retries the failed payment from the lists — both then paid. Screenshots of the overview, light and
// dark, go to test-output/dashboard/ and, with PIXOUT_DOCS_SCREENSHOTS=1, to docs/images/.
import { copyFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { useChromium } from "../helpers/browser.js";
import { OPERATOR, VIEWER, startTestDashboard, type TestDashboard } from "../helpers/dashboard.js";
import { seededPipeline, SEEDED } from "../helpers/overview-seed.js";
import type { TestPipeline } from "../helpers/pipeline.js";
import { until } from "../helpers/until.js";
import type { Overview } from "../../src/ops/dashboard/overview-data.js";

const OUTPUT = "test-output/dashboard";
// eslint-disable-next-line no-restricted-properties -- a maintainer's switch: refresh the docs' screenshots
const TO_DOCS = process.env["PIXOUT_DOCS_SCREENSHOTS"] === "1";

describe("the overview in a browser", () => {
  let p: TestPipeline;
  let dashboard: TestDashboard;
  const session = useChromium(OUTPUT);
  beforeAll(async () => {
    p = await seededPipeline();
    dashboard = await startTestDashboard(p.env);
  }, 600_000); // the seed may first wait out midnight in São Paulo (test/helpers/sao-paulo-day.ts)

  const count = async (page: Page, testId: string): Promise<string | null> =>
    page.getByTestId(testId).getAttribute("data-count");
  const items = async (page: Page, list: string): Promise<string[]> => {
    const rows = await page.getByTestId(`${list}-item`).all();
    return (await Promise.all(rows.map(async (r) => (await r.getAttribute("data-payment-id")) ?? ""))).sort();
  };

  async function shoot(page: Page, name: string): Promise<void> {
    const path = `${OUTPUT}/${name}.png`;
    await page.screenshot({ path, fullPage: true });
    if (TO_DOCS) copyFileSync(path, `docs/images/${name}.png`);
  }

  it("shows the seeded run's figures, lists and charts, light and dark; a viewer has no action", async () => {
    // The workers add their bank call figures every few seconds: the latency chart has them once added.
    await until("the bank latency figures", async () => {
      const o = (await (await dashboard.get("/api/overview", VIEWER)).json()) as Overview;
      return o.charts.bankLatencyP95Ms.some((v) => v !== null) ? true : undefined;
    });
    for (const colorScheme of ["light", "dark"] as const) {
      const page = await session.login(OPERATOR, { colorScheme });
      await page.goto(`${dashboard.url}/`);
      expect(new URL(page.url()).pathname).toBe("/overview");
      expect(await count(page, "total-paid")).toBe("2");
      expect(await page.getByTestId("total-paid").locator(".amount").textContent()).toBe("R$ 1.244,56");
      expect(await count(page, "total-failed")).toBe("1");
      expect(await count(page, "total-parked")).toBe("1");
      expect(await count(page, "total-approvals")).toBe("1");
      expect(await count(page, "total-held")).toBe("1");
      expect(await items(page, "parked")).toEqual([SEEDED.parked]);
      expect(await items(page, "failed")).toEqual([SEEDED.failed]);
      expect(await items(page, "approvals")).toEqual([SEEDED.approval]);
      expect(await page.getByTestId("held-item").getAttribute("data-account")).toBe("default");
      for (const chart of ["chart-outcomes", "chart-latency", "chart-e2p"])
        await page.getByTestId(chart).locator("canvas").waitFor();
      expect(await page.getByTestId(`retry-${SEEDED.failed}`).count()).toBe(1);
      expect(await page.content()).not.toContain("fornecedor.overview");
      await shoot(page, `overview-${colorScheme}`);
    }
    // The page refreshes itself.
    const viewer = await session.login(VIEWER);
    await viewer.goto(`${dashboard.url}/overview`);
    const first = await viewer.getByTestId("overview").getAttribute("data-generated-at");
    await expect
      .poll(async () => viewer.getByTestId("overview").getAttribute("data-generated-at"), { timeout: 15_000 })
      .not.toBe(first);
    await viewer.getByTestId("chart-outcomes").locator("canvas").waitFor();
    expect(await viewer.locator("button[data-action]").count()).toBe(0);
    await viewer.getByTestId("viewer-note").waitFor();
    expect(session.consoleErrors).toEqual([]);
    // Even with the page's own CSRF token, the server refuses a viewer's retry (Chromium logs that 403).
    const refused = await viewer.evaluate(async (paymentId) => {
      const token = ((await (await fetch("/api/session")).json()) as { csrfToken: string }).csrfToken;
      const answer = await fetch(`/api/payments/${paymentId}/retry`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": token },
        body: JSON.stringify({ reason: "viewer tries", newAttempt: true }),
      });
      return answer.status;
    }, SEEDED.failed);
    expect(refused).toBe(403);
  });

  it("an operator resumes the held account and retries the failed payment from the lists", async () => {
    const page = await session.login(OPERATOR);
    await page.goto(`${dashboard.url}/overview`);
    p.emulator.topUp(1_000_00);
    await page.getByTestId("resume-default").click();
    await page.getByTestId("action-reason").fill("topped up (browser test)");
    await page.getByTestId("action-submit").click();
    await expect.poll(async () => page.getByTestId("action-result").getAttribute("data-status")).toBe("resumed");
    expect((await p.producer.waitForResult(SEEDED.held, { timeoutMs: 15_000 })).outcome).toBe("paid");

    await page.getByTestId(`retry-${SEEDED.failed}`).click();
    await page.getByTestId("action-reason").fill("the bank's failure was transient (browser test)");
    await page.getByTestId("action-new-attempt").check();
    await page.getByTestId("action-submit").click();
    await expect.poll(async () => page.getByTestId("action-result").getAttribute("data-status")).toBe("retried");
    expect((await p.producer.waitForResult(SEEDED.failed, { timeoutMs: 15_000 })).outcome).toBe("paid");
    // The lists follow by themselves.
    await expect.poll(async () => page.getByTestId("failed").getAttribute("data-total"), { timeout: 15_000 }).toBe("0");
    await expect.poll(async () => page.getByTestId("held").getAttribute("data-total"), { timeout: 15_000 }).toBe("0");
    await expect.poll(async () => count(page, "total-paid"), { timeout: 15_000 }).toBe("4");
    expect(session.consoleErrors).toEqual([]);
    await shoot(page, "overview-after-actions");
  });
});
