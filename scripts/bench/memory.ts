// Phase (c), last part, of `npm run bench`: the worker's resident memory while 100,000 payments wait in its
// queue (the bank's production limits, so the backlog stays): a worker must not hold the backlog in memory.
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { freePort } from "../../src/cli/demo/redis-server.js";
import { bullPrefix } from "../../src/queue/names.js";
import { createPayoutProducer } from "../../src/queue/producer/producer.js";
import { rssMb, startEmulatorProcess, startWorkerProcess, workerEnv } from "./support.js";

export interface MemoryResult {
  queued: number;
  enqueueSeconds: number;
  workerRssMb: { max: number; last: number };
  /** V8's heap in use (live objects and garbage not yet collected), from the worker's own /metrics. */
  workerHeapMb: { max: number; last: number };
  sampledSeconds: number;
}

/** The worker's V8 heap in use, in MB, from its Prometheus endpoint (prom-client's process metrics). */
async function heapUsedMb(url: string): Promise<number> {
  try {
    const text = await (await fetch(url)).text();
    const line = text.split("\n").find((l) => l.startsWith("nodejs_heap_size_used_bytes "));
    return Number(line?.split(" ")[1] ?? Number.NaN) / 2 ** 20;
  } catch {
    return Number.NaN; // not listening yet
  }
}

export async function workerMemory(opts: {
  certDir: string;
  redisUrl: string;
  queued: number;
  seconds: number;
}): Promise<MemoryResult> {
  const emulator = await startEmulatorProcess(opts.certDir, { limits: {}, timing: {} });
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  const redis = new Redis(opts.redisUrl);
  const queue = new Queue("bench", { connection: redis, prefix: bullPrefix(prefix) });
  try {
    const producer = createPayoutProducer({ connection: opts.redisUrl, queueName: "bench", redisPrefix: prefix });
    const t0 = Date.now();
    for (let i = 0; i < opts.queued; i += 1000) {
      const batch = Array.from({ length: Math.min(1000, opts.queued - i) }, (_, j) => ({
        paymentId: `mem-${String(i + j)}`,
        amount: "1.00",
        recipient: { type: "key" as const, key: "fornecedor@example.com" },
      }));
      await producer.enqueueMany(batch);
    }
    const enqueueSeconds = (Date.now() - t0) / 1000;
    await producer.close();
    const metricsPort = await freePort();
    const worker = startWorkerProcess({
      PIXOUT_METRICS_PORT: String(metricsPort),
      ...workerEnv(opts.certDir, emulator.url, opts.redisUrl, prefix, {
        send: 60,
        sendMinIntervalMs: 1000,
        status: 20,
        token: 5,
        firstPollMs: 2000,
        pollCapMs: 60_000,
        webhookPollMs: 300_000,
        concurrency: 8,
      }),
    });
    const rss = { max: 0, last: 0 };
    const heap = { max: 0, last: 0 };
    const started = Date.now();
    while (Date.now() - started < opts.seconds * 1000) {
      await sleep(500);
      rss.last = rssMb(worker.pid);
      rss.max = Math.max(rss.max, rss.last);
      const used = await heapUsedMb(`http://127.0.0.1:${String(metricsPort)}/metrics`);
      if (Number.isFinite(used)) {
        heap.last = used;
        heap.max = Math.max(heap.max, used);
      }
    }
    await worker.stop();
    return {
      queued: opts.queued,
      enqueueSeconds,
      workerRssMb: rss,
      workerHeapMb: heap,
      sampledSeconds: opts.seconds,
    };
  } finally {
    await queue.obliterate({ force: true, count: 5000 }).catch(() => undefined);
    await queue.close();
    redis.disconnect();
    await emulator.stop();
  }
}
