// Phase (b) and (c) of `npm run bench`: the pipeline's own ceiling with the bank's limits lifted and instant
// settlement, side by side with a raw undici loop and a naive per-payment client against the same emulator
// process, and what a payment costs the worker (CPU, Redis commands, TLS handshakes, Redis memory).
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { request, type Agent } from "undici";
import { DEV_INTEGRATION } from "../../src/emulator/emulator.js";
import { pixRequestBody } from "../../src/payments/pix-request.js";
import { bullPrefix } from "../../src/queue/names.js";
import { createPayoutProducer } from "../../src/queue/producer/producer.js";
import {
  clientAgent,
  cpuMs,
  finishTimes,
  redisCommandCalls,
  redisCommandCount,
  redisUsedMemory,
  startEmulatorProcess,
  startWorkerProcess,
  steadyRate,
  waitFinished,
  workerEnv,
  type EmulatorProcess,
} from "./support.js";

const UNLIMITED = {
  token: 0,
  send: 0,
  sendPerSecond: 0,
  status: 0,
  webhook: 0,
  callbacks: 0,
  callbackRetry: 0,
  statement: 0,
  balance: 0,
};
const BODY = pixRequestBody({ amountCents: 100, recipient: { type: "key", key: "fornecedor@example.com" } });

export interface CapacityResult {
  concurrency: number;
  ours: {
    payments: number;
    perSecond: number;
    cpuMsPerPayment: number;
    redisCommandsPerPayment: number;
    tlsHandshakesPerPayment: number;
    redisBytesPerFinishedPayment: number;
    /** Commands per payment by name, the most called first (those under 0.05 left out). */
    redisCommandsByName: { name: string; perPayment: number }[];
  };
  raw: { payments: number; perSecond: number };
  naive: { payments: number; perSecond: number };
}

async function token(agent: Agent, url: string): Promise<string> {
  const res = await request(`${url}/oauth/v2/token`, {
    method: "POST",
    dispatcher: agent,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      client_id: DEV_INTEGRATION.clientId,
      client_secret: DEV_INTEGRATION.clientSecret,
      grant_type: "client_credentials",
      scope: "pagamento-pix.write pagamento-pix.read",
    }).toString(),
  });
  return ((await res.body.json()) as { access_token: string }).access_token;
}

/** One payment the raw way: send, then one status query. */
async function pay(agent: Agent, url: string, bearer: string): Promise<void> {
  const sent = await request(`${url}/banking/v2/pix`, {
    method: "POST",
    dispatcher: agent,
    headers: {
      authorization: `Bearer ${bearer}`,
      "content-type": "application/json",
      "x-id-idempotente": randomUUID(),
    },
    body: BODY,
  });
  if (sent.statusCode !== 200) throw new Error(`send answered ${String(sent.statusCode)}`);
  const { codigoSolicitacao } = (await sent.body.json()) as { codigoSolicitacao: string };
  const status = await request(`${url}/banking/v2/pix/${codigoSolicitacao}`, {
    dispatcher: agent,
    headers: { authorization: `Bearer ${bearer}` },
  });
  await status.body.dump();
}

/** `count` payments by `concurrency` loops; the rate over the steady part of the finish times. */
async function drive(count: number, concurrency: number, one: () => Promise<void>): Promise<number> {
  const finished: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        await one();
        finished.push(Date.now());
      }
    }),
  );
  return steadyRate(finished);
}

/** How many payments the worker runs before the measure starts (its start-up and V8's warm-up are not a payment's cost). */
const WARM_UP = 200;

