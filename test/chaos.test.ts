// The chaos suite in its short configuration (issue #4 §4): about 200 payments and 20 SIGKILLs in the
// kills scenario, and every other scenario at a quarter or half of that. `npm run chaos` is the full run.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ALL_SCENARIOS, describeResult, runChaos } from "../scripts/chaos/run.js";

describe("chaos (short configuration)", () => {
  it("never pays twice, never loses a payment, never gives an outcome the bank's ledger contradicts", async () => {
    const workDir = mkdtempSync(join(tmpdir(), "pixout-chaos-test-"));
    const lines: string[] = [];
    const results = await runChaos({ payments: 200, kills: 20, scenarios: ALL_SCENARIOS, seed: 11, workDir, say: (l) => lines.push(l) });
    expect(results.map((r) => r.name)).toEqual(ALL_SCENARIOS);
    for (const r of results) {
      expect({ scenario: r.name, duplicates: r.duplicates, lost: r.lost, wrong: r.wrong }, describeResult(r)).toEqual({ scenario: r.name, duplicates: 0, lost: 0, wrong: [] });
      // Every acknowledged payment reached an outcome, and the chaos really happened.
      expect(r.paid + r.failed + r.rejected + r.parked).toBe(r.payments);
    }
    const byName = Object.fromEntries(results.map((r) => [r.name, r]));
    expect(byName["kills"]?.kills).toBeGreaterThanOrEqual(18);
    expect(byName["redis"]?.redisRestarts).toBe(1);
    expect(byName["sigterm"]?.terms).toBeGreaterThanOrEqual(4);
    expect(byName["replays"]?.notes.join(" ")).toMatch(/reported-duplicate=50/);
    // When the bank forgets its keys and the worker is told not to trust them, it parks rather than resends.
    expect(byName["forgetful"]?.parked).toBeGreaterThan(0);
    rmSync(workDir, { recursive: true, force: true });
  }, 600_000);
});
