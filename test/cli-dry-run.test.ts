// `pay --dry-run` and `enqueue --dry-run` as users run them (the built CLI): what the first send would be,
// nothing enqueued. Runs again with the clock moved (vitest.config.ts): the dates here are relative to it.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, describe, expect, inject, it } from "vitest";
import type { Environment } from "../src/config.js";
import { saoPauloToday, shiftIsoDate } from "../src/payments/calendar.js";
import { bankIdempotencyKey } from "../src/payments/idempotency.js";
import { cliQueueEnv, runCli } from "./helpers/cli.js";
import { tempDir } from "./helpers/temp-dir.js";

const dir = tempDir("cli-dry-run");
const redis = new Redis(inject("redisUrl"));
afterAll(() => {
  redis.disconnect();
});

async function keysOf(env: Environment): Promise<string[]> {
  const prefix = env["PIXOUT_REDIS_PREFIX"] ?? "";
  return [...(await redis.keys(`${prefix}:*`)), ...(await redis.keys(`{${prefix}}:*`))];
}

describe("pay and enqueue --dry-run", () => {
  it("pay --dry-run shows the masked body, the bank key and the amount written out, and enqueues nothing", async () => {
    const env = cliQueueEnv();
    const args = [
      "pay",
      "--id",
      "dry-1",
      "--amount",
      "1234.56",
      "--key",
      "fornecedor@example.com",
      "--description",
      "Reembolso",
      "--dry-run",
    ];
    const r = await runCli(args, { env });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const key = bankIdempotencyKey("dry-1", 0);
    expect(r.stdout).toBe(
      [
        "dry run: valid; nothing was sent to the bank or enqueued",
        "payment           dry-1 (job payment-dry-1)",
        "amount            R$ 1.234,56 (mil duzentos e trinta e quatro reais e cinquenta e seis centavos)",
        `x-id-idempotente  ${key} (generation 0: the same on every retry)`,
        "request           POST /banking/v2/pix (authorization: Bearer ***, content-type: application/json)",
        'body              {"valor":1234.56,"descricao":"Reembolso","destinatario":{"tipo":"CHAVE","chave":"f***@e***.com"}}',
        "",
      ].join("\n"),
    );
    const json = await runCli([...args, "--json"], { env: { ...env, INTER_ACCOUNT: "12345678" } });
    expect(JSON.parse(json.stdout)).toMatchObject({
      dryRun: true,
      paymentId: "dry-1",
      jobId: "payment-dry-1",
      idempotencyKey: key,
      request: { headers: { "x-id-idempotente": key, "x-conta-corrente": "12345678" } },
    });
    expect(await keysOf(env)).toEqual([]);
    expect((await runCli(["status", "dry-1"], { env })).code).toBe(1);

    const bad = await runCli(["pay", "--id", "dry-2", "--amount", "10", "--key", "x@example.com", "--dry-run"], {
      env,
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("amount: must be reais with exactly two decimals");
  });

  it("enqueue --dry-run checks every line, shows each send and the total, and enqueues nothing", async () => {
    const env = cliQueueEnv();
    const line = (id: string, amount: string) =>
      JSON.stringify({ paymentId: id, amount, recipient: { type: "key", key: "+5511987654321" } });
    const file = join(dir, "dry.jsonl");
    writeFileSync(
      file,
      [
        line("d-1", "10.00"),
        "{oops",
        line("d-2", "0.50"),
        line("d-1", "10.00"),
        line("d-2", "9.99"),
        JSON.stringify({ paymentId: "d-3" }),
      ].join("\n"),
    );
    const r = await runCli(["enqueue", file, "--dry-run"], { env });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `line 1\n  payment           d-1 (job payment-d-1)\n  amount            R$ 10,00 (dez reais)\n  x-id-idempotente  ${bankIdempotencyKey("d-1")}`,
    );
    expect(r.stdout).toContain('"chave":"+5511*******21"');
    expect(r.stdout).not.toContain("+5511987654321");
    expect(r.stdout).toContain(
      [
        "dry run: 6 line(s): 2 valid, 2 duplicate, 2 invalid; total R$ 10,50 (dez reais e cinquenta centavos); nothing was enqueued",
        "  line 2: not valid JSON",
        "  line 6: amount: is required; recipient: is required",
        "  line 5: d-2: paymentId already used by an earlier line with different data; this line would be ignored",
      ].join("\n"),
    );
    const json = await runCli(["enqueue", file, "--dry-run", "--json"], { env });
    const summary = JSON.parse(json.stdout) as {
      valid: number;
      payments: { line: number; paymentId: string }[];
      total: { amount: string };
    };
    expect(summary).toMatchObject({ valid: 2, total: { amount: "10.50" } });
    expect(summary.payments.map((p) => [p.line, p.paymentId])).toEqual([
      [1, "d-1"],
      [3, "d-2"],
    ]);
    expect(await keysOf(env)).toEqual([]);
  });

  it("schedules only a date after São Paulo's today, pays today's now, and refuses a past one with today's date", async () => {
    const env = cliQueueEnv();
    // São Paulo's date as this test's clock says (moved in the clock projects; the CLI's clock moves with it).
    const today = saoPauloToday(Date.now());
    const pay = (id: string, date: string) =>
      runCli(
        [
          "pay",
          "--id",
          id,
          "--amount",
          "3.00",
          "--key",
          "fornecedor@example.com",
          "--scheduled-for",
          date,
          "--dry-run",
          "--json",
        ],
        { env },
      );
    const tomorrow = await pay("when-1", shiftIsoDate(today, 1));
    expect(tomorrow.stderr).toBe("");
    expect(JSON.parse(tomorrow.stdout)).toMatchObject({
      request: {
        body: `{"valor":3.00,"dataPagamento":"${shiftIsoDate(today, 1)}","destinatario":{"tipo":"CHAVE","chave":"f***@e***.com"}}`,
      },
    });
    const sameDay = await pay("when-2", today);
    expect(sameDay.code).toBe(0);
    expect(JSON.parse(sameDay.stdout)).toMatchObject({
      request: { body: '{"valor":3.00,"destinatario":{"tipo":"CHAVE","chave":"f***@e***.com"}}' },
    });
    const past = await pay("when-3", shiftIsoDate(today, -1));
    expect(past.code).toBe(2);
    expect(past.stderr).toContain(`scheduledFor: must not be in the past: today is ${today} in São Paulo`);

    const line = (id: string, date: string) =>
      JSON.stringify({
        paymentId: id,
        amount: "1.00",
        scheduledFor: date,
        recipient: { type: "key", key: "+5511987654321" },
      });
    const file = join(dir, "dates.jsonl");
    writeFileSync(
      file,
      [line("w-1", shiftIsoDate(today, 31)), line("w-2", today), line("w-3", shiftIsoDate(today, -1))].join("\n"),
    );
    const r = await runCli(["enqueue", file, "--dry-run", "--json"], { env });
    const summary = JSON.parse(r.stdout) as {
      valid: number;
      invalid: { line: number; problem: string }[];
      payments: { request: { body: string } }[];
    };
    expect(summary.valid).toBe(2);
    expect(summary.payments[0]?.request.body).toContain(`"dataPagamento":"${shiftIsoDate(today, 31)}"`);
    expect(summary.payments[1]?.request.body).not.toContain("dataPagamento");
    expect(summary.invalid).toEqual([
      { line: 3, problem: expect.stringContaining(`today is ${today} in São Paulo`) as unknown },
    ]);
    expect(await keysOf(env)).toEqual([]);
  });
});
