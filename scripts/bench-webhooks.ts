// Webhooks on vs off, at Inter's real limits scaled in time (issue #6 §1 "Measure").
//
//   npm run bench:webhooks -- [--scale 10] [--payments 200] [--json]
//
// The emulator enforces Inter's production limits × scale (send 60/min and 1/s, status 20/min, token
// 5/min), settles each payment 2 s (bank time) after it is sent, and — in the "on" run — calls a real
// `pixout webhook serve` receiver over mTLS. One worker process drains a backlog with budgets equal to
// the scaled limits. Rates are reported per *bank* minute (measured rate ÷ scale), so they compare with
// Inter's 60 sends and 20 status queries a minute. Latency is real time, from the moment the bank
// reached PAGO to the job completing. Uses REDIS_URL (default 127.0.0.1:6379) with a prefix of its own,
// removed afterwards.
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { loadConfig, readEnvironment } from "../src/config.js";
import { DEV_INTEGRATION, startEmulator, type Emulator } from "../src/emulator/emulator.js";
import { createBank } from "../src/inter/bank.js";
import { createLogger, SecretRegistry } from "../src/logger.js";
import { removeQueueKeys } from "../src/queue/cleanup.js";
import { bullPrefix, jobIdFor } from "../src/queue/names.js";
import { createPayoutProducer } from "../src/queue/producer.js";
import { startPayoutWorker } from "../src/queue/worker.js";
import { devCertPaths, writeDevCertificates } from "../src/tls/dev-certs.js";
import { createCallbackStore } from "../src/webhook/callback-store.js";
import { startWebhookReceiver } from "../src/webhook/receiver.js";

const { values: args } = parseArgs({
  options: {
    scale: { type: "string", default: "10" },
    payments: { type: "string", default: "200" },
    json: { type: "boolean", default: false },
  },
});
const scale = Number(args.scale);
const count = Number(args.payments);
if (!(scale > 0) || !(count > 1)) throw new Error("--scale must be > 0 and --payments > 1");

const redisUrl = readEnvironment()["REDIS_URL"] ?? "redis://127.0.0.1:6379";
const logger = createLogger({ level: readEnvironment()["BENCH_LOG"] === "debug" ? "debug" : "warn", name: "bench-webhooks" });
const BANK_SETTLES_MS = 2_000; // bank time from sent to PAGO (a guess at Inter's usual; UNVERIFIED)

