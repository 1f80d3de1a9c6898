// `npm run bench`: the performance figures (docs/design/performance.md), measured side by side in one run on this machine.
//
//   npm run bench -- [--scale 10] [--payments 200] [--capacity-payments 3000] [--naive-payments 300]
//                    [--concurrency 16] [--queued 100000] [--memory-seconds 30] [--phases limits,capacity,memory]
//                    [--json] [--cpu-prof]        (phases: limits, capacity, memory, dashboard)
//
// (a) limits: Inter's limits × scale in an emulator process; a backlog drained by 1 and 4 `pixout worker`
//     processes, Inter's webhook on and off. (b) capacity: limits lifted, instant settlement; our worker vs a
//     raw undici loop vs a naive per-payment client. (c) costs: CPU, Redis commands, TLS handshakes and Redis
//     memory per payment (from run b), and worker RSS and V8 heap with a large backlog queued. (d) dashboard:
//     answer times of `pixout dashboard` and its RSS with the same backlog queued. (e) the goals of
//     docs/design/performance.md beside this run's figures.
// Everything runs on loopback against a private redis-server (so that Redis' counters are ours alone),
// with dev certificates made in a temporary directory; nothing is left behind. `--cpu-prof` writes each
// worker process's V8 CPU profile to bench-output/; BENCH_NODE_FLAGS passes V8 flags to the worker processes.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startRedisServer } from "../src/cli/demo/redis-server.js";
import { writeDevCertificates } from "../src/tls/dev-certs.js";
import { capacity, type CapacityResult } from "./bench/capacity.js";
import { limitsRun, type LimitsRun } from "./bench/limits.js";
import { dashboardPhase, type DashboardResult } from "./bench/dashboard.js";
import { goalRows, goalTable } from "./bench/goals.js";
import { workerMemory, type MemoryResult } from "./bench/memory.js";
import { profiling } from "./bench/support.js";

const { values: args } = parseArgs({
  options: {
    scale: { type: "string", default: "10" },
    payments: { type: "string", default: "200" },
    "capacity-payments": { type: "string", default: "3000" },
    "naive-payments": { type: "string", default: "300" },
    concurrency: { type: "string", default: "16" },
    queued: { type: "string", default: "100000" },
    "memory-seconds": { type: "string", default: "30" },
    phases: { type: "string", default: "limits,capacity,memory,dashboard" },
    json: { type: "boolean", default: false },
    "cpu-prof": { type: "boolean", default: false },
  },
});
const num = (name: keyof typeof args): number => {
  const v = Number(args[name]);
  if (!(v > 0)) throw new Error(`--${name} must be a positive number`);
  return v;
};
const phases = new Set(args.phases.split(","));
const say = (line: string): void => {
  if (!args.json) process.stdout.write(`${line}\n`);
};
const fixed = (n: number, digits = 2): string => (Number.isFinite(n) ? n.toFixed(digits) : "-");

