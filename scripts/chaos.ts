// `npm run chaos`: the chaos suite. Prints one line per scenario and a total; exit 1 if any
// payment was executed twice, lost, or given an outcome the bank's ledger contradicts.
//
//   npm run chaos                         # full: 2,000 payments and 200 SIGKILLs in the kills scenario
//   npm run chaos -- --payments 200 --kills 20 --scenarios kills,faults --seed 7
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ALL_SCENARIOS, runChaos, total, type ScenarioName } from "./chaos/run.js";

const { values } = parseArgs({
  options: {
    payments: { type: "string", default: "2000" },
    kills: { type: "string", default: "200" },
    scenarios: { type: "string", default: ALL_SCENARIOS.join(",") },
    seed: { type: "string", default: "1" },
    keep: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  process.stdout.write(`usage: npm run chaos -- [--payments N] [--kills N] [--scenarios a,b] [--seed N] [--keep]

Runs payments through real worker processes, Redis and the emulator while breaking them, then checks
the bank's ledger: exit 1 if any payment was executed twice, lost, or given an outcome the ledger contradicts.
  --payments N    payments of the kills scenario; the others take a share (default 2000)
  --kills N       SIGKILLs in the kills scenario (default 200)
  --scenarios     comma-separated, of: ${ALL_SCENARIOS.join(", ")}
                  (failover: a Sentinel set of its own, its master SIGKILLed twice under load; cluster: a
                  3-master cluster with a replica each, the queue's master SIGKILLed twice; both with AOF
                  and PIXOUT_REDIS_WAIT_REPLICAS=1, and their Redis logs kept in the work folder)
  --seed N        the faults' and kills' random seed (default 1)
  --keep          keep the work folder (worker logs, Redis AOF) even when all went well
`);
  process.exit(0);
}

const scenarios = values.scenarios.split(",").filter(Boolean) as ScenarioName[];
for (const s of scenarios) {
  if (!ALL_SCENARIOS.includes(s)) {
    process.stderr.write(`--scenarios: unknown scenario ${s}; use ${ALL_SCENARIOS.join(", ")}\n`);
    process.exit(2);
  }
}
const workDir = mkdtempSync(join(tmpdir(), "pixout-chaos-"));
const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
say(`chaos: work folder ${workDir} (worker logs, Redis AOF)`);
const results = await runChaos({
  payments: Number(values.payments),
  kills: Number(values.kills),
  scenarios,
  seed: Number(values.seed),
  workDir,
  say,
});
say(total(results));
const bad = results.some((r) => !r.demonstration && (r.duplicates > 0 || r.lost > 0 || r.wrong.length > 0));
if (!values.keep && !bad) rmSync(workDir, { recursive: true, force: true });
process.exitCode = bad ? 1 : 0;
