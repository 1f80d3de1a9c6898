// The Prometheus and Grafana assets of monitoring/ (docs/operating/observability.md): every metric their
// PromQL names is one pixout really exports — read from a scrape of a worker's registry and of the
// dashboard's fleet registry over the shared Redis — every alert says how urgent it is and what to do, and
// the compose `monitoring` profile mounts the files where the configuration looks for them.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { describe, expect, inject, it } from "vitest";
import { parse } from "yaml";
import { createFleetMetrics } from "../../src/ops/fleet-metrics.js";
import { createWorkerMetrics } from "../../src/ops/metrics/worker-metrics.js";
import { removeQueueKeys } from "../../src/queue/cleanup.js";
import { bullPrefix } from "../../src/queue/names.js";
import { cleanupAfter } from "../helpers/cleanup.js";

const ROOT = new URL("../../", import.meta.url);
const read = (file: string): string => readFileSync(new URL(file, ROOT), "utf8");

interface Rule {
  alert?: string;
  expr?: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface Target {
  expr?: string;
  datasource?: { uid?: string };
}
interface Panel {
  title?: string;
  description?: string;
  datasource?: { uid?: string };
  targets?: Target[];
  panels?: Panel[];
}

const alerts = parse(read("monitoring/alerts.yml")) as { groups: { name: string; rules: Rule[] }[] };
const rules = alerts.groups.flatMap((g) => g.rules);
const dashboard = JSON.parse(read("monitoring/grafana/dashboards/pixout.json")) as { panels: Panel[] };
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);

/** Every pixout metric name a text names (a hyphen ends a token: job="pixout-worker" is not one). */
const metricNames = (text: string): string[] => [...text.matchAll(/\bpixout_[a-z0-9_]+/g)].map((m) => m[0]);

/**
 * The series names a scrape exposes, from its `# TYPE` lines: a histogram's _bucket, _sum and _count (its bare
 * name is no series), a counter as registered (prom-client keeps the _total it was given), a gauge as is.
 * Also the families' names themselves, which prose may mention.
 */
function exported(scrape: string): { series: Set<string>; families: Set<string> } {
  const series = new Set<string>();
  const families = new Set<string>();
  for (const m of scrape.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name = "", type] = m;
    families.add(name);
    if (type === "histogram") for (const suffix of ["_bucket", "_sum", "_count"]) series.add(name + suffix);
    else series.add(name);
  }
  return { series, families };
}

async function scrapeAll(): Promise<string> {
  const worker = createWorkerMetrics({ certificateValidTo: new Date(Date.now() + 90 * 86_400_000) });
  const redisPrefix = `pixout-test-${randomUUID().slice(0, 8)}`;
  const redis = new Redis(inject("redisUrl"));
  const queueName = `test-${randomUUID().slice(0, 8)}`;
  const queue = new Queue(queueName, { connection: redis, prefix: bullPrefix(redisPrefix) });
  cleanupAfter(async () => {
    await queue.close();
    redis.disconnect();
    await removeQueueKeys(inject("redisUrl"), redisPrefix);
  });
  const fleet = createFleetMetrics({ redis, redisPrefix, queueName, queues: [queue] });
  return (await worker.scrape()).body + (await fleet.metrics());
}

