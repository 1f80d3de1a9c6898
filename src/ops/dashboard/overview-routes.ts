// The overview (the dashboard's home), its live fragment and JSON, the payment list and its CSV, and the
// charting library's files (uPlot, served from the package: no CDN, the CSP stays 'self').
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Router, type Response } from "express";
import type { Queue } from "bullmq";
import type { RedisClient } from "../../redis/connections.js";
import type { Logger } from "../../logger.js";
import type { Principal } from "./auth.js";
import { readListFilters, type ListFilters } from "./list-filters.js";
import { CSV_HEADER, csvRow, renderListPage } from "./list-page.js";
import { createOverviewReader } from "./overview-data.js";
import { renderOverviewLive, renderOverviewPage } from "./overview-page.js";
import { OVERVIEW_JS } from "./overview-script.js";
import { createPaymentList } from "./payment-list.js";
import { BUSY, createSemaphore } from "./semaphore.js";

/** The most rows one CSV export holds, and index entries it looks at; the file ends with a line saying so when it stopped there. */
export const CSV_LIMIT = 100_000;
export const CSV_EXAMINE_LIMIT = 2_000_000;

const require = createRequire(import.meta.url);
const UPLOT_JS = readFileSync(require.resolve("uplot/dist/uPlot.iife.min.js"), "utf8");
const UPLOT_CSS = readFileSync(require.resolve("uplot/dist/uPlot.min.css"), "utf8");

export function overviewRoutes(o: {
  redis: RedisClient;
  redisPrefix: string;
  queueName: string;
  queue: Queue;
  logger: Logger;
  now?: () => number;
  redisDown: string;
}): Router {
  const now = o.now ?? Date.now;
  const reader = createOverviewReader(o);
  const list = createPaymentList(o);
  const principalOf = (res: Response): Principal => res.locals["principal"] as Principal;
  const exports = createSemaphore({ concurrency: 1, maxWaiting: 0 });
  const router = Router();
  const asset = (type: string, body: string) => (_req: unknown, res: Response) => {
    res.type(type).set("Cache-Control", "private, max-age=300").send(body);
  };
  router.get("/assets/uplot.js", asset("text/javascript; charset=utf-8", UPLOT_JS));
  router.get("/assets/uplot.css", asset("text/css; charset=utf-8", UPLOT_CSS));
  router.get("/assets/overview.js", asset("text/javascript; charset=utf-8", OVERVIEW_JS));

  router.get("/overview", async (_req, res) => {
    const principal = principalOf(res);
    if (o.redis.status !== "ready") {
      res
        .status(503)
        .type("html")
        .send(renderOverviewPage(undefined, principal, o.queueName, o.redisDown));
      return;
    }
    res.type("html").send(renderOverviewPage(await reader.read(now()), principal, o.queueName));
  });
  router.get("/overview/live", async (_req, res) => {
    res.type("html").send(renderOverviewLive(await reader.read(now()), principalOf(res), o.queueName));
  });
  router.get("/api/overview", async (_req, res) => {
    res.json(await reader.read(now()));
  });

  router.get("/payments/list", async (req, res) => {
    const principal = principalOf(res);
    const read = readListFilters(req.query);
    if (!read.ok) {
      res
        .status(400)
        .type("html")
        .send(renderListPage(principal, {}, { problems: read.problems }));
      return;
    }
    if (o.redis.status !== "ready") {
      res
        .status(503)
        .type("html")
        .send(renderListPage(principal, read.filters, { problems: [o.redisDown] }));
      return;
    }
    res.type("html").send(renderListPage(principal, read.filters, await list.page(read.filters, now())));
  });
  router.get("/api/payments/list", async (req, res) => {
    const read = readListFilters(req.query);
    if (!read.ok) {
      res.status(400).json({ error: `the filters are invalid: ${read.problems.join("; ")}`, problems: read.problems });
      return;
    }
    const result = await list.page(read.filters, now());
    res.json({
      payments: result.payments,
      ...(result.next === undefined ? {} : { next: `${String(result.next.before)}.${String(result.next.skip)}` }),
    });
  });
  router.get("/payments/list.csv", async (req, res) => {
    const read = readListFilters(req.query);
    if (!read.ok) {
      res
        .status(400)
        .type("text/plain")
        .send(`the filters are invalid: ${read.problems.join("; ")}\n`);
      return;
    }
    // One export at a time (each walks the index): another is told to come back.
    const answer = await exports.run(() => exportCsv(res, read.filters));
    if (answer === BUSY) {
      res
        .status(429)
        .set("Retry-After", "10")
        .type("text/plain")
        .send("another CSV export is running; try again when it ends\n");
      return;
    }
    o.logger.info(
      { user: principalOf(res).user, rows: answer.rows, complete: answer.complete, filters: read.filters },
      "payment list exported as CSV",
    );
  });

  /**
   * Every page the filters select, from a window fixed at the start, written as it is read and as the socket
   * drains; it stops at CSV_LIMIT rows or CSV_EXAMINE_LIMIT index entries (a last line says so), or when the
   * client goes away.
   */
  async function exportCsv(res: Response, selected: ListFilters): Promise<{ rows: number; complete: boolean }> {
    const at = now();
    let filters = selected;
    let rows = 0;
    let examined = 0;
    res
      .type("text/csv; charset=utf-8")
      .set(
        "Content-Disposition",
        `attachment; filename="pixout-payments-${new Date(at).toISOString().slice(0, 10)}.csv"`,
      );
    res.write(CSV_HEADER);
    const gone = once(res, "close");
    gone.catch(() => undefined); // an error of the response ends the export through the race below
    for (;;) {
      const page = await list.page(filters, at, 1_000, 50_000);
      examined += page.examined;
      for (const p of page.payments) {
        if (rows === CSV_LIMIT) break;
        // A slow client: wait for the socket to drain rather than hold the file in memory.
        if (!res.write(csvRow(p))) await Promise.race([once(res, "drain"), gone]);
        if (res.destroyed) return { rows, complete: false };
        rows += 1;
      }
      if (page.next === undefined) break;
      if (rows === CSV_LIMIT || examined >= CSV_EXAMINE_LIMIT) {
        res.write(
          `# stopped at ${String(rows)} payments (${String(examined)} looked at): narrow the filters (dates) and export again\r\n`,
        );
        res.end();
        return { rows, complete: false };
      }
      filters = { ...filters, cursor: page.next };
    }
    res.end();
    return { rows, complete: true };
  }
  return router;
}
