// `pixout demo` (`npm run demo`): the emulator, a worker and a producer in one process; about twenty
// varied payments, followed live, then a table. Exit 0 only if every payment ended as expected.
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import type { Command } from "commander";
import { loadConfig, loadQueueSettings, readEnvironment, type Config } from "../../config.js";
import type { Emulator } from "../../emulator/emulator.js";
import { demoRedis } from "../demo/local-redis.js";
import { demoBalanceHold, PAYROLL_ACCOUNT, PAYROLL_BALANCE_CENTS } from "../demo/balance-hold.js";
import { demoReconciliation } from "../demo/reconciliation.js";
import { APPROVAL_MARKER, BANK_FAILURE_MARKER, demoScenario, type DemoPayment } from "../demo/scenario.js";
import { DEV_INTEGRATION } from "../../emulator/integration.js";
import { createLogger, SecretRegistry } from "../../logger.js";
import { saoPauloToday } from "../../payments/calendar.js";
import { FINAL_OUTCOMES } from "../../payments/lifecycle.js";
import { removeIntegrationKeys, removeQueueKeys } from "../../queue/cleanup.js";
import type { PaymentView } from "../../queue/payment-view.js";
import { createPayoutProducer, producerOptionsFor, type BulkItemResult } from "../../queue/producer/producer.js";
import { startPayoutWorker } from "../../queue/worker/worker.js";
import { DEFAULT_DEV_CERT_DIR } from "./certs.js";
import { startDevEmulator } from "./dev-emulator.js";
import { EXIT } from "./exit-codes.js";
import { positiveInteger } from "./options.js";

/** Inter's limits, ten times faster, for the emulator and the worker's budgets alike. */
const SCALE = 10;

type Say = (line: string) => void;

const idOf = (s: DemoPayment): string => String(s.payment["paymentId"]);

function matches(s: DemoPayment, view: PaymentView | undefined, enqueue: BulkItemResult | undefined): boolean {
  if (s.expected.outcome === "refused") return enqueue?.status === "invalid";
  return (
    view !== undefined &&
    view.outcome === s.expected.outcome &&
    (s.expected.bankStatus === undefined || view.bankStatus === s.expected.bankStatus)
  );
}

