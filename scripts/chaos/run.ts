// The chaos suite: scenarios against a private Redis with AOF, the emulator and real
// `pixout worker` processes, checked against the emulator's ledger — the ground truth of what the "bank"
// executed. Used by scripts/chaos.ts (`npm run chaos`) and, in a short configuration, by the tests.
import { cpSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Queue } from "bullmq";
import calculateSlot from "cluster-key-slot";
import { Redis } from "ioredis";
import {
  DEV_INTEGRATION,
  startEmulator,
  type Emulator,
  type EmulatorLimits,
  type FaultRule,
} from "../../src/emulator/emulator.js";
import { createRandom } from "../../src/emulator/prng.js";
import { createLogger } from "../../src/logger.js";
import { startRedisServer, type RedisServer } from "../../src/cli/demo/redis-server.js";
import { createPayoutProducer, type PayoutProducer } from "../../src/queue/producer/producer.js";
import { countersCheck } from "./counters-check.js";
import type { PaymentView } from "../../src/queue/payment-view.js";
import { FINAL_OUTCOMES } from "../../src/payments/lifecycle.js";
import { parseAmount } from "../../src/payments/money.js";
import type { RedisTargetInput } from "../../src/redis/target.js";
import { writeDevCertificates } from "../../src/tls/dev-certs.js";
import { startRedisCluster, startRedisSentinelSet, type Endpoint } from "../../test/helpers/redis-topology.js";
import { startTcpProxy, type TcpProxy } from "../../test/helpers/tcp-proxy.js";
import { startFleet, type Fleet } from "./fleet.js";
import { reconcileAfter } from "./reconcile-after.js";
import { verdict, type Verdict } from "./verdict.js";

export type ScenarioName =
  | "kills"
  | "redis"
  | "faults"
  | "sigterm"
  | "replays"
  | "forgetful"
  | "partition"
  | "foreign"
  | "hostile"
  | "balance"
  | "failover"
  | "cluster"
  | "forgetful-trusting";
/** The new ones go last: a scenario's random draws are seeded by its place here. */
export const ALL_SCENARIOS: ScenarioName[] = [
  "kills",
  "redis",
  "faults",
  "sigterm",
  "replays",
  "forgetful",
  "partition",
  "foreign",
  "hostile",
  "balance",
  "forgetful-trusting",
  "failover",
  "cluster",
];
/** Scenarios that show a risk rather than check an invariant: left out of the totals and the exit code. */
export const DEMONSTRATIONS: ReadonlySet<ScenarioName> = new Set(["forgetful-trusting"]);

export interface ChaosOptions {
  /** Payments of the kills scenario; the others use a share of it. */
  payments: number;
  /** SIGKILLs of the kills scenario (others use a share). */
  kills: number;
  scenarios: ScenarioName[];
  seed: number;
  workDir: string;
  say: (line: string) => void;
}

export interface ScenarioResult extends Verdict {
  name: ScenarioName;
  demonstration: boolean;
  kills: number;
  terms: number;
  redisRestarts: number;
  seconds: number;
  /** Scenario-specific figures, e.g. duplicates reported by the producer. */
  notes: string[];
  /** Parked payments the closing reconciliation resolved (paid or not executed); `parked` counts those left. */
  resolved: number;
}

const REJECT_MARK = "[chaos-rejected]";
const FAIL_MARK = "[chaos-falha]";

/** Mostly ordinary payments; one in 50 refused by the bank's validation, one in 50 ended FALHA by it. */
function paymentsFor(name: string, count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => {
    const paymentId = `${name}-${String(i)}`;
    if (i % 50 === 7)
      return {
        paymentId,
        amount: "1.00",
        description: REJECT_MARK,
        recipient: { type: "key", key: "fornecedor@example" },
      }; // DICT-valid, refused by the bank
    if (i % 50 === 13)
      return {
        paymentId,
        amount: "1.00",
        description: FAIL_MARK,
        recipient: { type: "key", key: "fornecedor@example.com" },
      };
    return {
      paymentId,
      amount: `${String(1 + (i % 97))}.${String(i % 100).padStart(2, "0")}`,
      recipient: { type: "key", key: "fornecedor@example.com" },
    };
  });
}

const BASE_FAULTS: FaultRule[] = [
  {
    method: "POST",
    path: "/banking/v2/pix",
    bodyIncludes: FAIL_MARK,
    fault: { type: "final-status", status: "FALHA" },
  },
];

/** Sends slowed down, so that kills land while a send is at the bank. */
/** Sends refused by the bank's validation (400: rejected, nothing executed): a re-run of one must not send it. */
const REFUSED: FaultRule = {
  method: "POST",
  path: "/banking/v2/pix",
  probability: 0.1,
  fault: { type: "status", status: 400 },
};
const SLOW_SENDS: FaultRule = {
  method: "POST",
  path: "/banking/v2/pix",
  probability: 0.5,
  fault: { type: "latency", ms: 800 },
};

