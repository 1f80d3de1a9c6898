// What the phases of `npm run bench` share: the emulator and workers as processes of their own, the
// emulator's ledger over mTLS, /proc figures of a process, Redis' own counters.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { Agent, request } from "undici";
import {
  DEV_INTEGRATION,
  type EmulatorOptions,
  type FaultRule,
  type LedgerSnapshot,
} from "../../src/emulator/emulator.js";
import { devCertPaths } from "../../src/tls/dev-certs.js";

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const bin = here("../../bin/pixout.js");

export interface EmulatorProcess {
  url: string;
  pid: number;
  ledger(): Promise<LedgerSnapshot>;
  /** Adds a fault rule through the emulator's admin route. */
  addFault(rule: FaultRule): Promise<void>;
  stop(): Promise<void>;
}

/** An mTLS agent with the dev client identity (the emulator's admin routes and the raw/naive clients). */
export function clientAgent(certDir: string, connections?: number): Agent {
  const paths = devCertPaths(certDir);
  return new Agent({
    connect: {
      cert: readFileSync(paths.clientCert),
      key: readFileSync(paths.clientKey),
      ca: readFileSync(paths.caCert),
    },
    ...(connections === undefined ? {} : { connections }),
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}

export async function startEmulatorProcess(
  certDir: string,
  options: { limits: EmulatorOptions["limits"]; timing: EmulatorOptions["timing"]; callbackRetryScale?: number },
): Promise<EmulatorProcess> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", here("./emulator-process.ts"), JSON.stringify({ certDir, ...options })],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const lines = createInterface({ input: child.stdout });
  let url: string | undefined;
  for await (const line of lines) {
    if (line.startsWith("READY ")) {
      url = line.slice("READY ".length).replace("127.0.0.1", "localhost");
      break;
    }
  }
  if (url === undefined) throw new Error("the emulator process did not start");
  const agent = clientAgent(certDir, 1);
  const base = url;
  return {
    url: base,
    pid: child.pid ?? 0,
    async ledger() {
      const res = await request(`${base}/_emulator/ledger`, { dispatcher: agent });
      return (await res.body.json()) as LedgerSnapshot;
    },
    async addFault(rule) {
      const res = await request(`${base}/_emulator/faults`, {
        dispatcher: agent,
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(rule),
      });
      await res.body.dump();
      if (res.statusCode !== 201)
        throw new Error(`the emulator refused the fault rule: HTTP ${String(res.statusCode)}`);
    },
    async stop() {
      await agent.close();
      await stopChild(child);
    },
  };
}

export interface WorkerProcess {
  pid: number;
  stop(): Promise<void>;
}

/** Set by `--cpu-prof`: workers write V8 CPU profiles there (open them in Chrome DevTools). */
export const profiling: { dir?: string } = {};

export function startWorkerProcess(env: Record<string, string>): WorkerProcess {
  const prof = profiling.dir === undefined ? [] : ["--cpu-prof", "--cpu-prof-dir", profiling.dir];
  // BENCH_NODE_FLAGS: V8 flags for the worker processes, to see what their memory is made of (e.g.
  // `--max-old-space-size=96`: a worker that keeps running inside it holds less than that live).
  // eslint-disable-next-line no-restricted-properties -- a maintainer's switch of the benchmark
  const flags = (process.env["BENCH_NODE_FLAGS"] ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...flags, ...prof, bin, "worker"], {
    env: { PATH: process.env["PATH"] ?? "", ...env }, // eslint-disable-line no-restricted-properties -- a clean environment for the child
    stdio: ["ignore", "ignore", "inherit"],
  });
  return { pid: child.pid ?? 0, stop: () => stopChild(child) };
}