async function runPayments(
  config: Config,
  emulator: Emulator,
  timeoutS: number,
  say: Say,
  elapsed: () => string,
): Promise<boolean> {
  const secrets = new SecretRegistry();
  const worker = startPayoutWorker({ config, logger: createLogger({ level: config.logLevel, secrets }), secrets });
  const producer = createPayoutProducer(producerOptionsFor(config));
  try {
    const scenario = demoScenario(saoPauloToday(Date.now() + 86_400_000));
    const results = await producer.enqueueMany(scenario.map((s) => s.payment));
    say(
      `${elapsed()} enqueued ${String(results.filter((r) => r.status === "accepted").length)} payments; a worker is paying them`,
    );
    results.forEach((r, i) => {
      if (r.status === "invalid")
        say(
          `${elapsed()} ${idOf(scenario[i] as DemoPayment)}  refused before the queue: ${r.issues.map((x) => `${x.field}: ${x.message}`).join("; ")}`,
        );
    });

    const views = new Map<string, PaymentView>();
    const last = new Map<string, string>();
    const queued = scenario.filter((s) => s.expected.outcome !== "refused");
    const settled = (s: DemoPayment): boolean => {
      const v = views.get(idOf(s));
      return v !== undefined && (matches(s, v, undefined) || FINAL_OUTCOMES.has(v.outcome));
    };
    const deadline = Date.now() + timeoutS * 1000;
    while (!queued.every(settled)) {
      if (Date.now() > deadline) {
        say(`gave up after ${String(timeoutS)} s`);
        break;
      }
      await sleep(200);
      for (const s of queued) {
        const view = await producer.get(idOf(s));
        if (!view) continue;
        views.set(idOf(s), view);
        const shown = `${view.outcome}${view.bankStatus ? ` (${view.bankStatus})` : ""}`;
        if (last.get(idOf(s)) !== shown) {
          last.set(idOf(s), shown);
          say(`${elapsed()} ${idOf(s)}  ${shown}`);
        }
      }
    }

    say("");
    say(
      `${"payment".padEnd(8)} ${"what".padEnd(30)} ${"amount".padStart(10)}  ${"expected".padEnd(27)} ${"got".padEnd(27)} ok`,
    );
    let allGood = true;
    for (const [i, s] of scenario.entries()) {
      const v = views.get(idOf(s));
      const r = results[i];
      const ok = matches(s, v, r);
      allGood &&= ok;
      const expected = `${s.expected.outcome}${s.expected.bankStatus ? ` ${s.expected.bankStatus}` : ""}`;
      const got =
        r?.status === "invalid" ? "refused" : v ? `${v.outcome}${v.bankStatus ? ` ${v.bankStatus}` : ""}` : "not found";
      say(
        `${idOf(s).padEnd(8)} ${s.label.padEnd(30)} ${String(s.payment["amount"]).padStart(10)}  ${expected.padEnd(27)} ${got.padEnd(27)} ${ok ? "yes" : "NO"}`,
      );
    }
    allGood &&= await demoBalanceHold(config, emulator, producer, say, elapsed, timeoutS * 1000);
    const ledger = emulator.ledger.snapshot();
    const requests = Object.entries(ledger.requests)
      .map(([route, c]) => `${route}: ${String(c.total)}`)
      .join(", ");
    const limited = Object.values(ledger.rateLimited).reduce((a, b) => a + b, 0);
    say("");
    say(
      `Emulator saw ${requests}; token calls ${String(ledger.tokens.calls)}; 429s ${String(limited)}; executions ${String(ledger.executions.total)}; keys executed twice ${String(ledger.executions.keysExecutedMoreThanOnce)}`,
    );
    const recon = await demoReconciliation(config);
    const debits = recon.accounts.reduce((n, a) => n + a.debits, 0);
    const matched = recon.rows.filter((r) => r.kind === "matched" && r.debitIds.length > 0).length;
    say(
      recon.findings === 0 && recon.complete
        ? `Reconciled with the bank's statement: ${String(debits)} Pix debits, each matched to its payment; nothing for a human (pixout reconcile)`
        : `RECONCILIATION FOUND ${String(recon.findings)} thing(s) for a human among ${String(debits)} debits (${String(matched)} matched)`,
    );
    allGood &&= recon.findings === 0 && recon.complete;
    say(
      `${allGood ? "Every payment ended as expected" : "SOME PAYMENTS DID NOT END AS EXPECTED"} in ${elapsed().trim()}.`,
    );
    return allGood;
  } finally {
    await producer.close();
    await worker.close();
    await removeQueueKeys(config.redis.target, config.redisPrefix);
    // The emulator's integration is the demo's alone: its budgets and token go too.
    await removeIntegrationKeys(config.redis.target, config.inter);
  }
}