const BANK_FAULTS: FaultRule[] = [
  // Every kind at fixed points first, so that even a short run meets each one (random draws alone may
  // miss a rare kind in 100 payments, since request order, and so the draws, depend on timing).
  { method: "POST", path: "/banking/v2/pix", skip: 5, times: 2, fault: { type: "reset-after" } },
  { method: "POST", path: "/banking/v2/pix", skip: 10, times: 1, fault: { type: "timeout-after", ms: 3_000 } },
  { method: "POST", path: "/banking/v2/pix", skip: 15, times: 2, fault: { type: "garbled-200" } },
  { method: "*", path: "/banking/v2/pix*", skip: 20, times: 2, fault: { type: "unauthorized-empty" } },
  {
    method: "GET",
    path: "/banking/v2/pix/*",
    skip: 5,
    times: 2,
    fault: { type: "unknown-status", status: "EM_PROCESSAMENTO_NOVO" },
  },
  { method: "GET", path: "/banking/v2/pix/*", skip: 10, times: 2, fault: { type: "status", status: 500 } },
  // A burst of consecutive 503s (Inter's maintenance: nothing ran) and a storm of 429s, longer than the first backoffs.
  { method: "POST", path: "/banking/v2/pix", skip: 40, times: 15, fault: { type: "status", status: 503 } },
  { method: "*", path: "/banking/v2/pix*", skip: 120, times: 30, fault: { type: "rate-limit", retryAfterSeconds: 1 } },
  { method: "POST", path: "/banking/v2/pix", probability: 0.05, fault: { type: "reset-after" } },
  { method: "POST", path: "/banking/v2/pix", probability: 0.03, fault: { type: "timeout-after", ms: 3_000 } },
  // A gateway that gave up waiting: the send may have run.
  { method: "POST", path: "/banking/v2/pix", probability: 0.05, fault: { type: "status", status: 504 } },
  { method: "GET", path: "/banking/v2/pix/*", probability: 0.05, fault: { type: "status", status: 500 } },
  { method: "*", path: "/banking/v2/pix*", probability: 0.03, fault: { type: "rate-limit", retryAfterSeconds: 1 } },
  { method: "POST", path: "/banking/v2/pix", probability: 0.03, fault: { type: "garbled-200" } },
  { method: "*", path: "/banking/v2/pix*", probability: 0.02, fault: { type: "unauthorized-empty" } },
  {
    method: "GET",
    path: "/banking/v2/pix/*",
    probability: 0.05,
    fault: { type: "unknown-status", status: "EM_PROCESSAMENTO_NOVO" },
  },
];

/** Redis as the product runs it: AOF, fsync every second, no eviction (docs/design.md §2.2). */
const DURABLE_REDIS = [
  "--appendonly",
  "yes",
  "--appendfsync",
  "everysec",
  "--save",
  "",
  "--maxmemory-policy",
  "noeviction",
];

/** Another Redis than the suite's own one-node server: a Sentinel set or a cluster of the scenario's own. */
interface ScenarioRedis {
  /** The fleet's (and the closing reconciliation's) settings for it, in place of REDIS_URL. */
  env: Record<string, string>;
  /** The producer's connection to it. */
  target: RedisTargetInput;
}

/** A stretch of a scenario when Redis failed over: the enqueues refused in it are counted in a note. */
interface Outage {
  label: string;
  from: number;
  to: number;
  /** What happened, for the note. */
  detail: string;
}

/** One enqueue call of enqueueAll: acknowledged, or refused (and why). */
interface EnqueueEvent {
  at: number;
  ok: boolean;
  why?: string;
}

interface Infra {
  redis: RedisServer;
  certDir: string;
  read: (file: string) => string;
}

async function startInfra(workDir: string): Promise<Infra> {
  const certDir = join(workDir, "certs");
  await writeDevCertificates(certDir);
  const aofDir = join(workDir, "redis");
  mkdirSync(aofDir, { recursive: true });
  const redis = await startRedisServer([...DURABLE_REDIS, "--dir", aofDir]);
  return { redis, certDir, read: (file) => readFileSync(join(certDir, file), "utf8") };
}

/** `redis`: the settings of another Redis than the suite's own (REDIS_URL is then left out). */
function workerEnv(
  infra: Infra,
  emulator: Emulator,
  name: string,
  extra: Record<string, string> = {},
  redis?: Record<string, string>,
): Record<string, string> {
  return {
    INTER_BASE_URL: emulator.url,
    INTER_CLIENT_ID: DEV_INTEGRATION.clientId,
    INTER_CLIENT_SECRET: DEV_INTEGRATION.clientSecret,
    INTER_CERT_FILE: join(infra.certDir, "client.crt"),
    INTER_KEY_FILE: join(infra.certDir, "client.key"),
    INTER_CA_FILE: join(infra.certDir, "ca.crt"),
    INTER_CONNECT_TIMEOUT_MS: "1000",
    INTER_REQUEST_TIMEOUT_MS: "1500",
    ...(redis ?? { REDIS_URL: infra.redis.url }),
    PIXOUT_QUEUE: `chaos-${name}`,
    PIXOUT_REDIS_PREFIX: `chaos-${name}`,
    PIXOUT_CONCURRENCY: "16",
    PIXOUT_SEND_PER_MINUTE: "3000",
    PIXOUT_SEND_MIN_INTERVAL_MS: "10",
    PIXOUT_STATUS_PER_MINUTE: "6000",
    PIXOUT_TOKEN_PER_MINUTE: "600",
    PIXOUT_FIRST_POLL_MS: "200",
    PIXOUT_POLL_CAP_MS: "1000",
    PIXOUT_LOCK_DURATION_MS: "3000",
    PIXOUT_STALLED_INTERVAL_MS: "1000",
    PIXOUT_SHUTDOWN_TIMEOUT_MS: "1500",
    LOG_LEVEL: "warn",
    ...extra,
  };
}

/** Enqueues everything, retrying while Redis is away; returns the ids whose enqueue was acknowledged. */
async function enqueueAll(
  producer: PayoutProducer,
  payments: Record<string, unknown>[],
  spreadMs: number,
  notes: string[],
  events: EnqueueEvent[] = [],
  batch = 20,
): Promise<string[]> {
  const acknowledged: string[] = [];
  const pause = payments.length > batch ? spreadMs / Math.ceil(payments.length / batch) : 0;
  let refusedWhileDown = 0;
  for (let i = 0; i < payments.length; i += batch) {
    const chunk = payments.slice(i, i + batch);
    for (;;) {
      try {
        const results = await producer.enqueueMany(chunk);
        for (const r of results)
          if (r.status === "accepted" || (r.status === "duplicate" && r.sameData)) acknowledged.push(r.paymentId);
        events.push({ at: Date.now(), ok: true });
        break;
      } catch (err) {
        refusedWhileDown++; // not acknowledged: the producer said so at once, and tries again
        events.push({
          at: Date.now(),
          ok: false,
          why: err instanceof Error ? (err.name === "Error" ? err.message.slice(0, 60) : err.name) : typeof err,
        });
        await sleep(200);
      }
    }
    if (pause > 0) await sleep(pause);
  }
  if (refusedWhileDown > 0) notes.push(`enqueues refused while Redis was down=${String(refusedWhileDown)}`);
  return acknowledged;
}

