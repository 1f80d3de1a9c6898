// `npm run deps:audit` and `npm run deps:sbom`: what pixout ships, and whether any of it is known to be
// vulnerable.
//
//   deps:audit   npm's advisory audit of the production dependencies (`npm audit --omit=dev`). Exit 1 on
//                an advisory of high or critical severity. Where the registry's audit endpoint does not
//                answer (no network, a mirror without it), it says so and exits 0 — unless --strict, for a
//                pipeline that must not ship unaudited.
//   deps:sbom    a CycloneDX SBOM of the production dependencies, from the lockfile (`npm sbom`), written to
//                sbom.cdx.json (or --out FILE); it needs no network.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    strict: { type: "boolean", default: false },
    out: { type: "string", default: "sbom.cdx.json" },
    help: { type: "boolean", short: "h", default: false },
  },
});
const command = positionals[0];
const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

if (values.help || (command !== "audit" && command !== "sbom")) {
  say("usage: tsx scripts/supply-chain.ts audit [--strict] | sbom [--out FILE]");
  process.exit(values.help ? 0 : 2);
}

function npm(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync("npm", args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

if (command === "sbom") {
  const r = npm(["sbom", "--sbom-format", "cyclonedx", "--omit", "dev"]);
  if (r.status !== 0) {
    process.stderr.write(r.stderr);
    process.exit(1);
  }
  const bom = JSON.parse(r.stdout) as { components?: unknown[] };
  writeFileSync(values.out, r.stdout);
  say(`wrote ${values.out}: CycloneDX, ${String(bom.components?.length ?? 0)} production components`);
  process.exit(0);
}

interface AuditReport {
  metadata?: { vulnerabilities?: Record<string, number>; dependencies?: { prod?: number } };
  vulnerabilities?: Record<string, { severity: string; via: unknown[] }>;
  error?: { summary?: string };
  /** npm's own failure, as JSON: the endpoint's answer. */
  message?: string;
}

const r = npm(["audit", "--omit=dev", "--json"]);
let report: AuditReport | undefined;
try {
  report = JSON.parse(r.stdout) as AuditReport;
} catch {
  report = undefined;
}
const counts = report?.metadata?.vulnerabilities;
if (counts === undefined) {
  // No report: the endpoint did not answer (offline, or a registry mirror without /-/npm/v1/security).
  const why =
    report?.message ??
    report?.error?.summary ??
    (
      r.stderr.split("\n").find((l) => /audit|ENOTFOUND|ECONNREFUSED|ETIMEDOUT|40\d|50\d/.test(l)) ?? "no answer"
    ).trim();
  say(`deps:audit: NOT AUDITED — the registry's audit endpoint gave no report (${why})`);
  process.exit(values.strict ? 1 : 0);
}
const serious = (counts["high"] ?? 0) + (counts["critical"] ?? 0);
say(
  `deps:audit: ${String(report?.metadata?.dependencies?.prod ?? "?")} production dependencies; advisories: ` +
    ["critical", "high", "moderate", "low", "info"].map((s) => `${s} ${String(counts[s] ?? 0)}`).join(", "),
);
for (const [name, v] of Object.entries(report?.vulnerabilities ?? {})) say(`  ${v.severity.padEnd(8)} ${name}`);
process.exit(serious > 0 ? 1 : 0);
