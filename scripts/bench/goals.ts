// The figures of `npm run bench` that the performance goals are about (docs/design/performance.md), side by
// side with their goals, from one run. A figure whose phase did not run is shown as "-".
import type { CapacityResult } from "./capacity.js";
import type { LimitsRun } from "./limits.js";
import type { MemoryResult } from "./memory.js";

export interface GoalRow {
  figure: string;
  value: string;
  goal: string;
  met: boolean | undefined;
}

const show = (n: number | undefined, digits: number): string =>
  n === undefined || !Number.isFinite(n) ? "-" : n.toFixed(digits);

export function goalRows(r: { limits?: LimitsRun[]; capacity?: CapacityResult; memory?: MemoryResult }): GoalRow[] {
  const rows: GoalRow[] = [];
  const c = r.capacity;
  const at = <T>(value: T | undefined, test: (v: T) => boolean): boolean | undefined =>
    value === undefined ? undefined : test(value);
  rows.push({
    figure: "Redis commands per payment (scripts' inner commands included)",
    value: show(c?.ours.redisCommandsPerPayment, 1),
    goal: "≤ 40",
    met: at(c?.ours.redisCommandsPerPayment, (v) => v <= 40),
  });
  const raw = c ? c.ours.perSecond / c.raw.perSecond : undefined;
  rows.push({
    figure: "pipeline ÷ raw undici loop",
    value: show(raw, 2),
    goal: "≥ 0.5",
    met: at(raw, (v) => v >= 0.5),
  });
  const naive = c ? c.ours.perSecond / c.naive.perSecond : undefined;
  rows.push({
    figure: "pipeline ÷ naive client (new TLS + token per payment)",
    value: show(naive, 1),
    goal: "≥ 10",
    met: at(naive, (v) => v >= 10),
  });
  rows.push({
    figure: "worker CPU per payment (ms)",
    value: show(c?.ours.cpuMsPerPayment, 2),
    goal: "≤ 0.8",
    met: at(c?.ours.cpuMsPerPayment, (v) => v <= 0.8),
  });
  const m = r.memory;
  rows.push({
    figure: `worker RSS with ${m ? String(m.queued) : "100000"} queued, max (MB)`,
    value: show(m?.workerRssMb.max, 0),
    goal: "≤ 150",
    met: at(m?.workerRssMb.max, (v) => v <= 150),
  });
  rows.push({
    figure: "  its V8 heap in use, max / last (MB)",
    value: m ? `${show(m.workerHeapMb.max, 0)} / ${show(m.workerHeapMb.last, 0)}` : "-",
    goal: "(shown)",
    met: undefined,
  });
  for (const workers of [1, 4]) {
    const runs = (r.limits ?? []).filter((l) => l.workers === workers && l.stuck === 0);
    const worst = runs.length === 0 ? undefined : Math.min(...runs.map((l) => l.sendEfficiency));
    const limited = runs.reduce((n, l) => n + l.rateLimited, 0);
    rows.push({
      figure: `send rate ÷ Inter's limit, ${String(workers)} worker${workers > 1 ? "s" : ""} (worst of webhook on/off), 429s`,
      value: worst === undefined ? "-" : `${show(worst, 3)}, ${String(limited)}`,
      goal: "≥ 0.975, 0",
      met: worst === undefined ? undefined : worst >= 0.975 && limited === 0,
    });
    const gate = runs.map((l) => l.gateToSocketMs);
    rows.push({
      figure: `  rate gate → socket, ${String(workers)} worker${workers > 1 ? "s" : ""}, p50 / p99 (ms, worst run)`,
      value:
        gate.length === 0
          ? "-"
          : `${show(Math.max(...gate.map((g) => g.p50)), 1)} / ${show(Math.max(...gate.map((g) => g.p99)), 1)}`,
      goal: "(shown)",
      met: undefined,
    });
  }
  return rows;
}

export function goalTable(rows: GoalRow[]): string {
  const width = Math.max(...rows.map((row) => row.figure.length));
  const lines = rows.map(
    (row) =>
      `${row.figure.padEnd(width)}  ${row.value.padStart(14)}  ${row.goal.padEnd(10)}  ${row.met === undefined ? "" : row.met ? "met" : "not met"}`,
  );
  return [`${"figure".padEnd(width)}  ${"this run".padStart(14)}  ${"goal".padEnd(10)}`, ...lines].join("\n");
}