async function settle(
  producer: PayoutProducer,
  ids: string[],
  timeoutMs: number,
): Promise<Map<string, PaymentView | undefined>> {
  const views = new Map<string, PaymentView | undefined>();
  const deadline = Date.now() + timeoutMs;
  let pending = [...ids];
  while (pending.length > 0 && Date.now() < deadline) {
    const next: string[] = [];
    for (const id of pending) {
      const view = await producer.get(id).catch(() => undefined);
      views.set(id, view);
      if (!view || !FINAL_OUTCOMES.has(view.outcome)) next.push(id);
    }
    pending = next;
    if (pending.length > 0) await sleep(500);
  }
  return views;
}

async function scenario(
  name: ScenarioName,
  infra: Infra,
  options: ChaosOptions,
  setup: {
    payments: number;
    kills: number;
    faults: FaultRule[];
    idempotency?: boolean;
    env?: Record<string, string>;
    /** The bank's own limits (default: none, the workers' budgets are far above). */
    limits?: Partial<EmulatorLimits>;
    /** Each worker reaches Redis through a TCP proxy of its own that the scenario can freeze. */
    proxies?: boolean;
    /** The paying account's balance at the start (default: the emulator's, far above the payments). */
    balanceCents?: number;
    /** A Redis of the scenario's own (a Sentinel set, a cluster) for the fleet and the producer, instead of the suite's. */
    redis?: ScenarioRedis;
    /** The chaos window, over which the payments are enqueued (default: 800 ms a kill, at least 5 s). */
    windowMs?: number;
    /** Payments a call of enqueueMany (default 20): smaller, the enqueues come closer together. */
    enqueueBatch?: number;
  },
  during: (ctx: {
    fleet: Fleet;
    windowMs: number;
    random: () => number;
    notes: string[];
    queue: string;
    proxies: TcpProxy[];
    emulator: Emulator;
  }) => Promise<{ redisRestarts: number; outages?: Outage[]; wrong?: string[] }>,
  /** After the payments settled; what it returns checks the views once they settle again (its findings are wrong). */
  after?: (ctx: { producer: PayoutProducer; ids: string[]; notes: string[]; queue: string }) => Promise<unknown>,
): Promise<ScenarioResult> {
  const started = Date.now();
  const random = createRandom(options.seed * 1000 + ALL_SCENARIOS.indexOf(name));
  const emulator = await startEmulator({
    tls: { cert: infra.read("server.crt"), key: infra.read("server.key"), ca: infra.read("ca.crt") },
    limits: {
      token: 0,
      send: 0,
      sendPerSecond: 0,
      status: 0,
      webhook: 0,
      callbacks: 0,
      callbackRetry: 0,
      statement: 0,
      balance: 0,
      ...setup.limits,
    },
    timing: { sentAfterMs: 30, paidAfterMs: 100 },
    faults: [...BASE_FAULTS, ...setup.faults],
    idempotency: setup.idempotency ?? true,
    ...(setup.balanceCents === undefined ? {} : { balanceCents: setup.balanceCents }),
    seed: options.seed,
    logger: createLogger({ level: "silent" }),
  });
  if (setup.proxies === true && setup.redis !== undefined)
    throw new Error(`${name}: the Redis proxies reach the suite's own Redis only`);
  const proxies =
    setup.proxies === true
      ? await Promise.all([0, 1].map(() => startTcpProxy(Number(new URL(infra.redis.url).port))))
      : [];
  const fleet = startFleet(
    2,
    workerEnv(infra, emulator, name, setup.env, setup.redis?.env),
    join(options.workDir, `workers-${name}.log`),
    (slot): Record<string, string> => {
      const proxy = proxies[slot];
      return proxy ? { REDIS_URL: proxy.url } : {};
    },
  );
  // Acknowledged only once as many replicas as the fleet waits for have it (PIXOUT_REDIS_WAIT_REPLICAS).
  const replicas = Number(setup.redis?.env["PIXOUT_REDIS_WAIT_REPLICAS"] ?? "0");
  const producer = createPayoutProducer({
    connection: setup.redis?.target ?? infra.redis.url,
    queueName: `chaos-${name}`,
    redisPrefix: `chaos-${name}`,
    ...(replicas > 0
      ? { replicas: { count: replicas, timeoutMs: Number(setup.redis?.env["PIXOUT_REDIS_WAIT_TIMEOUT_MS"] ?? "2000") } }
      : {}),
  });
  const notes: string[] = [];
  try {
    const windowMs = setup.windowMs ?? Math.max(5_000, setup.kills * 800);
    const events: EnqueueEvent[] = [];
    const [ids, chaos] = await Promise.all([
      enqueueAll(producer, paymentsFor(name, setup.payments), windowMs * 0.8, notes, events, setup.enqueueBatch),
      during({ fleet, windowMs, random, notes, queue: `chaos-${name}`, proxies, emulator }),
    ]);
    for (const o of chaos.outages ?? []) notes.push(describeOutage(o, events));
    if (chaos.outages !== undefined) {
      const outside = events.filter((e) => !e.ok && !(chaos.outages ?? []).some((o) => e.at >= o.from && e.at <= o.to));
      if (outside.length > 0)
        notes.push(
          `enqueues refused outside the failovers=${String(outside.length)}${refusalKinds(outside)} (first at +${seconds((outside[0]?.at ?? started) - started)} s)`,
        );
    }
    let views = await settleOrLate(producer, ids, 180_000, notes);
    let recheck: ((views: Map<string, PaymentView | undefined>) => string[]) | undefined;
    if (after) {
      const returned = await after({ producer, ids, notes, queue: `chaos-${name}` });
      if (typeof returned === "function")
        recheck = returned as (views: Map<string, PaymentView | undefined>) => string[];
      views = await settleOrLate(producer, ids, 120_000, notes);
    }
    // Reconciled with the bank's statement, as an operator would days later: what it resolves is judged below.
    const recon = await reconcileAfter(emulator, workerEnv(infra, emulator, name, setup.env, setup.redis?.env)).catch(
      (err: unknown) => ({
        notes: [],
        resolved: 0,
        wrong: [`reconciliation failed: ${err instanceof Error ? err.message : String(err)}`],
      }),
    );
    notes.push(...recon.notes);
    views = await settle(producer, ids, 30_000);
    const v = verdict(ids, views, {
      ledger: emulator.ledger.snapshot(),
      paymentsWithKey: (key) => emulator.paymentsWithKey(key),
    });
    if (recheck) v.wrong.push(...recheck(views));
    const counters = await countersCheck(
      workerEnv(infra, emulator, name, setup.env, setup.redis?.env),
      views,
      started,
    ).catch((err: unknown) => ({
      notes: [],
      wrong: [`the overview's counters could not be read: ${err instanceof Error ? err.message : String(err)}`],
    }));
    notes.push(...counters.notes);
    v.wrong.push(...recon.wrong, ...(chaos.wrong ?? []), ...counters.wrong);
    for (const [why, n] of Object.entries(v.parkedWhy)) notes.push(`parked ×${String(n)}: ${why}`);
    const fired = emulator.ledger.snapshot().faults;
    if (Object.keys(fired).length > 0)
      notes.push(
        `faults fired: ${Object.entries(fired)
          .map(([k, n]) => `${k}=${String(n)}`)
          .join(" ")}`,
      );
    const replays = emulator.ledger.snapshot().executions.replays;
    if (replays > 0) notes.push(`resends answered by the bank's idempotency=${String(replays)}`);
    if (setup.limits !== undefined) {
      const limited = Object.values(emulator.ledger.snapshot().rateLimited).reduce((a, n) => a + n, 0);
      notes.push(`429s from the bank's own limits=${String(limited)}`);
    }
    return {
      name,
      demonstration: DEMONSTRATIONS.has(name),
      ...v,
      kills: fleet.kills,
      terms: fleet.terms,
      redisRestarts: chaos.redisRestarts,
      seconds: Math.round((Date.now() - started) / 1000),
      notes,
      resolved: recon.resolved,
    };
  } finally {
    await producer.close();
    await fleet.stop();
    await emulator.close();
    await Promise.all(proxies.map((p) => p.close()));
  }
}

