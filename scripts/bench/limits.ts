// Phase (a) of `npm run bench`: how well the fleet uses Inter's limits. The emulator enforces Inter's
// production limits × scale; a backlog is drained by 1, then 4 worker processes, with Inter's webhook on
// and off. Rates are per bank minute (measured ÷ scale), comparable with Inter's 60 sends a minute.
import { randomUUID, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import type { Agent } from "undici";
import { request } from "undici";
import { loadConfig } from "../../src/config.js";
import { freePort } from "../../src/cli/demo/redis-server.js";
import type { EmulatedPaymentView } from "../../src/emulator/emulator.js";
import { createBank } from "../../src/inter/bank.js";
import { createLogger, SecretRegistry } from "../../src/logger.js";
import { bullPrefix, jobIdFor } from "../../src/queue/names.js";
import { createPayoutProducer } from "../../src/queue/producer/producer.js";
import { devCertPaths } from "../../src/tls/dev-certs.js";
import { createCallbackStore } from "../../src/inter-callbacks/callback-store.js";
import { startWebhookReceiver } from "../../src/inter-callbacks/receiver.js";
import {
  clientAgent,
  finishTimes,
  percentile,
  startEmulatorProcess,
  startWorkerProcess,
  steadyRate,
  waitFinished,
  workerEnv,
  type WorkerProcess,
} from "./support.js";

/** Bank time from the send to PAGO (a guess at Inter's usual; UNVERIFIED). */
export const BANK_SETTLES_MS = 2_000;

export interface LimitsRun {
  workers: number;
  /** Payments stuck awaiting approval while the backlog drains (their polls are low priority). */
  stuck: number;
  webhooks: boolean;
  payments: number;
  paid: number;
  /** Sends per second in the steady part ÷ the configured send limit (60/min × scale). */
  sendEfficiency: number;
  rateLimited: number;
  /** Route → 429s, when there were any. */
  rateLimitedByRoute: Record<string, number>;
  tokenCalls: number;
  statusQueriesPerPayment: number;
  finishedPerBankMinute: number;
  /** Real ms from the bank's PAGO to the job's completion. */
  paidToDoneMs: { p50: number; max: number };
  /** Share of pairs of payments finished in the other order than they were sent (0 = strictly oldest first). */
  outOfOrder: number;
  /**
   * From the fleet's rate gate letting a send go to its request leaving the socket, over every worker
   * (pixout_bank_gate_to_socket_seconds; the figure is the upper bound of the histogram bucket), in ms.
   */
  gateToSocketMs: { p50: number; p99: number; count: number };
  seconds: number;
}

const logger = createLogger({ level: "warn", name: "bench" });

async function emulatedPayments(
  agent: Agent,
  url: string,
  codigos: string[],
): Promise<Map<string, EmulatedPaymentView>> {
  const views = new Map<string, EmulatedPaymentView>();
  for (const codigo of codigos) {
    const res = await request(`${url}/_emulator/payments/${codigo}`, { dispatcher: agent });
    if (res.statusCode === 200) views.set(codigo, (await res.body.json()) as EmulatedPaymentView);
    else await res.body.dump();
  }
  return views;
}

function inversions(pairs: { sent: number; done: number }[]): number {
  const bySend = [...pairs].sort((a, b) => a.sent - b.sent);
  let inverted = 0;
  let total = 0;
  for (let i = 0; i < bySend.length; i++) {
    for (let j = i + 1; j < bySend.length; j++) {
      total++;
      if ((bySend[j]?.done ?? 0) < (bySend[i]?.done ?? 0)) inverted++;
    }
  }
  return total === 0 ? 0 : inverted / total;
}

async function scrapeMetrics(port: number): Promise<string> {
  const res = await request(`http://127.0.0.1:${String(port)}/metrics`);
  return res.body.text();
}

/** p50 and p99 of the sends' gate-to-socket histogram, summed over the workers' scrapes (bucket upper bounds). */
function gapQuantiles(scrapes: string[]): { p50: number; p99: number; count: number } {
  const buckets = new Map<number, number>();
  const line = /^pixout_bank_gate_to_socket_seconds_bucket\{le="([^"]+)",operation="send-pix"\} (\d+)/;
  for (const text of scrapes) {
    for (const l of text.split("\n")) {
      const m = line.exec(l);
      if (!m) continue;
      const le = m[1] === "+Inf" ? Infinity : Number(m[1]);
      buckets.set(le, (buckets.get(le) ?? 0) + Number(m[2]));
    }
  }
  const sorted = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
  const count = sorted.at(-1)?.[1] ?? 0;
  const at = (q: number): number => (sorted.find(([, n]) => n >= q * count)?.[0] ?? NaN) * 1000;
  return { p50: at(0.5), p99: at(0.99), count };
}