interface RunResult {
  webhooks: "on" | "off";
  payments: number;
  paid: number;
  /** Finished payments per bank minute, between the 10th and the 90th percentile of completions. */
  finishedPerBankMinute: number;
  sendsPerBankMinute: number;
  statusQueriesPerPayment: number;
  rateLimited: number;
  /** Route → 429s given by the emulator's limits during the run. */
  rateLimitedByRoute: Record<string, number>;
  tokenCalls: number;
  /** Real milliseconds from the bank's PAGO to the job's completion. */
  latencyMs: { p50: number; p90: number; max: number };
  seconds: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

async function run(webhooks: boolean, certDir: string): Promise<RunResult> {
  const paths = devCertPaths(certDir);
  const read = (p: string): string => readFileSync(p, "utf8");
  const emulator: Emulator = await startEmulator({
    tls: { cert: read(paths.serverCert), key: read(paths.serverKey), ca: read(paths.caCert), callbackCert: read(paths.callbackCert), callbackKey: read(paths.callbackKey), callbackCa: read(paths.caCert) },
    limits: { scale },
    timing: { sentAfterMs: 100 / scale, paidAfterMs: BANK_SETTLES_MS / scale },
    callbackRetryScale: 1 / scale,
    logger,
  });
  const prefix = `pixout-bench-${randomUUID().slice(0, 8)}`;
  const per = (n: number): string => String(Math.floor(n * scale));
  const env = {
    REDIS_URL: redisUrl,
    PIXOUT_REDIS_PREFIX: prefix,
    PIXOUT_QUEUE: "bench",
    INTER_BASE_URL: emulator.url,
    INTER_CLIENT_ID: DEV_INTEGRATION.clientId,
    INTER_CLIENT_SECRET: DEV_INTEGRATION.clientSecret,
    INTER_CERT_FILE: paths.clientCert,
    INTER_KEY_FILE: paths.clientKey,
    INTER_CA_FILE: paths.caCert,
    LOG_LEVEL: "warn",
    PIXOUT_CONCURRENCY: "16",
    PIXOUT_SEND_PER_MINUTE: per(60),
    PIXOUT_SEND_MIN_INTERVAL_MS: String(Math.ceil(1000 / scale)),
    PIXOUT_STATUS_PER_MINUTE: per(20),
    PIXOUT_TOKEN_PER_MINUTE: per(5),
    PIXOUT_FIRST_POLL_MS: String(Math.ceil(2_000 / scale)),
    PIXOUT_POLL_CAP_MS: String(Math.ceil(60_000 / scale)),
    PIXOUT_WEBHOOK_POLL_MS: String(Math.ceil(300_000 / scale)),
  };
  const { config } = loadConfig(env);
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const receiver = webhooks
    ? await startWebhookReceiver({
        host: "127.0.0.1",
        port: 0,
        path: "/inter/pix-pagamento",
        tls: { cert: read(paths.serverCert), key: read(paths.serverKey), clientCa: read(paths.caCert) },
        redis,
        redisPrefix: prefix,
        queueName: config.queueName,
        store: createCallbackStore(redis, prefix, config.queueName),
        logger,
      })
    : undefined;
  if (receiver) {
    const secrets = new SecretRegistry();
    const admin = createBank({ settings: config.inter, logger, secrets });
    await admin.client.registerWebhook(receiver.url.replace("127.0.0.1", "localhost"));
    await admin.close();
  }
  const producer = createPayoutProducer({ connection: redisUrl, queueName: config.queueName, redisPrefix: prefix });
  const ids = Array.from({ length: count }, (_, i) => `bench-${String(i)}`);
  await producer.enqueueMany(ids.map((paymentId) => ({ paymentId, amount: "1.00", recipient: { type: "key" as const, key: "fornecedor@example.com" } })));
  const before = emulator.ledger.snapshot();
  const started = Date.now();
  const worker = startPayoutWorker({ config, logger, secrets: new SecretRegistry() });
  const views = await Promise.all(ids.map((id) => producer.waitForResult(id, { timeoutMs: 30 * 60_000 })));
  const seconds = (Date.now() - started) / 1000;
  await worker.close();
  const after = emulator.ledger.snapshot();

  const queue = new Queue(config.queueName, { connection: redis, prefix: bullPrefix(prefix) });
  const finished: number[] = [];
  const latencies: number[] = [];
  for (const view of views) {
    const job = await queue.getJob(jobIdFor(view.paymentId));
    const done = job?.finishedOn;
    if (done === undefined) continue;
    finished.push(done);
    const paidAt = emulator.payment(view.codigoSolicitacao ?? "")?.history.find((h) => h.status === "PAGO")?.at;
    if (paidAt !== undefined) latencies.push(done - Date.parse(paidAt));
  }
  finished.sort((a, b) => a - b);
  latencies.sort((a, b) => a - b);
  const lo = percentile(finished, 0.1);
  const hi = percentile(finished, 0.9);
  const steadyPerMs = (Math.floor(0.9 * finished.length) - Math.floor(0.1 * finished.length)) / Math.max(1, hi - lo);
  const count429 = Object.values(after.rateLimited).reduce((a, b) => a + b, 0) - Object.values(before.rateLimited).reduce((a, b) => a + b, 0);
  const sends = (after.requests["POST /banking/v2/pix"]?.total ?? 0) - (before.requests["POST /banking/v2/pix"]?.total ?? 0);
  const statuses = (after.requests["GET /banking/v2/pix/{id}"]?.total ?? 0) - (before.requests["GET /banking/v2/pix/{id}"]?.total ?? 0);
  const result: RunResult = {
    webhooks: webhooks ? "on" : "off",
    payments: count,
    paid: views.filter((v) => v.outcome === "paid").length,
    finishedPerBankMinute: Math.round((steadyPerMs * 60_000) / scale),
    sendsPerBankMinute: Math.round((sends / seconds) * 60 / scale),
    statusQueriesPerPayment: Number((statuses / count).toFixed(3)),
    rateLimited: count429,
    rateLimitedByRoute: Object.fromEntries(
      Object.entries(after.rateLimited)
        .map(([k, v]): [string, number] => [k, v - (before.rateLimited[k] ?? 0)])
        .filter(([, v]) => v > 0),
    ),
    tokenCalls: after.tokens.calls - before.tokens.calls,
    latencyMs: { p50: percentile(latencies, 0.5), p90: percentile(latencies, 0.9), max: latencies.at(-1) ?? Number.NaN },
    seconds: Number(seconds.toFixed(1)),
  };
  await queue.close();
  await producer.close();
  await receiver?.close();
  redis.disconnect();
  await emulator.close();
  await removeQueueKeys(redisUrl, prefix);
  return result;
}

const certDir = mkdtempSync(join(tmpdir(), "pixout-bench-webhooks-"));
try {
  await writeDevCertificates(certDir);
  const results = [await run(true, certDir), await run(false, certDir)];
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ scale, bankSettlesMs: BANK_SETTLES_MS, results })}\n`);
  } else {
    process.stdout.write(`Inter's limits × ${String(scale)} (rates per bank minute), ${String(count)} payments, bank settles ${String(BANK_SETTLES_MS)} ms (bank time) after the send\n`);
    process.stdout.write("webhooks  paid  finished/min  sends/min  status/payment  429s  tokens  PAGO→done p50/p90/max (real ms)  seconds\n");
    for (const r of results) {
      process.stdout.write(
        `${r.webhooks.padEnd(8)}  ${String(r.paid).padStart(4)}  ${String(r.finishedPerBankMinute).padStart(12)}  ${String(r.sendsPerBankMinute).padStart(9)}  ${String(r.statusQueriesPerPayment).padStart(14)}  ${String(r.rateLimited).padStart(4)}  ${String(r.tokenCalls).padStart(6)}  ${`${String(Math.round(r.latencyMs.p50))}/${String(Math.round(r.latencyMs.p90))}/${String(Math.round(r.latencyMs.max))}`.padStart(31)}  ${String(r.seconds).padStart(7)}\n`,
      );
    }
  }
} finally {
  rmSync(certDir, { recursive: true, force: true });
}