/**
 * The payments' views once final — or, for those not final by `timeoutMs`, after up to 10 minutes more:
 * a machine starved by other work makes payments late, not lost. A late payment is counted and checked
 * like any other (the note says how many were late); only one still not final after that is lost.
 */
async function settleOrLate(
  producer: PayoutProducer,
  ids: string[],
  timeoutMs: number,
  notes: string[],
): Promise<Map<string, PaymentView | undefined>> {
  const views = await settle(producer, ids, timeoutMs);
  const behind = ids.filter((id) => !FINAL_OUTCOMES.has(views.get(id)?.outcome ?? "queued"));
  if (behind.length === 0) return views;
  const later = await settle(producer, behind, 600_000);
  const late = behind.filter((id) => FINAL_OUTCOMES.has(later.get(id)?.outcome ?? "queued")).length;
  notes.push(`late (final only after the ${String(Math.round(timeoutMs / 1000))} s deadline)=${String(late)}`);
  for (const [id, view] of later) views.set(id, view);
  return views;
}

/** Kills workers at random moments over the window: `count` SIGKILLs (or SIGTERMs). */
async function killOver(
  fleet: Fleet,
  count: number,
  windowMs: number,
  random: () => number,
  signal: NodeJS.Signals,
): Promise<void> {
  for (let i = 0; i < count; i++) {
    await sleep((windowMs / count) * (0.5 + random()));
    // A worker that just restarted is left to boot and take work first (up to 1.5 s).
    await fleet.kill(signal, random(), 1_500);
  }
}

const seconds = (ms: number): string => (ms / 1000).toFixed(1);

/** " (why×n, …)" of refused enqueues. */
function refusalKinds(refused: EnqueueEvent[]): string {
  const why = new Map<string, number>();
  for (const e of refused) why.set(e.why ?? "?", (why.get(e.why ?? "?") ?? 0) + 1);
  return why.size > 0 ? ` (${[...why].map(([k, n]) => `${k}×${String(n)}`).join(", ")})` : "";
}

/** An outage's note: what happened, and the enqueues refused from its start to its end. */
function describeOutage(o: Outage, events: EnqueueEvent[]): string {
  const refused = events.filter((e) => !e.ok && e.at >= o.from && e.at <= o.to);
  const kinds = refusalKinds(refused);
  // With refusals, the producer was trying again every 200 ms: its first success after the kill is when writes counted again.
  const back = refused.length > 0 ? events.find((e) => e.ok && e.at >= o.from) : undefined;
  return `${o.label}: ${o.detail}; enqueues refused meanwhile=${String(refused.length)}${kinds}${back ? `, first acknowledged again after ${seconds(back.at - o.from)} s` : ""}`;
}

/** Polls `probe` every 100 ms until it returns a value; throws after `timeoutMs`. */
async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${String(timeoutMs)} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** ROLE of one node, on a short-lived plain connection (undefined when it does not answer). */
async function roleOf(node: Endpoint): Promise<unknown[] | undefined> {
  const redis = new Redis({
    host: node.host,
    port: node.port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1_000,
    commandTimeout: 1_000,
  });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    const role = await redis.call("ROLE");
    return Array.isArray(role) ? role : undefined;
  } catch {
    return undefined;
  } finally {
    redis.disconnect();
  }
}

/** REPLICAOF on one node, on a short-lived plain connection. */
async function replicaOf(node: Endpoint, master: Endpoint): Promise<void> {
  const redis = new Redis({ host: node.host, port: node.port, maxRetriesPerRequest: 1, connectTimeout: 1_000 });
  redis.on("error", () => undefined);
  try {
    await redis.call("REPLICAOF", master.host, String(master.port));
  } finally {
    redis.disconnect();
  }
}

/** Keeps the topology's logs (its folder is removed when it stops) in the work folder, next to the workers'. */
function keepLogs(from: string, workDir: string, name: string): void {
  try {
    cpSync(from, join(workDir, `redis-${name}`), {
      recursive: true,
      filter: (src) => !src.includes("appendonlydir") && !src.endsWith(".rdb"),
    });
  } catch {
    // only for a post-mortem
  }
}