describe("monitoring/ (Prometheus alerts, Grafana dashboard)", async () => {
  const { series, families } = exported(await scrapeAll());

  it("the scrapes are read right (a known series of each registry, and no bare histogram name)", () => {
    expect(series).toContain("pixout_payments_total");
    expect(series).toContain("pixout_bank_call_duration_seconds_bucket");
    expect(series).not.toContain("pixout_bank_call_duration_seconds");
    expect(series).toContain("pixout_workers_alive");
    expect(series).toContain("pixout_reconciliation_last_clean_run_age_seconds");
  });

  it("every metric in an alert's or a panel's PromQL is a series pixout exports", () => {
    const exprs = [
      ...rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr ?? "" })),
      ...panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr ?? "" }))),
    ];
    expect(exprs.length).toBeGreaterThan(20);
    const unknown = exprs.flatMap(({ where, expr }) =>
      metricNames(expr)
        .filter((name) => !series.has(name))
        .map((name) => `${where}: ${name}`),
    );
    expect(unknown, "metrics pixout does not export (a typo, or a histogram without _bucket/_sum/_count)").toEqual([]);
    // Besides pixout's metrics, only Prometheus's own `up` of pixout's scrape jobs.
    for (const { where, expr } of exprs)
      expect(
        metricNames(expr).length > 0 || /\bup\{job="pixout-(?:worker|fleet)"\}/.test(expr),
        `${where}: no pixout metric`,
      ).toBe(true);
  });

  it("every metric the alerts' annotations and the panels' descriptions mention exists", () => {
    const prose = [
      ...rules.flatMap((r) => Object.values(r.annotations ?? {})),
      ...panels.map((p) => p.description ?? ""),
    ].join("\n");
    const known = new Set([...series, ...families]);
    expect(metricNames(prose).filter((name) => !known.has(name))).toEqual([]);
  });

  it("every alert has a name, a `for`, a severity, a summary and a description pointing at an existing doc", () => {
    expect(rules.map((r) => r.alert).sort()).toEqual([
      "PixoutAccountHeld",
      "PixoutCertificateExpiring",
      "PixoutCertificateExpiringSoon",
      "PixoutInter429s",
      "PixoutNoWorkerAlive",
      "PixoutPaymentsParked",
      "PixoutReconciliationFindings",
      "PixoutReconciliationStale",
      "PixoutSendBudgetSaturated",
    ]);
    for (const r of rules) {
      expect(r.for, `${r.alert}: for`).toMatch(/^\d+[smh]$/);
      expect(["warning", "critical"], `${r.alert}: severity`).toContain(r.labels?.severity);
      expect(r.annotations?.summary, `${r.alert}: summary`).toBeTruthy();
      const docs = [...(r.annotations?.description ?? "").matchAll(/docs\/[a-z/-]+\.md/g)].map((m) => m[0]);
      expect(docs.length, `${r.alert}: the description links no doc`).toBeGreaterThan(0);
      for (const doc of docs) expect(existsSync(new URL(doc, ROOT)), `${r.alert}: ${doc}`).toBe(true);
    }
  });

  it("the dashboard's panels use the provisioned data source, and compose mounts what the configuration reads", () => {
    const datasources = parse(read("monitoring/grafana/provisioning/datasources/prometheus.yml")) as {
      datasources: { uid: string; url: string }[];
    };
    const uid = datasources.datasources[0]?.uid;
    for (const p of panels.filter((p) => p.targets !== undefined)) {
      expect(p.datasource?.uid, `panel "${p.title}"`).toBe(uid);
      for (const t of p.targets ?? []) expect(t.datasource?.uid, `panel "${p.title}"`).toBe(uid);
    }

    interface Service {
      profiles?: string[];
      volumes?: string[];
    }
    const compose = parse(read("docker-compose.yml")) as { services: Record<string, Service> };
    const prometheusYml = parse(read("monitoring/prometheus.yml")) as {
      rule_files: string[];
      scrape_configs: { job_name: string; basic_auth?: { password_file: string } }[];
    };
    const mounts = (service: string): Record<string, string> =>
      Object.fromEntries(
        (compose.services[service]?.volumes ?? []).map((v) => {
          const [from = "", to = ""] = v.split(":");
          return [to, from];
        }),
      );
    for (const name of ["prometheus", "grafana"]) expect(compose.services[name]?.profiles).toEqual(["monitoring"]);
    const prom = mounts("prometheus");
    expect(prom["/etc/prometheus/prometheus.yml"]).toBe("./monitoring/prometheus.yml");
    for (const file of prometheusYml.rule_files) expect(prom[file]).toBe("./monitoring/alerts.yml");
    expect(prometheusYml.scrape_configs.map((s) => s.job_name).sort()).toEqual(["pixout-fleet", "pixout-worker"]);
    // The dashboard's password is a file the operator writes (git ignores it), mounted where the scrape reads it.
    const passwordFile = prometheusYml.scrape_configs.find((s) => s.job_name === "pixout-fleet")?.basic_auth
      ?.password_file;
    expect(passwordFile).toBeDefined();
    expect(prom[passwordFile ?? ""]).toBe("./monitoring/dashboard-password");
    expect(read(".gitignore").split("\n")).toContain("/monitoring/dashboard-password");
    const grafana = mounts("grafana");
    expect(grafana["/etc/grafana/provisioning"]).toBe("./monitoring/grafana/provisioning");
    const providers = parse(read("monitoring/grafana/provisioning/dashboards/pixout.yml")) as {
      providers: { options: { path: string } }[];
    };
    expect(grafana[providers.providers[0]?.options.path ?? ""]).toBe("./monitoring/grafana/dashboards");
  });

  const promtool = (() => {
    try {
      return execFileSync("which", ["promtool"], { encoding: "utf8" }).trim();
    } catch {
      return "";
    }
  })();
  it.skipIf(promtool === "")(
    `promtool check rules monitoring/alerts.yml${promtool === "" ? " — SKIPPED: promtool is not installed (it comes with Prometheus)" : ""}`,
    () => {
      execFileSync(promtool, ["check", "rules", new URL("monitoring/alerts.yml", ROOT).pathname], { stdio: "pipe" });
    },
  );
});
