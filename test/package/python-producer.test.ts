// examples/python/enqueue.py, the Python producer of docs/integrating/python-producer.md, in its --dry-run mode:
// it checks payments with docs/payment.schema.json as Python's jsonschema package reads it, and builds the jobs
// pixout's own producer would (name, id, options, prefix, data version). Enqueueing itself needs Python's bullmq
// package, which this test does not install: the doc says so. Skipped where python3 has no jsonschema.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { PAYMENT_DATA_VERSION } from "../../src/payments/payment.js";
import { bullPrefix, jobIdFor, PAYOUT_JOB_NAME } from "../../src/queue/names.js";
import { payoutJobOptions } from "../../src/queue/producer/producer.js";
import { ENCRYPTED, INVALID_EXPRESSED, INVALID_NOT_EXPRESSED, VALID } from "./payment-examples.js";

const script = fileURLToPath(new URL("../../examples/python/enqueue.py", import.meta.url));
const hasJsonschema = spawnSync("python3", ["-c", "import jsonschema"], { stdio: "ignore" }).status === 0;

function enqueuePy(payments: unknown[], args: string[] = ["--dry-run"]) {
  const input = payments.map((p) => JSON.stringify(p)).join("\n");
  // A clean environment: the defaults (queue pix-payouts, prefix pixout), and no Redis of the test run's.
  const env = { PATH: process.env["PATH"] ?? "" }; // eslint-disable-line no-restricted-properties -- the child's PATH
  const run = spawnSync("python3", [script, "-", ...args], { input, encoding: "utf8", env, timeout: 60_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe.skipIf(!hasJsonschema)("the Python producer (examples/python/enqueue.py)", () => {
  it("builds the jobs pixout's producer builds, for every payment pixout accepts", () => {
    const payments = [...Object.values(VALID), ENCRYPTED];
    const { code, stdout, stderr } = enqueuePy(payments);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    const jobs = stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as unknown);
    expect(jobs).toEqual(
      payments.map((payment) => {
        const { paymentId } = payment as { paymentId: string };
        return {
          queue: "pix-payouts",
          prefix: bullPrefix("pixout"),
          name: PAYOUT_JOB_NAME,
          data: { version: PAYMENT_DATA_VERSION, ...(payment as object) },
          opts: { ...payoutJobOptions(), jobId: jobIdFor(paymentId) },
        };
      }),
    );
  });

  it("refuses, line by line, what the schema refuses, and enqueues none of the file then", () => {
    const invalid = Object.values(INVALID_EXPRESSED);
    const { code, stdout, stderr } = enqueuePy([VALID["a Pix key"], ...invalid]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    const refused = new Set([...stderr.matchAll(/^line (\d+): /gm)].map((m) => Number(m[1])));
    expect([...refused].sort((a, b) => a - b)).toEqual(invalid.map((_, i) => i + 2));
  });

  it("names the field and the kind of recipient at fault", () => {
    const { stderr } = enqueuePy([
      { paymentId: "p", amount: "1.00", recipient: { type: "key", key: "a@b.co", keyType: "X" } },
    ]);
    expect(stderr).toMatch(/^line 1: recipient\.keyType: 'X' is not one of/m);
  });

  it("checks what the schema cannot about scheduledFor (a real date, not in the past), leaving the rest to the workers", () => {
    const notExpressed = Object.entries(INVALID_NOT_EXPRESSED);
    const { stderr } = enqueuePy(notExpressed.map(([, payment]) => payment));
    const refused = [...stderr.matchAll(/^line (\d+): (\S+)/gm)].map(
      (m) => `${notExpressed[Number(m[1]) - 1]?.[0] ?? "?"} ${m[2] ?? ""}`,
    );
    expect(refused).toEqual(["a date that does not exist scheduledFor:", "a date in the past scheduledFor:"]);
  });

  it("says what to install when Python's bullmq is missing", () => {
    const hasBullmq = spawnSync("python3", ["-c", "import bullmq"], { stdio: "ignore" }).status === 0;
    if (hasBullmq) return; // then it would enqueue for real, into a Redis this test does not own
    const { code, stderr } = enqueuePy([VALID["a Pix key"]], []);
    expect(code).toBe(1);
    expect(stderr).toMatch(/pip install bullmq/);
  });
});