export function registerDemoCommand(program: Command): void {
  program
    .command("demo")
    .description(
      "Run the emulator, a worker, 21 varied payments and a 30-payment payroll; exit 0 only if each ended as expected",
    )
    .option("--certs <dir>", "dev certificates (made when missing)", DEFAULT_DEV_CERT_DIR)
    .option("--timeout <seconds>", "give up after", positiveInteger, 120)
    .addHelpText(
      "after",
      `
Uses REDIS_URL (default redis://127.0.0.1:6379) — or the Sentinel set or cluster of REDIS_SENTINELS or
REDIS_CLUSTER_NODES —, or starts a private redis-server when nothing answers at REDIS_URL. Everything the demo writes to Redis is removed at the end. Inter's rate limits are kept, ${String(SCALE)}x faster.

Example:
  npm run demo`,
    )
    .action(async (flags: { certs: string; timeout: number }) => {
      const say: Say = (line) => {
        process.stdout.write(`${line}\n`);
      };
      const t0 = performance.now();
      const elapsed = (): string => {
        const tenths = Math.round((performance.now() - t0) / 100);
        return `${String(Math.trunc(tenths / 10))}.${String(tenths % 10)}s`.padStart(6);
      };
      const userEnv = readEnvironment();
      const redis = await demoRedis(loadQueueSettings(userEnv).redis.target, userEnv);
      let allGood = false;
      try {
        say(
          redis.private
            ? `Started a private Redis at ${redis.where} (nothing answered at REDIS_URL)`
            : `Redis at ${redis.where}`,
        );
        const { emulator, clientEnv } = await startDevEmulator(flags.certs, {
          limits: { scale: SCALE },
          timing: { sentAfterMs: 200, paidAfterMs: 800 },
          // The main account, and a payroll account short of money (the demo's second part).
          integration: { ...DEV_INTEGRATION, accounts: [...DEV_INTEGRATION.accounts, PAYROLL_ACCOUNT] },
          balanceCents: 50_000_00,
          balances: { [PAYROLL_ACCOUNT]: PAYROLL_BALANCE_CENTS },
          approval: { autoDecision: "approve", autoAfterMs: 1_500 },
          faults: [
            {
              method: "POST",
              path: "/banking/v2/pix",
              bodyIncludes: APPROVAL_MARKER,
              fault: { type: "approval-required" },
            },
            {
              method: "POST",
              path: "/banking/v2/pix",
              bodyIncludes: BANK_FAILURE_MARKER,
              fault: { type: "final-status", status: "FALHA" },
            },
          ],
          seed: 1,
        });
        try {
          say(`Inter emulator at ${emulator.url} (mTLS; Inter's limits ×${String(SCALE)})`);
          const { config } = loadConfig({
            ...clientEnv,
            ...redis.env,
            LOG_LEVEL: "error",
            INTER_ACCOUNT: DEV_INTEGRATION.accounts[0],
            INTER_SCOPES: "pagamento-pix.write pagamento-pix.read extrato.read",
            PIXOUT_BALANCE_PER_MINUTE: String(10 * SCALE),
            PIXOUT_BALANCE_CHECK_SECONDS: "1",
            PIXOUT_BALANCE_CHECK_MAX_SECONDS: "2",
            PIXOUT_QUEUE: "pix-payouts-demo",
            PIXOUT_REDIS_PREFIX: `pixout-demo-${randomUUID().slice(0, 8)}`,
            PIXOUT_SEND_PER_MINUTE: String(60 * SCALE),
            PIXOUT_SEND_MIN_INTERVAL_MS: String(1000 / SCALE),
            // Production's margin in absolute terms (2 % of Inter's 1 s = 20 ms): 2 % of the ×10 interval would
            // be 2 ms, less than the event-loop jitter of this one process (worker and emulator together) on a
            // busy machine, and a 429 would measure the machine, not the budgets.
            PIXOUT_LIMIT_MARGIN_PERCENT: String(2 * SCALE),
            PIXOUT_STATUS_PER_MINUTE: String(20 * SCALE),
            PIXOUT_TOKEN_PER_MINUTE: String(5 * SCALE),
            PIXOUT_FIRST_POLL_MS: "500",
            PIXOUT_POLL_CAP_MS: "2000",
            PIXOUT_APPROVAL_POLL_MS: "1000",
            PIXOUT_SHUTDOWN_TIMEOUT_MS: "3000",
          });
          allGood = await runPayments(config, emulator, flags.timeout, say, elapsed);
        } finally {
          await emulator.close();
        }
      } finally {
        await redis.stop();
      }
      if (!allGood) process.exitCode = EXIT.failed;
    });
}