/** One failover of a scenario's own Redis: when it began, when the topology was whole again, the earliest next one. */
interface FailoverStep {
  from: number;
  rejoined: number;
  next: number;
  detail: string;
}

/**
 * A scenario on a Redis of its own (a Sentinel set, a cluster), every write waiting for a replica
 * (PIXOUT_REDIS_WAIT_REPLICAS=1): workers SIGKILLed over the window and, twice under load (at 20 % and 60 %
 * of it), `failOver` kills a master and waits until the topology is whole again. Each failover's note says
 * how long enqueues were refused.
 */
function failoverScenario(
  name: ScenarioName,
  infra: Infra,
  options: ChaosOptions,
  redis: ScenarioRedis,
  failOver: (ctx: { started: number; killed: () => void }) => Promise<FailoverStep>,
): Promise<ScenarioResult> {
  const kills = Math.max(1, Math.round(options.kills * 0.25));
  return scenario(
    name,
    infra,
    options,
    {
      payments: Math.max(1, Math.round(options.payments * 0.25)),
      kills,
      faults: [SLOW_SENDS],
      windowMs: Math.max(40_000, kills * 800),
      enqueueBatch: 4, // an enqueue every second or so, so that some meet each failover
      redis,
    },
    async ({ fleet, windowMs, random }) => {
      const started = Date.now();
      const killing = killOver(fleet, kills, windowMs, random, "SIGKILL");
      const outages: Outage[] = [];
      const wrong: string[] = [];
      let restarts = 0;
      try {
        let earliest = 0;
        for (const [i, at] of [0.2, 0.6].entries()) {
          await sleep(Math.max(started + windowMs * at, earliest) - Date.now());
          const step = await failOver({
            started,
            killed: () => {
              restarts++;
            },
          });
          earliest = step.next;
          // A refusal is seen up to a WAIT's timeout after the replica is back.
          outages.push({
            label: `failover ${String(i + 1)}`,
            from: step.from,
            to: step.rejoined + 2_500,
            detail: step.detail,
          });
        }
      } catch (err) {
        wrong.push(`the failovers did not go through: ${err instanceof Error ? err.message : String(err)}`);
      }
      await killing;
      return { redisRestarts: restarts, outages, wrong };
    },
  );
}

export function describeResult(r: ScenarioResult): string {
  const extra = [
    r.kills ? `kills=${String(r.kills)}` : "",
    r.terms ? `sigterms=${String(r.terms)}` : "",
    r.redisRestarts ? `redis-restarts=${String(r.redisRestarts)}` : "",
  ].filter(Boolean);
  return (
    `chaos ${r.name}${r.demonstration ? " (demonstration, not counted)" : ""}: payments=${String(r.payments)} ${extra.join(" ")} executed=${String(r.executed)} duplicates=${String(r.duplicates)} ` +
    `lost=${String(r.lost)} parked=${String(r.parked)} paid=${String(r.paid)} failed=${String(r.failed)} rejected=${String(r.rejected)} ` +
    `wrong=${String(r.wrong.length)} (${String(r.seconds)} s)${r.notes.length > 0 ? `; ${r.notes.join("; ")}` : ""}`
  );
}

