// Phase (d) of `npm run bench`: the dashboard's answer times and memory with a large backlog queued
// (100,000 payments by default) and as many concluded payments in the overview's index (written as the
// worker's outcome step writes them: record, index, day's counters): /metrics (fleet metrics read from Redis
// at each scrape), the queue counts, the overview (page, live fragment, JSON), the payment list (first page,
// and a filter that matches 1 payment in 100), its CSV, a search by paymentId, the payments page, and
// bull-board's list of waiting jobs. The dashboard runs as
// `pixout dashboard` in its own process; requests are sequential, over keep-alive HTTP on loopback.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { freePort } from "../../src/cli/demo/redis-server.js";
import { hashPassword } from "../../src/ops/dashboard/password.js";
import { saoPauloToday } from "../../src/payments/calendar.js";
import { bullPrefix } from "../../src/queue/names.js";
import { paymentRecordKey } from "../../src/queue/payment-record.js";
import { dayStatsKey, listKey } from "../../src/queue/payment-stats.js";
import { createPayoutProducer } from "../../src/queue/producer/producer.js";
import { percentile, rssMb } from "./support.js";

export interface DashboardResult {
  queued: number;
  /** Answer times in ms (p50 / p95) per route. */
  routes: { route: string; requests: number; p50: number; p95: number }[];
  dashboardRssMb: number;
  /** RSS after the overview's routes, before the payment list's and the CSV's. */
  overviewRssMb: number;
}

const bin = new URL("../../bin/pixout.js", import.meta.url).pathname;

/**
 * `count` payments concluded in the last hours, as the worker's outcome step leaves them: each one's record,
 * the index entry, the day's counters. 1 in 100 failed (R$ 100 and more), the rest paid; ten paying accounts.
 */
async function seedConcluded(redis: Redis, prefix: string, queueName: string, count: number): Promise<void> {
  const now = Date.now();
  for (let i = 0; i < count; i += 1000) {
    const p = redis.pipeline();
    for (let j = i; j < Math.min(count, i + 1000); j++) {
      const paymentId = `done-${String(j)}`;
      const failed = j % 100 === 0;
      const outcome = failed ? "failed" : "paid";
      const account = String(1_000_000 + (j % 10));
      const cents = failed ? 10_000 + j : 100 + (j % 5_000);
      const at = now - (count - j) * 100;
      p.hset(paymentRecordKey(prefix, queueName, paymentId), {
        outcome,
        generation: "0",
        finishedAt: new Date(at).toISOString(),
        account,
        amountCents: String(cents),
        codigoSolicitacao: randomUUID(),
      });
      p.zadd(listKey(prefix, queueName, "done"), at, paymentId);
      if (failed) p.zadd(listKey(prefix, queueName, "failed"), at, paymentId);
      const day = dayStatsKey(prefix, queueName, saoPauloToday(at));
      p.hincrby(day, `${outcome}|n|${account}`, 1);
      p.hincrby(day, `${outcome}|c|${account}`, cents);
    }
    await p.exec();
  }
}

export async function dashboardPhase(opts: { redisUrl: string; queued: number }): Promise<DashboardResult> {
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  const redis = new Redis(opts.redisUrl);
  const queue = new Queue("bench", { connection: redis, prefix: bullPrefix(prefix) });
  const password = "bench-password-123";
  const port = await freePort();
  let child: ReturnType<typeof spawn> | undefined;
  try {
    const producer = createPayoutProducer({ connection: opts.redisUrl, queueName: "bench", redisPrefix: prefix });
    for (let i = 0; i < opts.queued; i += 1000) {
      const batch = Array.from({ length: Math.min(1000, opts.queued - i) }, (_, j) => ({
        paymentId: `dash-${String(i + j)}`,
        amount: "1.00",
        recipient: { type: "key" as const, key: "fornecedor@example.com" },
      }));
      await producer.enqueueMany(batch);
    }
    await producer.close();
    await seedConcluded(redis, prefix, "bench", opts.queued);
    child = spawn(process.execPath, [bin, "dashboard"], {
      env: {
        PATH: process.env["PATH"] ?? "", // eslint-disable-line no-restricted-properties -- a clean environment for the child
        REDIS_URL: opts.redisUrl,
        PIXOUT_REDIS_PREFIX: prefix,
        PIXOUT_QUEUE: "bench",
        PIXOUT_DASHBOARD_PORT: String(port),
        PIXOUT_DASHBOARD_USERS: `bench:viewer:${await hashPassword(password)}`,
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "ignore", "inherit"],
    });
    const base = `http://127.0.0.1:${String(port)}`;
    const auth = { authorization: `Basic ${Buffer.from(`bench:${password}`).toString("base64")}` };
    for (let i = 0; i < 100; i++) {
      if (
        await fetch(`${base}/healthz`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      await sleep(100);
    }
    const time = async (
      route: string,
      path: (i: number) => string,
      requests: number,
    ): Promise<DashboardResult["routes"][number]> => {
      const ms: number[] = [];
      for (let i = 0; i < requests; i++) {
        const t0 = performance.now();
        const answer = await fetch(`${base}${path(i)}`, { headers: auth });
        await answer.arrayBuffer();
        if (!answer.ok) throw new Error(`${route}: HTTP ${String(answer.status)}`);
        ms.push(performance.now() - t0);
      }
      return { route, requests, p50: percentile(ms, 0.5), p95: percentile(ms, 0.95) };
    };
    const pick = (i: number): string => `dash-${String((i * 7919) % opts.queued)}`;
    await time("warm-up", () => "/api/queues/counts", 5);
    const routes = [
      await time("/metrics", () => "/metrics", 20),
      await time("/api/queues/counts", () => "/api/queues/counts", 20),
      await time("/overview (page)", () => "/overview", 20),
      await time("/overview/live (each refresh)", () => "/overview/live", 50),
      await time("/api/overview", () => "/api/overview", 20),
    ];
    const overviewRssMb = rssMb(child.pid ?? 0);
    routes.push(
      await time("/payments/list (first page of 50)", () => "/payments/list", 20),
      await time("/payments/list?outcome=failed (1 in 100)", () => "/payments/list?outcome=failed", 20),
      await time("/payments/list?min=5000 (none: 20,000 looked at)", () => "/payments/list?min=5000", 20),
      await time("/payments/list.csv?account=… (1 in 10)", () => "/payments/list.csv?account=1000003", 5),
    );
    routes.push(
      await time("/api/payments/search?q=<paymentId>", (i) => `/api/payments/search?q=${pick(i)}`, 50),
      await time("/payments?q=<paymentId> (page)", (i) => `/payments?q=${pick(i)}`, 20),
      await time(
        "bull-board: 10 waiting jobs",
        () => "/queues/api/queues?activeQueue=bench&status=waiting&page=1&jobsPerPage=10",
        20,
      ),
    );
    const dashboardRssMb = rssMb(child.pid ?? 0);
    return { queued: opts.queued, routes, dashboardRssMb, overviewRssMb };
  } finally {
    if (child && child.exitCode === null) {
      child.kill("SIGTERM");
      await once(child, "exit");
    }
    await queue.obliterate({ force: true, count: 5000 }).catch(() => undefined);
    await queue.close();
    redis.disconnect();
  }
}
