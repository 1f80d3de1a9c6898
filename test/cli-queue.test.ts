// The queue commands as users run them: `pixout worker` processes, `pay`, `enqueue`, `status`.
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Environment } from "../src/config.js";
import { runCli } from "./helpers/cli.js";
import { FAST_WORKER, startPipeline } from "./helpers/pipeline.js";
import { tempDir } from "./helpers/temp-dir.js";
import { startWorkerProcess as startWorker } from "./helpers/worker-process.js";

/** A fixed moment for data that only has to look real (an audit entry, a record): never compared with the clock. */
const FIXED_AT = new Date(Date.UTC(2026, 10, 27, 13)).toISOString();

const startWorkerProcess = (env: Environment): ChildProcess => startWorker(env);

describe("pixout queue commands", async () => {
  // The test's own worker stays paused: the worker processes below do the work.
  const p = await startPipeline({ worker: false });
  const env: Environment = { ...p.env, LOG_LEVEL: "warn" };

  it("pay --wait enqueues one payment that a `pixout worker` process pays; status shows it", async () => {
    const worker = startWorkerProcess(env);
    const paid = await runCli(
      [
        "pay",
        "--id",
        "cli-1",
        "--amount",
        "10.50",
        "--key",
        "fornecedor@example.com",
        "--description",
        "CLI",
        "--wait",
        "--timeout",
        "30",
      ],
      { env },
    );
    expect(paid.stderr).toBe("");
    expect(paid.code).toBe(0);
    expect(paid.stdout).toMatch(/^enqueued cli-1; waiting for the outcome…\npayment\s+cli-1\noutcome\s+paid\n/);
    const status = await runCli(["status", "cli-1", "--json"], { env });
    expect(status.code).toBe(0);
    const view = JSON.parse(status.stdout) as Record<string, unknown>;
    expect(view).toMatchObject({ paymentId: "cli-1", outcome: "paid", bankStatus: "PAGO", failedReason: null });
    expect(view["codigoSolicitacao"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(view["endToEndId"]).toMatch(/^E00416968/);
    expect(status.stdout).not.toContain("fornecedor@example.com");

    worker.kill("SIGTERM");
    const [exitCode] = (await once(worker, "exit")) as [number | null];
    expect(exitCode).toBe(0);
  });

  it("status prints stored text with its control characters and bidirectional marks made visible, and --json still reads back", async () => {
    // Written straight into Redis (an older version, a producer in another language): nothing refused it.
    const { Queue } = await import("bullmq");
    const q = new Queue(p.config.queueName, { connection: p.redis, prefix: `{${p.config.redisPrefix}}` });
    const reason = "ok\u001b]0;owned\u0007\u001b[2J\rfake line \u202Eexe.txt";
    const state = {
      step: "submit",
      generation: 0,
      attempts: 1,
      maybeExecuted: false,
      polls: 0,
      lastError: { code: "X", message: reason, at: 1 },
    };
    await q.add(
      "payout",
      {
        paymentId: "ctl-1",
        amount: "1.00",
        recipient: { type: "key", key: "fornecedor@example.com" },
        state,
        audit: [{ at: FIXED_AT, actor: "ops", action: "retry", reason, generation: 0, newKey: false }],
      },
      { jobId: "payment-ctl-1", delay: 3_600_000 },
    );
    await q.close();
    const text = await runCli(["status", "ctl-1"], { env });
    expect(text.code).toBe(0);
    for (const raw of ["\u001b", "\u0007", "\r", "\u202E"]) expect(text.stdout).not.toContain(raw);
    expect(text.stdout).toContain("ok\\u001b]0;owned\\u0007\\u001b[2J\\u000dfake line \\u202eexe.txt");
    const json = await runCli(["status", "ctl-1", "--json"], { env });
    expect(json.stdout).not.toContain("\u202E");
    expect((JSON.parse(json.stdout) as { lastError: { message: string } }).lastError.message).toBe(reason);
  });

  it("status of an unknown payment exits 1; pay with bad input exits 2 listing the fields", async () => {
    const unknown = await runCli(["status", "no-such-payment"], { env });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('pixout: no payment "no-such-payment" in the queue\n');
    const bad = await runCli(["pay", "--id", "bad id", "--amount", "10", "--key", "x@y.com"], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("paymentId: must be 1-64 characters");
    expect(bad.stderr).toContain(
      'amount: must be reais with exactly two decimals, like "10.50" (at most 10 digits before the dot)',
    );
    const twoRecipients = await runCli(
      ["pay", "--id", "x", "--amount", "1.00", "--key", "a@b.com", "--brcode", "000201"],
      { env },
    );
    expect(twoRecipients.code).toBe(2);
  });

  it("enqueue FILE.jsonl reports accepted, duplicate and invalid lines with their numbers, and exits 1", async () => {
    const dir = tempDir("enqueue");
    const file = join(dir, "payouts.jsonl");
    const line = (id: string, amount = "1.00") =>
      JSON.stringify({ paymentId: id, amount, recipient: { type: "key", key: "fornecedor@example.com" } });
    writeFileSync(
      file,
      [
        line("file-1"),
        line("file-2"),
        "{not json",
        "",
        JSON.stringify({ paymentId: "file-3", amount: "1" }),
        line("file-1"),
        line("file-2", "9.99"),
      ].join("\n"),
    );
    const result = await runCli(["enqueue", file], { env });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(
      [
        "6 line(s): 2 accepted, 2 duplicate, 2 invalid",
        "  line 3: not valid JSON",
        '  line 5: amount: must be reais with exactly two decimals, like "10.50" (at most 10 digits before the dot); recipient: is required',
        "  line 7: file-2: paymentId already enqueued with different data; this line was ignored",
        "",
      ].join("\n"),
    );
    const clean = join(dir, "clean.jsonl");
    writeFileSync(clean, `${line("file-4")}\n${line("file-1")}\n`);
    const ok = await runCli(["enqueue", clean, "--json"], { env });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ lines: 2, accepted: 1, duplicate: 1, invalid: [], conflicting: [] });
    expect((await runCli(["enqueue", join(dir, "missing.jsonl")], { env })).code).toBe(2);
  });

  it("enqueue refuses a key given twice, bytes that are not UTF-8, control characters and an over-long line, each at its line; nothing of them is enqueued", async () => {
    const dir = tempDir("enqueue-strict");
    const file = join(dir, "hostile.jsonl");
    const recipient = '{"type":"key","key":"fornecedor@example.com"}';
    writeFileSync(
      file,
      Buffer.concat([
        Buffer.from(`{"paymentId":"dup-1","amount":"1.00","amount":"999999.00","recipient":${recipient}}\n`),
        Buffer.from(
          `{"paymentId":"dup-2","amount":"1.00","recipient":{"type":"key","key":"a@example.com","key":"b@example.com"}}\n`,
        ),
        Buffer.from('{"paymentId":"latin1","amount":"1.00","description":"Pagamento '),
        Buffer.from([0xe7, 0xe3, 0x6f]), // "ção" in Latin-1: not UTF-8
        Buffer.from(`","recipient":${recipient}}\r\n`),
        Buffer.from(`{"paymentId":"esc","amount":"1.00","description":"x\\u001b[2Jy","recipient":${recipient}}\n`),
        Buffer.from(`{"paymentId":"long","amount":"1.00","description":"${"x".repeat(1_100_000)}"}\n`),
        Buffer.from(`{"paymentId":"fine","amount":"1.00","description":"Pagamento ção","recipient":${recipient}}`),
      ]),
    );
    const result = await runCli(["enqueue", file], { env });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(
      [
        "6 line(s): 1 accepted, 0 duplicate, 5 invalid",
        '  line 1: the key "amount" is given twice (which one counts is not defined): give it once',
        '  line 2: the key "recipient.key" is given twice (which one counts is not defined): give it once',
        "  line 3: not UTF-8 text (save the file as UTF-8)",
        "  line 4: description: must not contain control characters or bidirectional marks (U+001B at character 2)",
        "  line 5: longer than 1 MiB: not a payment",
        "",
      ].join("\n"),
    );
  });

  it("worker refuses to start with a wrong configuration, listing every problem (exit 78)", async () => {
    const result = await runCli(["worker"], {
      env: {
        REDIS_URL: "http://nope",
        INTER_CERT_FILE: "/nonexistent/inter.crt",
        INTER_KEY_FILE: "/nonexistent/inter.key",
      },
    });
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(/^pixout cannot start: \d settings are wrong\n/);
    for (const setting of ["REDIS_URL", "INTER_CLIENT_ID", "INTER_CLIENT_SECRET", "INTER_CERT_FILE", "INTER_KEY_FILE"])
      expect(result.stderr).toContain(`  ${setting}: `);
    expect(result.stderr).toContain("INTER_CERT_FILE: file not found: /nonexistent/inter.crt");
  });

  it("two worker processes share Inter's budgets: every payment paid, one token call, zero 429s", async () => {
    // Inter's limits ×10 at the emulator; the workers' budgets set to the same ×10 limits.
    const scaled = await startPipeline({
      worker: false,
      emulator: { limits: { scale: 10 }, timing: { sentAfterMs: 50, paidAfterMs: 150 } },
    });
    const workerEnv: Environment = {
      ...scaled.env,
      ...FAST_WORKER,
      LOG_LEVEL: "warn",
      PIXOUT_SEND_PER_MINUTE: "600",
      PIXOUT_SEND_MIN_INTERVAL_MS: "100",
      // The production margin (2 % of 1 s = 20 ms) in absolute terms: 2 % of the ×10 interval would be 2 ms,
      // less than the event-loop jitter of this process (it runs the emulator) under the whole suite — a 429
      // would then measure the machine's load, not the budgets. Without fleet-wide budgets two workers would
      // send at twice the rate and get 429s whatever the margin.
      PIXOUT_LIMIT_MARGIN_PERCENT: "20",
      PIXOUT_STATUS_PER_MINUTE: "200",
      PIXOUT_TOKEN_PER_MINUTE: "50",
      PIXOUT_FIRST_POLL_MS: "300",
      PIXOUT_POLL_CAP_MS: "1000",
    };
    const before = scaled.emulator.ledger.snapshot();
    const workers = [startWorkerProcess(workerEnv), startWorkerProcess(workerEnv)];
    const ids = Array.from({ length: 30 }, (_, i) => `fleet-${String(i)}`);
    await scaled.producer.enqueueMany(
      ids.map((id) => ({ paymentId: id, amount: "1.00", recipient: { type: "key", key: "fornecedor@example.com" } })),
    );
    for (const id of ids) expect((await scaled.producer.waitForResult(id, { timeoutMs: 60_000 })).outcome).toBe("paid");
    const ledger = scaled.emulator.ledger.snapshot();
    expect(ledger.executions.total - before.executions.total).toBe(30);
    expect(ledger.rateLimited).toEqual({});
    expect(ledger.tokens.calls - before.tokens.calls).toBe(1);
    for (const w of workers) w.kill("SIGTERM");
    await Promise.all(workers.map((w) => once(w, "exit")));
  }, 90_000);
});