export async function runChaos(options: ChaosOptions): Promise<ScenarioResult[]> {
  mkdirSync(options.workDir, { recursive: true });
  const infra = await startInfra(options.workDir);
  const results: ScenarioResult[] = [];
  const share = (n: number, f: number): number => Math.max(1, Math.round(n * f));
  const run = async (r: Promise<ScenarioResult>): Promise<void> => {
    const result = await r;
    results.push(result);
    options.say(describeResult(result));
    for (const w of result.wrong.slice(0, 5)) options.say(`  wrong: ${w}`);
  };
  try {
    for (const name of options.scenarios) {
      switch (name) {
        case "kills":
          await run(
            scenario(
              name,
              infra,
              options,
              { payments: options.payments, kills: options.kills, faults: [SLOW_SENDS] },
              async ({ fleet, windowMs, random }) => {
                await killOver(fleet, options.kills, windowMs, random, "SIGKILL");
                return { redisRestarts: 0 };
              },
            ),
          );
          break;
        case "redis":
          await run(
            scenario(
              name,
              infra,
              options,
              { payments: share(options.payments, 0.25), kills: 10, faults: [] },
              async ({ windowMs }) => {
                await sleep(windowMs * 0.4);
                await infra.redis.stop("SIGKILL"); // a crash: no shutdown save, only what AOF has
                await sleep(1_500);
                await infra.redis.restart();
                return { redisRestarts: 1 };
              },
            ),
          );
          break;
        case "faults":
          await run(
            scenario(
              name,
              infra,
              options,
              { payments: share(options.payments, 0.5), kills: share(options.kills, 0.25), faults: BANK_FAULTS },
              async ({ fleet, windowMs, random }) => {
                await killOver(fleet, share(options.kills, 0.25), windowMs, random, "SIGKILL");
                return { redisRestarts: 0 };
              },
            ),
          );
          break;
        case "sigterm":
          await run(
            scenario(
              name,
              infra,
              options,
              {
                payments: share(options.payments, 0.25),
                kills: share(options.kills, 0.25),
                faults: [
                  { method: "POST", path: "/banking/v2/pix", probability: 0.5, fault: { type: "latency", ms: 1_000 } },
                ],
                env: { PIXOUT_SHUTDOWN_TIMEOUT_MS: "300" },
              },
              async ({ fleet, windowMs, random }) => {
                await killOver(fleet, share(options.kills, 0.25), windowMs, random, "SIGTERM");
                return { redisRestarts: 0 };
              },
            ),
          );
          break;
        case "replays":
          await run(
            scenario(
              name,
              infra,
              options,
              { payments: share(options.payments, 0.25), kills: 10, faults: [] },
              async ({ windowMs, notes, queue }) => {
                // A dashboard's "retry all" of finished jobs while the workers run: BullMQ's own retry,
                // bypassing pixout's rules — the worker must still never pay twice.
                const q = new Queue(queue, { connection: { url: infra.redis.url }, prefix: `{${queue}}` });
                let raw = 0;
                for (let i = 0; i < 4; i++) {
                  await sleep(windowMs / 4);
                  for (const state of ["completed", "failed"] as const) {
                    raw += (await q.getJobCounts(state))[state] ?? 0;
                    await q.retryJobs({ state, count: 1000 });
                  }
                }
                await q.close();
                notes.push(`dashboard retries=${String(raw)}`);
                return { redisRestarts: 0 };
              },
              async ({ producer, ids, notes }) => {
                // Everything enqueued again, and every finished payment retried through pixout's rules,
                // with a new attempt where the bank ended it.
                const again = await producer.enqueueMany(paymentsFor(name, ids.length));
                notes.push(
                  `re-enqueued=${String(again.length)} reported-duplicate=${String(again.filter((r) => r.status === "duplicate").length)}`,
                );
                let refused = 0;
                let retried = 0;
                for (const id of ids) {
                  const plain = await producer.retry(id, { actor: "chaos", reason: "dashboard-style retry" });
                  const r =
                    plain.status === "refused" && plain.why.includes("--new-attempt")
                      ? await producer.retry(id, { actor: "chaos", reason: "new attempt", newAttempt: true })
                      : plain;
                  if (r.status === "retried") retried++;
                  else refused++;
                }
                notes.push(`retries: done=${String(retried)} refused=${String(refused)}`);
              },
            ),
          );
          break;
        case "partition":
          // A bank that forgets its keys and workers that do not trust them, as in the double payment this
          // scenario was written for: each worker reaches Redis through a proxy the suite freezes — at random
          // moments, and right after a send step's fenced write — for longer than the 3 s lock, while another
          // worker takes the job. The stale worker must send nothing and write nothing when its link thaws.
          await run(
            scenario(
              name,
              infra,
              options,
              {
                payments: share(options.payments, 0.25),
                kills: 0,
                faults: [SLOW_SENDS],
                idempotency: false,
                env: { PIXOUT_TRUST_BANK_IDEMPOTENCY: "false" },
                proxies: true,
              },
              async ({ windowMs, random, notes, proxies }) => {
                const freezes = Math.max(4, Math.round(share(options.kills, 0.25)));
                let afterSend = 0;
                for (let i = 0; i < freezes; i++) {
                  await sleep((windowMs / freezes) * (0.5 + random()));
                  const proxy = proxies[Math.floor(random() * proxies.length)];
                  if (!proxy) continue;
                  const ms = 4_000 + random() * 3_000;
                  if (random() < 0.5) proxy.freeze(ms);
                  else {
                    afterSend++;
                    void proxy.freezeAfter(["\r\nsend\r\n"], ms);
                  }
                }
                notes.push(
                  `freezes=${String(freezes)} (after a send step=${String(afterSend)}; applied=${String(proxies.reduce((n, p) => n + p.stats().freezes, 0))})`,
                );
                return { redisRestarts: 0 };
              },
            ),
          );
          break;
        case "foreign":
          // Producers in another language: payments whose jobs were removed enqueued again with plain BullMQ
          // (some with another amount), and raw jobs carrying a state of their own (another payment's
          // codigoSolicitacao, a step of their choosing). Nothing may be sent again, nothing paid without a send.
          await run(
            scenario(
              name,
              infra,
              options,
              { payments: share(options.payments, 0.25), kills: 0, faults: [REFUSED] },
              () => Promise.resolve({ redisRestarts: 0 }),
              async ({ ids, notes, queue }) => {
                const q = new Queue(queue, { connection: { url: infra.redis.url }, prefix: `{${queue}}` });
                let readded = 0;
                let movedBack = 0;
                const concluded = new Map<string, unknown>();
                let codigo: string | undefined;
                for (const [i, id] of ids.entries()) {
                  if (i % 2 === 1) {
                    // A finished job moved back by plain BullMQ (not `pixout retry`): concluded again, never resent.
                    const job = await q.getJob(`payment-${id}`);
                    const state = job ? await job.getState() : undefined;
                    if (job && (state === "completed" || state === "failed")) {
                      concluded.set(id, (job.data as { state?: { outcome?: unknown } }).state?.outcome);
                      await job.retry(state);
                      movedBack++;
                    }
                    continue;
                  }
                  const job = await q.getJob(`payment-${id}`);
                  const data = (job?.data ?? {}) as Record<string, unknown> & {
                    state?: { codigoSolicitacao?: string };
                  };
                  codigo ??= data.state?.codigoSolicitacao;
                  if (!job || !((await job.isCompleted()) || (await job.isFailed()))) continue;
                  const { state: _state, audit: _audit, ...payment } = data;
                  await job.remove();
                  await q.add("payout", i % 4 === 0 ? payment : { ...payment, amount: "999.99" }, {
                    jobId: `payment-${id}`,
                  });
                  readded++;
                }
                const forged = Array.from(
                  { length: Math.max(2, Math.round(ids.length / 20)) },
                  (_, i) => `${name}-forged-${String(i)}`,
                );
                for (const [i, id] of forged.entries()) {
                  const state =
                    i % 2 === 0
                      ? {
                          step: "poll",
                          generation: 0,
                          attempts: 0,
                          maybeExecuted: true,
                          polls: 0,
                          codigoSolicitacao: codigo ?? "00000000-0000-4000-8000-000000000000",
                        }
                      : {
                          step: "submit",
                          generation: 0,
                          attempts: 0,
                          maybeExecuted: false,
                          polls: 0,
                          claim: "made-up",
                        };
                  await q.add(
                    "payout",
                    {
                      paymentId: id,
                      amount: "999.00",
                      recipient: { type: "key", key: "fornecedor@example.com" },
                      state,
                    },
                    { jobId: `payment-${id}` },
                  );
                  ids.push(id);
                }
                await q.close();
                notes.push(
                  `re-added with plain BullMQ after removal=${String(readded)}; finished jobs moved back by BullMQ's retry=${String(movedBack)}; raw jobs with a state of their own=${String(forged.length)}`,
                );
                // An outcome once concluded (and announced) never changes by a re-run.
                return (views: Map<string, PaymentView | undefined>): string[] =>
                  [...concluded]
                    .filter(([id, outcome]) => views.get(id)?.outcome !== outcome)
                    .map(
                      ([id, outcome]) =>
                        `${id}: concluded ${String(outcome)}, then ${String(views.get(id)?.outcome)} after a re-run`,
                    );
              },
            ),
          );
          break;
        case "hostile":
          // The bank's own limits on (the workers' budgets at them, with production's 20 ms of margin), and a
          // bank — or whatever stands in front of it — that answers badly: 429s asking to wait a month (the
          // cap is 2 s here), storms of 401 while the token call is slow, status answers with another amount.
          await run(
            scenario(
              name,
              infra,
              options,
              {
                payments: share(options.payments, 0.25),
                kills: share(options.kills, 0.1),
                limits: {
                  token: 0,
                  send: 600,
                  sendPerSecond: 10,
                  status: 1200,
                  webhook: 0,
                  callbacks: 0,
                  callbackRetry: 0,
                  statement: 0,
                  balance: 0,
                },
                faults: [
                  {
                    method: "POST",
                    path: "/banking/v2/pix",
                    probability: 0.02,
                    fault: { type: "rate-limit", retryAfterSeconds: 2_592_000 },
                  },
                  {
                    method: "POST",
                    path: "/oauth/v2/token",
                    times: 2,
                    fault: { type: "rate-limit", retryAfterSeconds: 2_592_000 },
                  },
                  { method: "POST", path: "/oauth/v2/token", fault: { type: "latency", ms: 150 } },
                  { method: "*", path: "/banking/v2/pix*", probability: 0.08, fault: { type: "unauthorized-empty" } },
                  {
                    method: "GET",
                    path: "/banking/v2/pix/*",
                    probability: 0.03,
                    fault: { type: "rewrite", field: "transacaoPix.valor", value: 0.01 },
                  },
                ],
                env: {
                  PIXOUT_SEND_PER_MINUTE: "600",
                  PIXOUT_SEND_MIN_INTERVAL_MS: "100",
                  PIXOUT_STATUS_PER_MINUTE: "1200",
                  PIXOUT_LIMIT_MARGIN_PERCENT: "20",
                  PIXOUT_MAX_BANK_WAIT_SECONDS: "2",
                },
              },
              async ({ fleet, windowMs, random }) => {
                await killOver(fleet, share(options.kills, 0.1), windowMs, random, "SIGKILL");
                return { redisRestarts: 0 };
              },
            ),
          );
          break;
        case "balance": {
          // The paying account holds a quarter of what the payments need, with workers killed meanwhile: the
          // fleet holds the account instead of failing payments, resumes after each top-up (three, the last one
          // covering everything), sends each refused payment again under its next key, and pays each once.
          const payments = share(options.payments, 0.5);
          const need = paymentsFor(name, payments).reduce((sum, p) => sum + parseAmount(String(p["amount"])), 0);
          const quarter = Math.ceil(need / 4);
          await run(
            scenario(
              name,
              infra,
              options,
              {
                payments,
                kills: share(options.kills, 0.25),
                faults: [SLOW_SENDS],
                balanceCents: quarter,
                env: {
                  INTER_SCOPES: "pagamento-pix.write pagamento-pix.read extrato.read",
                  PIXOUT_BALANCE_CHECK_SECONDS: "0.5",
                  PIXOUT_BALANCE_CHECK_MAX_SECONDS: "2",
                },
              },
              async ({ fleet, windowMs, random, emulator, notes }) => {
                const killing = killOver(fleet, share(options.kills, 0.25), windowMs, random, "SIGKILL");
                for (const cents of [quarter, quarter, 2 * quarter]) {
                  await sleep(windowMs / 3);
                  emulator.topUp(cents);
                }
                await killing;
                notes.push(
                  `sends the bank refused for balance=${String(emulator.ledger.snapshot().payments.byStatus["CANCELADO_SEM_SALDO"] ?? 0)}`,
                );
                return { redisRestarts: 0 };
              },
              // A payment the bank refused for balance fails only when the rules say why it could not be held (a
              // send of its key in doubt — a worker killed mid-send): anything else is wrong.
              ({ notes }) =>
                Promise.resolve((views: Map<string, PaymentView | undefined>): string[] => {
                  const failed = [...views].filter(
                    ([, v]) => v?.outcome === "failed" && v.bankStatus === "CANCELADO_SEM_SALDO",
                  );
                  // "Not held again" (too many generations ended for balance) cannot happen here: the last top-up covers all.
                  const unheld = failed.filter(([, v]) =>
                    /not held for the balance: an earlier send of this key may have executed/.test(
                      v?.failedReason ?? v?.reason ?? "",
                    ),
                  );
                  notes.push(`refused for balance and not held (a send in doubt)=${String(unheld.length)}`);
                  return failed
                    .filter((f) => !unheld.includes(f))
                    .map(
                      ([id, v]) =>
                        `${id}: failed for balance without a reason not to hold it (${v?.failedReason ?? ""})`,
                    );
                }),
            ),
          );
          break;
        }
        case "failover": {
          // A Sentinel set (a master, a replica, three sentinels; AOF on the data nodes). Each failover: the
          // master SIGKILLed, the replica promoted, the old master restarted once the sentinels have (with what
          // its AOF kept) and made a replica of the new one. Until it is a replica again, no write can count:
          // enqueues are refused (and made again), steps wait.
          const set = await startRedisSentinelSet({
            replicas: 1,
            sentinels: 3,
            masterName: "chaos-failover",
            serverArgs: DURABLE_REDIS,
          });
          try {
            const redis = {
              env: {
                REDIS_SENTINELS: set.sentinelsSetting,
                REDIS_SENTINEL_NAME: set.masterName,
                PIXOUT_REDIS_WAIT_REPLICAS: "1",
              },
              target: { kind: "sentinel" as const, sentinels: set.sentinels, name: set.masterName },
            };
            await run(
              failoverScenario(name, infra, options, redis, async ({ started, killed }) => {
                const from = Date.now();
                const old = await set.killMaster();
                killed();
                // On a starved machine (the whole test suite beside it) the sentinels may not agree in time:
                // then one is asked to fail over, as an operator would, rather than leave Redis down.
                const asked = { forced: false };
                const promoted = await set.waitForFailover(old, 40_000).catch(async () => {
                  asked.forced = true;
                  await set.forceFailover().catch(() => undefined);
                  return set.waitForFailover(old, 40_000);
                });
                const failedOver = Date.now();
                await set.restartServer(old.port);
                const replicaAgain = async (): Promise<true | undefined> => {
                  const role = await roleOf(old);
                  return role?.[0] === "slave" && Number(role[2]) === promoted.port && role[3] === "connected"
                    ? true
                    : undefined;
                };
                // The sentinels turn the old master into a replica of the new one (~11 s after it is back); on a
                // starved machine they may take longer: then it is told to, as an operator would.
                const converted = await waitFor("the sentinels to convert the old master", 20_000, replicaAgain).catch(
                  () => undefined,
                );
                if (converted === undefined) {
                  await replicaOf(old, promoted);
                  await waitFor(
                    `${String(old.port)} to be a replica of ${String(promoted.port)} again`,
                    40_000,
                    replicaAgain,
                  );
                }
                const rejoined = Date.now();
                return {
                  from,
                  rejoined,
                  // Sentinels start no second failover of a master within 2 × failover-timeout (10 s) of the first.
                  next: Math.max(rejoined, from + 12_000),
                  detail:
                    `master :${String(old.port)} SIGKILLed at +${seconds(from - started)} s, :${String(promoted.port)} promoted after ${seconds(failedOver - from)} s, ` +
                    `the old master restarted and a replica again after ${seconds(rejoined - from)} s${converted === undefined ? " (told by REPLICAOF: the sentinels took longer than 20 s)" : ""}${asked.forced ? " (SENTINEL FAILOVER asked: the sentinels had not agreed in 40 s)" : ""}`,
                };
              }),
            );
          } finally {
            keepLogs(set.dir, options.workDir, name);
            await set.stop();
          }
          break;
        }
        case "cluster": {
          // A 3-master cluster, a replica each (AOF on every node). Each failover: the master of the queue's slot
          // (all of a queue's keys share one hash tag) SIGKILLed, its replica taking the slot over, the old
          // master restarted (with what its AOF kept) and rejoining as the new master's replica.
          const cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1, serverArgs: DURABLE_REDIS });
          const slot = calculateSlot(`chaos-${name}`); // the tag of {chaos-cluster}:…
          try {
            const redis = {
              env: { REDIS_CLUSTER_NODES: cluster.nodesSetting, PIXOUT_REDIS_WAIT_REPLICAS: "1" },
              target: { kind: "cluster" as const, nodes: cluster.nodes },
            };
            await run(
              failoverScenario(name, infra, options, redis, async ({ started, killed }) => {
                const old = await cluster.ownerOfSlot(slot);
                const from = Date.now();
                await cluster.killNode(old.port);
                killed();
                const promoted = await waitFor(
                  `a replica to take slot ${String(slot)} over from ${String(old.port)}`,
                  60_000,
                  async () => {
                    const owner = await cluster.ownerOfSlot(slot);
                    return owner.port === old.port ? undefined : owner;
                  },
                );
                const failedOver = Date.now();
                await cluster.restartNode(old.port); // resolves once the cluster is healthy again
                const rejoined = Date.now();
                return {
                  from,
                  rejoined,
                  next: rejoined + 2_000,
                  detail:
                    `master :${String(old.port)} of slot ${String(slot)} SIGKILLed at +${seconds(from - started)} s, :${String(promoted.port)} took it over after ${seconds(failedOver - from)} s, ` +
                    `the old master restarted and the cluster healthy again after ${seconds(rejoined - from)} s`,
                };
              }),
            );
          } finally {
            keepLogs(cluster.dir, options.workDir, name);
            await cluster.stop();
          }
          break;
        }
        case "forgetful":
        case "forgetful-trusting":
          // The emulator forgets idempotency keys. "forgetful": the workers are told not to trust them
          // (PIXOUT_TRUST_BANK_IDEMPOTENCY=false). "forgetful-trusting", a demonstration: left at the
          // default, they show the double payments the setting prevents.
          await run(
            scenario(
              name,
              infra,
              options,
              {
                payments: share(options.payments, 0.25),
                kills: share(options.kills, 0.25),
                faults: [
                  // Two lost answers at fixed points, so that even a short run has doubtful sends.
                  { method: "POST", path: "/banking/v2/pix", skip: 3, times: 2, fault: { type: "reset-after" } },
                  { method: "POST", path: "/banking/v2/pix", probability: 0.05, fault: { type: "reset-after" } },
                  {
                    method: "POST",
                    path: "/banking/v2/pix",
                    probability: 0.05,
                    fault: { type: "timeout-after", ms: 3_000 },
                  },
                ],
                idempotency: false,
                ...(name === "forgetful" ? { env: { PIXOUT_TRUST_BANK_IDEMPOTENCY: "false" } } : {}),
              },
              async ({ fleet, windowMs, random }) => {
                await killOver(fleet, share(options.kills, 0.25), windowMs, random, "SIGKILL");
                return { redisRestarts: 0 };
              },
            ),
          );
          break;
      }
    }
  } finally {
    await infra.redis.stop();
  }
  return results;
}

/** The checked scenarios' totals (demonstrations left out). */
export function total(all: ScenarioResult[]): string {
  const results = all.filter((r) => !r.demonstration);
  const sum = (f: (r: ScenarioResult) => number): number => results.reduce((a, r) => a + f(r), 0);
  return (
    `chaos: payments=${String(sum((r) => r.payments))} kills=${String(sum((r) => r.kills))} sigterms=${String(sum((r) => r.terms))} ` +
    `redis-restarts=${String(sum((r) => r.redisRestarts))} executed=${String(sum((r) => r.executed))} duplicates=${String(sum((r) => r.duplicates))} ` +
    `lost=${String(sum((r) => r.lost))} parked=${String(sum((r) => r.parked))} wrong=${String(sum((r) => r.wrong.length))}`
  );
}
