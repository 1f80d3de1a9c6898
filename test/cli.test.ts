// The built `pixout` command, run as a user runs it.
import { statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { runCli } from "./helpers/cli.js";
import { tempDir } from "./helpers/temp-dir.js";

describe("pixout command", () => {
  it("lists its commands and exit codes in --help", async () => {
    const { code, stdout } = await runCli(["--help"]);
    expect(code).toBe(0);
    for (const command of ["worker", "pay", "enqueue", "status", "demo", "emulator", "certs"])
      expect(stdout).toContain(command);
    expect(stdout).toMatch(/78 configuration error/);
  });

  it("exits 2 with a clear message on a usage error", async () => {
    const unknown = await runCli(["paay"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'paay'/);
    const badFault = await runCli(["emulator", "--port", "0", "--fault", "POST /banking/v2/pix explode"]);
    expect(badFault.code).toBe(2);
    expect(badFault.stderr).toMatch(/^pixout: --fault: /);
    const badPort = await runCli(["emulator", "--port", "eighty"]);
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toMatch(/--port.*whole number/);
  });

  it("makes dev certificates with private keys readable by the owner only, and keeps an existing set", async () => {
    const dir = join(tempDir("cli-certs"), "dev");
    const first = await runCli(["certs", "dev", "--dir", dir]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Wrote dev certificates/);
    for (const key of ["ca.key", "server.key", "client.key", "callback.key"]) {
      expect(statSync(join(dir, key)).mode & 0o777).toBe(0o600);
    }
    const mtime = statSync(join(dir, "ca.crt")).mtimeMs;
    const second = await runCli(["certs", "dev", "--dir", dir]);
    expect(second.stdout).toMatch(/already exist/);
    expect(statSync(join(dir, "ca.crt")).mtimeMs).toBe(mtime);
  });

  it("runs the demo: 21 varied payments and a payroll held for balance, each to its expected outcome, with one token call and no 429", async () => {
    const dir = join(tempDir("cli-demo"), "dev");
    const { code, stdout, stderr } = await runCli(["demo", "--certs", dir], {
      env: { REDIS_URL: inject("redisUrl") },
      timeoutMs: 120_000,
    });
    expect({ code, stderr }, stdout).toEqual({ code: 0, stderr: "" });
    expect(stdout).toMatch(/Every payment ended as expected/);
    const table = stdout.split("\n").filter((l) => /^demo-\d\d /.test(l));
    expect(table).toHaveLength(21);
    for (const row of table) expect(row).toMatch(/ yes$/);
    for (const outcome of ["paid PAGO", "rejected", "failed FALHA", "pending AGENDADO", "refused"])
      expect(stdout).toContain(outcome);
    expect(stdout).toMatch(/demo-21 {2}refused before the queue: amount: must be reais with exactly two decimals/);
    // The payroll: 10 paid on R$ 100.00, 20 held (none failed), all paid after the top-up, each debited once.
    expect(stdout).toMatch(
      /account 87654321 HELD \(the bank ended a payment CANCELADO_SEM_SALDO \(insufficient balance\)\): 10 paid, 20 waiting \(R\$ 200\.00\), 0 failed/,
    );
    expect(stdout).toMatch(
      /resumed after [12] balance check\(s\): 30 paid, 0 failed; 30 debits, one per payment; 20 sends the bank refused for balance/,
    );
    expect(stdout).toMatch(/token calls 1; 429s 0; executions 69; keys executed twice 0/);
    expect(stdout).toMatch(/Reconciled with the bank's statement: 47 Pix debits, each matched to its payment/);
    expect(stdout).not.toContain("fornecedor@example.com");
  }, 130_000);
});