/** The settings of a worker process against the emulator, its budgets at `limits` per minute. */
export function workerEnv(
  certDir: string,
  bankUrl: string,
  redisUrl: string,
  prefix: string,
  budgets: {
    send: number;
    sendMinIntervalMs: number;
    status: number;
    token: number;
    firstPollMs: number;
    pollCapMs: number;
    webhookPollMs: number;
    concurrency: number;
  },
): Record<string, string> {
  const paths = devCertPaths(certDir);
  return {
    REDIS_URL: redisUrl,
    PIXOUT_REDIS_PREFIX: prefix,
    PIXOUT_QUEUE: "bench",
    INTER_BASE_URL: bankUrl,
    INTER_CLIENT_ID: DEV_INTEGRATION.clientId,
    INTER_CLIENT_SECRET: DEV_INTEGRATION.clientSecret,
    INTER_CERT_FILE: paths.clientCert,
    INTER_KEY_FILE: paths.clientKey,
    INTER_CA_FILE: paths.caCert,
    LOG_LEVEL: "warn",
    PIXOUT_CONCURRENCY: String(budgets.concurrency),
    PIXOUT_SEND_PER_MINUTE: String(budgets.send),
    PIXOUT_SEND_MIN_INTERVAL_MS: String(budgets.sendMinIntervalMs),
    PIXOUT_STATUS_PER_MINUTE: String(budgets.status),
    PIXOUT_TOKEN_PER_MINUTE: String(budgets.token),
    PIXOUT_FIRST_POLL_MS: String(budgets.firstPollMs),
    PIXOUT_POLL_CAP_MS: String(budgets.pollCapMs),
    PIXOUT_WEBHOOK_POLL_MS: String(budgets.webhookPollMs),
  };
}

/** Waits until `count` jobs of the queue are completed or failed. */
export async function waitFinished(queue: Queue, count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = await queue.getJobCounts("completed", "failed");
    if ((c["completed"] ?? 0) + (c["failed"] ?? 0) >= count) return;
    if (Date.now() > deadline)
      throw new Error(
        `only ${String((c["completed"] ?? 0) + (c["failed"] ?? 0))} of ${String(count)} payments finished in time`,
      );
    await sleep(100);
  }
}

/** Payments per second between the 10th and the 90th percentile of the finish times (the steady part). */
export function steadyRate(finishedAt: number[]): number {
  const sorted = [...finishedAt].sort((a, b) => a - b);
  const lo = Math.floor(0.1 * sorted.length);
  const hi = Math.floor(0.9 * sorted.length);
  const span = (sorted[hi] ?? 0) - (sorted[lo] ?? 0);
  return span > 0 ? ((hi - lo) * 1000) / span : Number.NaN;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU time (user + system) a process has used, in ms, from /proc. */
export function cpuMs(pid: number): number {
  const fields =
    readFileSync(`/proc/${String(pid)}/stat`, "utf8")
      .split(") ")[1]
      ?.split(" ") ?? [];
  // After "pid (comm) ": state is field 3, so utime (14) and stime (15) are at 11 and 12.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/** Resident memory of a process, in MB, from /proc. */
export function rssMb(pid: number): number {
  const line =
    readFileSync(`/proc/${String(pid)}/status`, "utf8")
      .split("\n")
      .find((l) => l.startsWith("VmRSS:")) ?? "";
  return Number(/(\d+)/.exec(line)?.[1] ?? Number.NaN) / 1024;
}

/** Calls of every command Redis has run since it started (INFO commandstats). */
export async function redisCommandCount(redis: Redis): Promise<number> {
  const info = await redis.info("commandstats");
  let total = 0;
  for (const m of info.matchAll(/calls=(\d+)/g)) total += Number(m[1]);
  return total;
}

/** Calls per command Redis has run since it started (INFO commandstats; scripts' inner commands included). */
export async function redisCommandCalls(redis: Redis): Promise<Map<string, number>> {
  const info = await redis.info("commandstats");
  const calls = new Map<string, number>();
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(m[1] ?? "", Number(m[2]));
  return calls;
}

export async function redisUsedMemory(redis: Redis): Promise<number> {
  const info = await redis.info("memory");
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
}

/** The completion time of every completed job of the queue. */
export async function finishTimes(queue: Queue): Promise<Map<string, number>> {
  const times = new Map<string, number>();
  const total = (await queue.getJobCounts("completed"))["completed"] ?? 0;
  for (let start = 0; start < total; start += 500) {
    for (const job of await queue.getJobs(["completed"], start, start + 499)) {
      if (job.id !== undefined && job.finishedOn !== undefined) times.set(job.id, job.finishedOn);
    }
  }
  return times;
}
