// `pixout demo` (`npm run demo`): the emulator, a worker and a producer in one process; about twenty
// varied payments, followed live, then a table. Exit 0 only if every payment ended as expected.
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import type { Command } from "commander";
import { Redis } from "ioredis";
import { loadConfig, loadQueueSettings } from "../config.js";
import { demoRedis } from "../demo/local-redis.js";
import { APPROVAL_MARKER, demoScenario } from "../demo/scenario.js";
import { createLogger, SecretRegistry } from "../logger.js";
import { saoPauloToday } from "../payments/calendar.js";
import { createPayoutProducer } from "../queue/producer.js";
import type { PaymentView } from "../queue/payment-view.js";
import { safeRedisUrl } from "../queue/redis-connection.js";
import { startPayoutWorker } from "../queue/worker.js";
import { DEFAULT_DEV_CERT_DIR } from "./certs.js";
import { startDevEmulator } from "./dev-emulator.js";
import { EXIT } from "./exit-codes.js";
import { positiveInteger } from "./options.js";

/** Inter's limits, ten times faster, for the emulator and the worker's budgets alike. */
const SCALE = 10;

export function registerDemoCommand(program: Command): void {
  program
    .command("demo")
    .description("Run the emulator, a worker and ~20 varied payments; exit 0 only if each ended as expected")
    .option("--certs <dir>", "dev certificates (made when missing)", DEFAULT_DEV_CERT_DIR)
    .option("--timeout <seconds>", "give up after", positiveInteger, 120)
    .addHelpText(
      "after",
      `
Uses REDIS_URL (default redis://127.0.0.1:6379), or starts a private redis-server when nothing answers
there. Everything the demo writes to Redis is removed at the end. Inter's rate limits are kept, ${String(SCALE)}x faster.

Example:
  npm run demo`,
    )
    .action(async (flags: { certs: string; timeout: number }) => {
      const out = (line: string): void => {
        process.stdout.write(`${line}\n`);
      };
      const t0 = performance.now();
      const elapsed = (): string => `${((performance.now() - t0) / 1000).toFixed(1).padStart(5)}s`;
      const redis = await demoRedis(loadQueueSettings().redisUrl);
      out(redis.private ? `Started a private Redis at ${redis.url} (nothing answered at REDIS_URL)` : `Redis at ${safeRedisUrl(redis.url)}`);
      const { emulator, clientEnv } = await startDevEmulator(flags.certs, {
        limits: { scale: SCALE },
        timing: { sentAfterMs: 200, paidAfterMs: 800 },
        balanceCents: 50_000_00,
        approval: { autoDecision: "approve", autoAfterMs: 1_500 },
        faults: [{ method: "POST", path: "/banking/v2/pix", bodyIncludes: APPROVAL_MARKER, fault: { type: "approval-required" } }],
        seed: 1,
      });
      out(`Inter emulator at ${emulator.url} (mTLS; Inter's limits ×${String(SCALE)})`);

      const { config } = loadConfig({
        ...clientEnv,
        REDIS_URL: redis.url,
        LOG_LEVEL: "error",
        PIXOUT_QUEUE: "pix-payouts-demo",
        PIXOUT_REDIS_PREFIX: `pixout-demo-${randomUUID().slice(0, 8)}`,
        PIXOUT_SEND_PER_MINUTE: String(60 * SCALE),
        PIXOUT_SEND_MIN_INTERVAL_MS: String(1000 / SCALE),
        PIXOUT_STATUS_PER_MINUTE: String(20 * SCALE),
        PIXOUT_TOKEN_PER_MINUTE: String(5 * SCALE),
        PIXOUT_FIRST_POLL_MS: "500",
        PIXOUT_POLL_CAP_MS: "2000",
        PIXOUT_APPROVAL_POLL_MS: "1000",
        PIXOUT_SHUTDOWN_TIMEOUT_MS: "3000",
      });
      const secrets = new SecretRegistry();
      const worker = startPayoutWorker({ config, logger: createLogger({ level: config.logLevel, secrets }), secrets });
      const producer = createPayoutProducer({ connection: config.redisUrl, queueName: config.queueName, redisPrefix: config.redisPrefix });
      const scenario = demoScenario(saoPauloToday(Date.now() + 86_400_000));
      let allGood = false;
      try {
        const accepted = await producer.enqueueMany(scenario.map((s) => s.payment));
        out(`${elapsed()} enqueued ${String(accepted.filter((r) => r.status === "accepted").length)} payments; a worker is paying them`);

        const last = new Map<string, string>();
        const views = new Map<string, PaymentView>();
        const deadline = Date.now() + flags.timeout * 1000;
        const settled = (s: (typeof scenario)[number], v: PaymentView | undefined): boolean =>
          v !== undefined &&
          (v.outcome === s.expected.outcome
            ? s.expected.bankStatus === undefined || v.bankStatus === s.expected.bankStatus
            : ["paid", "failed", "rejected", "needs-reconciliation"].includes(v.outcome));
        for (;;) {
          await Promise.all(
            scenario.map(async (s) => {
              const id = String(s.payment["paymentId"]);
              const view = await producer.get(id);
              if (!view) return;
              views.set(id, view);
              const now = `${view.outcome}${view.bankStatus ? ` (${view.bankStatus})` : ""}`;
              if (last.get(id) !== now) {
                last.set(id, now);
                out(`${elapsed()} ${id}  ${now}`);
              }
            }),
          );
          if (scenario.every((s) => settled(s, views.get(String(s.payment["paymentId"]))))) break;
          if (Date.now() > deadline) {
            out(`gave up after ${String(flags.timeout)} s`);
            break;
          }
          await sleep(200);
        }

        out("");
        out(`${"payment".padEnd(8)} ${"what".padEnd(30)} ${"amount".padStart(10)}  ${"expected".padEnd(22)} ${"got".padEnd(36)} ok`);
        allGood = true;
        for (const s of scenario) {
          const id = String(s.payment["paymentId"]);
          const v = views.get(id);
          const expected = `${s.expected.outcome}${s.expected.bankStatus ? ` ${s.expected.bankStatus}` : ""}`;
          const got = v ? `${v.outcome}${v.bankStatus ? ` ${v.bankStatus}` : ""}` : "not found";
          const ok = v !== undefined && v.outcome === s.expected.outcome && (s.expected.bankStatus === undefined || v.bankStatus === s.expected.bankStatus);
          allGood &&= ok;
          out(`${id.padEnd(8)} ${s.label.padEnd(30)} ${String(s.payment["amount"]).padStart(10)}  ${expected.padEnd(22)} ${got.padEnd(36)} ${ok ? "yes" : "NO"}`);
        }
        const ledger = emulator.ledger.snapshot();
        const requests = Object.entries(ledger.requests)
          .map(([route, c]) => `${route}: ${String(c.total)}`)
          .join(", ");
        const limited = Object.values(ledger.rateLimited).reduce((a, b) => a + b, 0);
        out("");
        out(`Emulator saw ${requests}; token calls ${String(ledger.tokens.calls)}; 429s ${String(limited)}; executions ${String(ledger.executions.total)}; keys executed twice ${String(ledger.executions.keysExecutedMoreThanOnce)}`);
        out(`${allGood ? "Every payment ended as expected" : "SOME PAYMENTS DID NOT END AS EXPECTED"} in ${elapsed().trim()}.`);
      } finally {
        await producer.close();
        await worker.close();
        const cleaner = new Redis(config.redisUrl, { maxRetriesPerRequest: 1 });
        for (const pattern of [`{${config.redisPrefix}}:*`, `${config.redisPrefix}:*`]) {
          const keys = await cleaner.keys(pattern);
          if (keys.length > 0) await cleaner.del(...keys);
        }
        cleaner.disconnect();
        await emulator.close();
        await redis.stop();
      }
      if (!allGood) process.exitCode = EXIT.failed;
    });
}