export async function limitsRun(opts: {
  certDir: string;
  redisUrl: string;
  scale: number;
  payments: number;
  workers: number;
  webhooks: boolean;
  /** Payments stuck awaiting an approval nobody gives, queued (and polled) before the backlog. */
  stuck?: number;
}): Promise<LimitsRun> {
  const { certDir, redisUrl, scale, payments } = opts;
  const emulator = await startEmulatorProcess(certDir, {
    limits: { scale },
    timing: { sentAfterMs: 100 / scale, paidAfterMs: BANK_SETTLES_MS / scale },
    callbackRetryScale: 1 / scale,
  });
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  const env = workerEnv(certDir, emulator.url, redisUrl, prefix, {
    send: 60 * scale,
    sendMinIntervalMs: Math.ceil(1000 / scale),
    status: 20 * scale,
    token: 5 * scale,
    firstPollMs: Math.ceil(2_000 / scale),
    pollCapMs: Math.ceil(60_000 / scale),
    webhookPollMs: Math.ceil(300_000 / scale),
    concurrency: 16,
  });
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue("bench", { connection: redis, prefix: bullPrefix(prefix) });
  const paths = devCertPaths(certDir);
  const read = (p: string): string => readFileSync(p, "utf8");
  const receiver = opts.webhooks
    ? await startWebhookReceiver({
        host: "127.0.0.1",
        port: 0,
        path: "/inter/pix-pagamento",
        tls: { cert: read(paths.serverCert), key: read(paths.serverKey), clientCa: read(paths.caCert) },
        // Pinned, as in production: the emulator's callback identity stands for Inter's certificate.
        clientFingerprints: [new X509Certificate(read(paths.callbackCert)).fingerprint256.replace(/:/g, "")],
        redis,
        redisPrefix: prefix,
        queueName: "bench",
        store: createCallbackStore(redis, prefix, "bench"),
        logger,
      })
    : undefined;
  if (receiver) {
    const { config } = loadConfig(env);
    const admin = createBank({ settings: config.inter, logger, secrets: new SecretRegistry() });
    await admin.client.registerWebhook(receiver.url.replace("127.0.0.1", "localhost"));
    await admin.close();
  }
  const producer = createPayoutProducer({ connection: redisUrl, queueName: "bench", redisPrefix: prefix });
  const ids = Array.from({ length: payments }, (_, i) => `limits-${String(i)}`);
  const ports = await Promise.all(Array.from({ length: opts.workers }, () => freePort()));
  const stuck = opts.stuck ?? 0;
  let workers: WorkerProcess[] = [];
  if (stuck > 0) {
    // The stuck ones first: sent, then polled while they await an approval that never comes.
    await emulator.addFault({
      method: "POST",
      path: "/banking/v2/pix",
      bodyIncludes: "stuck-",
      fault: { type: "approval-required" },
    });
    workers = ports.map((port) => startWorkerProcess({ ...env, PIXOUT_METRICS_PORT: String(port) }));
    const stuckIds = Array.from({ length: stuck }, (_, i) => `stuck-${String(i)}`);
    await producer.enqueueMany(
      stuckIds.map((paymentId) => ({
        paymentId,
        amount: "1.00",
        description: paymentId,
        recipient: { type: "key" as const, key: "fornecedor@example.com" },
      })),
    );
    for (;;) {
      const views = await Promise.all(stuckIds.map((id) => producer.get(id)));
      if (views.every((v) => v?.bankStatus === "AGUARDANDO_APROVACAO")) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  await producer.enqueueMany(
    ids.map((paymentId) => ({
      paymentId,
      amount: "1.00",
      recipient: { type: "key" as const, key: "fornecedor@example.com" },
    })),
  );
  const before = await emulator.ledger();
  const started = Date.now();
  if (stuck === 0) workers = ports.map((port) => startWorkerProcess({ ...env, PIXOUT_METRICS_PORT: String(port) }));
  // (The stuck ones never finish: only the backlog counts.)
  await waitFinished(queue, payments, 60 * 60_000);
  const seconds = (Date.now() - started) / 1000;
  const gateToSocketMs = gapQuantiles(await Promise.all(ports.map((port) => scrapeMetrics(port))));
  await Promise.all(workers.map((w) => w.stop()));
  const after = await emulator.ledger();

  const views = await Promise.all(ids.map((id) => producer.get(id)));
  const done = await finishTimes(queue);
  const agent = clientAgent(certDir, 1);
  const bank = await emulatedPayments(
    agent,
    emulator.url,
    views.map((v) => v?.codigoSolicitacao ?? "").filter(Boolean),
  );
  await agent.close();
  const sentTimes: number[] = [];
  const paidToDone: number[] = [];
  const order: { sent: number; done: number }[] = [];
  for (const view of views) {
    const b = bank.get(view?.codigoSolicitacao ?? "");
    const finished = done.get(jobIdFor(view?.paymentId ?? ""));
    if (!b || finished === undefined) continue;
    const sent = Date.parse(b.createdAt);
    sentTimes.push(sent);
    order.push({ sent, done: finished });
    const paidAt = b.history.find((h) => h.status === "PAGO")?.at;
    if (paidAt !== undefined) paidToDone.push(finished - Date.parse(paidAt));
  }
  const diff = (route: string): number => (after.requests[route]?.total ?? 0) - (before.requests[route]?.total ?? 0);
  const sum = (o: Record<string, number>): number => Object.values(o).reduce((a, b) => a + b, 0);
  const result: LimitsRun = {
    workers: opts.workers,
    stuck,
    webhooks: opts.webhooks,
    payments,
    paid: views.filter((v) => v?.outcome === "paid").length,
    sendEfficiency: steadyRate(sentTimes) / ((60 * scale) / 60),
    rateLimited: sum(after.rateLimited) - sum(before.rateLimited),
    rateLimitedByRoute: Object.fromEntries(
      Object.entries(after.rateLimited)
        .map(([route, n]): [string, number] => [route, n - (before.rateLimited[route] ?? 0)])
        .filter(([, n]) => n > 0),
    ),
    tokenCalls: after.tokens.calls - before.tokens.calls,
    statusQueriesPerPayment: diff("GET /banking/v2/pix/{id}") / payments,
    finishedPerBankMinute: (steadyRate([...done.values()]) * 60) / scale,
    paidToDoneMs: { p50: percentile(paidToDone, 0.5), max: percentile(paidToDone, 1) },
    outOfOrder: inversions(order),
    gateToSocketMs,
    seconds,
  };
  await producer.close();
  await receiver?.close();
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  redis.disconnect();
  await emulator.stop();
  return result;
}