async function ours(
  certDir: string,
  redisUrl: string,
  emulator: EmulatorProcess,
  count: number,
  concurrency: number,
): Promise<CapacityResult["ours"]> {
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  const redis = new Redis(redisUrl);
  const queue = new Queue("bench", { connection: redis, prefix: bullPrefix(prefix) });
  const producer = createPayoutProducer({ connection: redisUrl, queueName: "bench", redisPrefix: prefix });
  const enqueue = async (ids: string[]): Promise<void> => {
    for (let i = 0; i < ids.length; i += 1000) {
      await producer.enqueueMany(
        ids.slice(i, i + 1000).map((paymentId) => ({
          paymentId,
          amount: "1.00",
          recipient: { type: "key" as const, key: "fornecedor@example.com" },
        })),
      );
    }
  };
  const big = 1_000_000;
  const worker = startWorkerProcess(
    workerEnv(certDir, emulator.url, redisUrl, prefix, {
      send: big,
      sendMinIntervalMs: 0,
      status: big,
      token: big,
      firstPollMs: 1,
      pollCapMs: 50,
      webhookPollMs: 50,
      concurrency,
    }),
  );
  // A warm-up batch, then the measured one enqueued while the queue is paused: the measure covers the whole
  // drain of the batch, every run of every payment (measuring from the first payment finished instead
  // leaves out the sends made before it, when payments take two runs).
  await enqueue(Array.from({ length: WARM_UP }, (_, i) => `warm-${String(i)}`));
  await waitFinished(queue, WARM_UP, 120_000);
  await queue.pause();
  const memoryBefore = await redisUsedMemory(redis);
  await enqueue(Array.from({ length: count }, (_, i) => `cap-${String(i)}`));
  await producer.close();
  // What one progress check costs in Redis, to take the checks out of the count.
  const probe0 = await redisCommandCount(redis);
  await queue.getJobCounts("completed", "failed");
  const perCheck = (await redisCommandCount(redis)) - probe0 - 1;
  let checks = 0;
  const completed = async (): Promise<number> => {
    checks++;
    const c = await queue.getJobCounts("completed", "failed");
    return (c["completed"] ?? 0) + (c["failed"] ?? 0);
  };
  const cpu0 = cpuMs(worker.pid);
  const commands0 = await redisCommandCount(redis);
  const calls0 = await redisCommandCalls(redis);
  const ledger0 = await emulator.ledger();
  const started = Date.now();
  await queue.resume();
  while ((await completed()) < WARM_UP + count) await sleep(100);
  const cpu1 = cpuMs(worker.pid);
  const commands1 = await redisCommandCount(redis);
  const calls1 = await redisCommandCalls(redis);
  const ledger1 = await emulator.ledger();
  // The progress checks' own commands are in these (a few per 100 ms): the total below takes them out.
  const byCommand = [...calls1]
    .map(([name, n]) => ({ name, perPayment: (n - (calls0.get(name) ?? 0)) / count }))
    .filter((c) => c.perPayment >= 0.05)
    .sort((a, b) => b.perPayment - a.perPayment);
  const memoryAfter = await redisUsedMemory(redis);
  const times = [...(await finishTimes(queue))].filter(([id]) => id.startsWith("payment-cap-")).map(([, t]) => t);
  await worker.stop();
  const handshakes = (l: typeof ledger0): number => l.tls.handshakes.full + l.tls.handshakes.resumed;
  const result = {
    payments: count,
    perSecond: (count * 1000) / (Math.max(...times) - started),
    cpuMsPerPayment: (cpu1 - cpu0) / count,
    // The resume and the snapshots' own INFO calls are taken out too.
    redisCommandsPerPayment: (commands1 - commands0 - checks * (perCheck + 1) - 4) / count,
    tlsHandshakesPerPayment: (handshakes(ledger1) - handshakes(ledger0)) / count,
    redisBytesPerFinishedPayment: (memoryAfter - memoryBefore) / count,
    redisCommandsByName: byCommand,
  };
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  redis.disconnect();
  return result;
}

export async function capacity(opts: {
  certDir: string;
  redisUrl: string;
  payments: number;
  naivePayments: number;
  concurrency: number;
}): Promise<CapacityResult> {
  const emulator = await startEmulatorProcess(opts.certDir, {
    limits: UNLIMITED,
    timing: { sentAfterMs: 0, paidAfterMs: 0 },
  });
  try {
    const oursResult = await ours(opts.certDir, opts.redisUrl, emulator, opts.payments, opts.concurrency);
    const agent = clientAgent(opts.certDir, opts.concurrency);
    const bearer = await token(agent, emulator.url);
    const raw = await drive(opts.payments, opts.concurrency, () => pay(agent, emulator.url, bearer));
    await agent.close();
    // The tutorial client: a new TLS connection and a new token for every payment.
    const naive = await drive(opts.naivePayments, opts.concurrency, async () => {
      const fresh = clientAgent(opts.certDir, 1);
      try {
        await pay(fresh, emulator.url, await token(fresh, emulator.url));
      } finally {
        await fresh.close();
      }
    });
    return {
      concurrency: opts.concurrency,
      ours: oursResult,
      raw: { payments: opts.payments, perSecond: raw },
      naive: { payments: opts.naivePayments, perSecond: naive },
    };
  } finally {
    await emulator.stop();
  }
}