if (args["cpu-prof"]) {
  profiling.dir = join(process.cwd(), "bench-output");
  mkdirSync(profiling.dir, { recursive: true });
}
const machine = {
  cpus: availableParallelism(),
  cpu: cpus()[0]?.model ?? "unknown",
  memoryGb: Math.round(totalmem() / 2 ** 30),
  node: process.version,
};
const certDir = mkdtempSync(join(tmpdir(), "pixout-bench-"));
const redis = await startRedisServer(["--save", "", "--appendonly", "no"]);
const report: {
  machine: typeof machine;
  limits?: LimitsRun[];
  capacity?: CapacityResult;
  memory?: MemoryResult;
  dashboard?: DashboardResult;
} = { machine };
try {
  await writeDevCertificates(certDir);
  say(
    `pixout bench on ${String(machine.cpus)} cores (${machine.cpu}), ${String(machine.memoryGb)} GiB, Node ${machine.node}`,
  );
  if (phases.has("limits")) {
    const scale = num("scale");
    say(
      `\n(a) Inter's limits × ${String(scale)}, ${args.payments} payments; rates per bank minute (Inter: 60 sends, 20 status queries)`,
    );
    say(
      "workers  webhook  stuck  paid  send rate ÷ limit  429s  tokens  status/payment  finished/min  PAGO→done p50/max ms  out of order  gate→socket p50/p99 ms  seconds",
    );
    report.limits = [];
    const runs = [
      { webhooks: true, workers: 1, stuck: 0 },
      { webhooks: true, workers: 4, stuck: 0 },
      { webhooks: false, workers: 1, stuck: 0 },
      { webhooks: false, workers: 4, stuck: 0 },
      // 20 payments awaiting an approval nobody gives, polled all along: the backlog must drain as fast.
      { webhooks: false, workers: 1, stuck: 20 },
    ];
    for (const { webhooks, workers, stuck } of runs) {
      const r = await limitsRun({
        certDir,
        redisUrl: redis.url,
        scale,
        payments: num("payments"),
        workers,
        webhooks,
        stuck,
      });
      report.limits.push(r);
      say(
        `${String(r.workers).padStart(7)}  ${(r.webhooks ? "on" : "off").padStart(7)}  ${String(r.stuck).padStart(5)}  ${String(r.paid).padStart(4)}  ${fixed(r.sendEfficiency, 3).padStart(17)}  ${String(r.rateLimited).padStart(4)}  ${String(r.tokenCalls).padStart(6)}  ${fixed(r.statusQueriesPerPayment).padStart(14)}  ${fixed(r.finishedPerBankMinute, 1).padStart(12)}  ${`${fixed(r.paidToDoneMs.p50, 0)}/${fixed(r.paidToDoneMs.max, 0)}`.padStart(20)}  ${fixed(r.outOfOrder, 3).padStart(12)}  ${`${fixed(r.gateToSocketMs.p50, 1)}/${fixed(r.gateToSocketMs.p99, 1)}`.padStart(22)}  ${fixed(r.seconds, 1).padStart(7)}${r.rateLimited > 0 ? `  429s: ${JSON.stringify(r.rateLimitedByRoute)}` : ""}`,
      );
    }
  }
  if (phases.has("capacity")) {
    const c = await capacity({
      certDir,
      redisUrl: redis.url,
      payments: num("capacity-payments"),
      naivePayments: num("naive-payments"),
      concurrency: num("concurrency"),
    });
    report.capacity = c;
    say(
      `\n(b) limits lifted, instant settlement, concurrency ${String(c.concurrency)}; payments/s (send + one status query each)`,
    );
    say(
      `ours (queue → worker process → emulator process): ${fixed(c.ours.perSecond, 0)}/s over ${String(c.ours.payments)}`,
    );
    say(
      `raw undici loop (no queue):                       ${fixed(c.raw.perSecond, 0)}/s over ${String(c.raw.payments)}  → ours ÷ raw = ${fixed(c.ours.perSecond / c.raw.perSecond)}`,
    );
    say(
      `naive (new TLS + new token per payment):          ${fixed(c.naive.perSecond, 0)}/s over ${String(c.naive.payments)}  → ours ÷ naive = ${fixed(c.ours.perSecond / c.naive.perSecond, 1)}`,
    );
    say(
      `\n(c) cost per payment in run (b): worker CPU ${fixed(c.ours.cpuMsPerPayment)} ms, Redis commands ${fixed(c.ours.redisCommandsPerPayment, 1)}, TLS handshakes ${fixed(c.ours.tlsHandshakesPerPayment, 4)}, Redis memory per finished payment ${fixed(c.ours.redisBytesPerFinishedPayment / 1024, 2)} KiB`,
    );
    say(
      `    Redis commands per payment by name: ${c.ours.redisCommandsByName.map((x) => `${x.name} ${fixed(x.perPayment, 1)}`).join(", ")}`,
    );
  }
  if (phases.has("memory")) {
    const m = await workerMemory({
      certDir,
      redisUrl: redis.url,
      queued: num("queued"),
      seconds: num("memory-seconds"),
    });
    report.memory = m;
    say(
      `worker RSS with ${String(m.queued)} payments queued: max ${fixed(m.workerRssMb.max, 0)} MB, last ${fixed(m.workerRssMb.last, 0)} MB; V8 heap in use max ${fixed(m.workerHeapMb.max, 0)} MB, last ${fixed(m.workerHeapMb.last, 0)} MB over ${String(m.sampledSeconds)} s (enqueued in ${fixed(m.enqueueSeconds, 1)} s)`,
    );
  }
  if (phases.has("dashboard")) {
    const d = await dashboardPhase({ redisUrl: redis.url, queued: num("queued") });
    report.dashboard = d;
    say(
      `\n(d) pixout dashboard with ${String(d.queued)} payments queued and as many concluded (sequential requests; ms p50/p95), RSS ${fixed(d.overviewRssMb, 0)} MB after the overview, ${fixed(d.dashboardRssMb, 0)} MB at the end`,
    );
    for (const r of d.routes)
      say(
        `${r.route.padEnd(40)} ${`${fixed(r.p50, 1)}/${fixed(r.p95, 1)}`.padStart(14)}  (${String(r.requests)} requests)`,
      );
  }
  say(`\n(e) the goals (docs/design/performance.md), this run's figures side by side\n${goalTable(goalRows(report))}`);
  if (args.json) process.stdout.write(`${JSON.stringify(report)}\n`);
} finally {
  await redis.stop();
  rmSync(certDir, { recursive: true, force: true });
}
