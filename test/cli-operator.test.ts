// The operator commands as users run them (the built CLI): doctor, certs show, pay/enqueue --dry-run.
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEV_INTEGRATION } from "../src/emulator/integration.js";
import { maskDocument, maskName, maskText } from "../src/payments/mask.js";
import { issueCertificate, toPfx } from "../src/tls/dev-certs.js";
import { clientEnvFor } from "./helpers/bank.js";
import { testCerts } from "./helpers/certs.js";
import { cliQueueEnv, runCli } from "./helpers/cli.js";
import { NO_LIMITS, startTestEmulator } from "./helpers/emulator.js";
import { startPipeline } from "./helpers/pipeline.js";
import { tempDir } from "./helpers/temp-dir.js";

const DAY = 86_400_000;
const certs = testCerts();
const dir = tempDir("cli-operator");
function write(name: string, content: string | Buffer, mode = 0o600): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  chmodSync(path, mode);
  return path;
}

describe("pixout doctor (command)", async () => {
  const emulator = await startTestEmulator({ limits: NO_LIMITS });

  it("prints one line per check and exits 0 when nothing is an error", async () => {
    const env = { ...clientEnvFor(emulator), ...cliQueueEnv() };
    const r = await runCli(["doctor"], { env });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^ok {4}settings {16}every setting parses: bank https:\/\/127\.0\.0\.1:\d+, client id pi\*{8}nt,/,
    );
    for (const title of [
      "certificate file",
      "key permissions",
      "key matches certificate",
      "certificate validity",
      "redis",
      "queue cli-",
      "bank over mTLS",
      "access token",
      "granted scopes",
    ]) {
      expect(r.stdout).toMatch(new RegExp(`^ok {4}${title}`, "m"));
    }
    expect(r.stdout).toMatch(/\n\n(Every check passed|No errors, \d warnings?)/);
    expect(r.stdout).not.toContain(DEV_INTEGRATION.clientSecret);
    expect(r.stdout).not.toContain(DEV_INTEGRATION.clientId);
  });

  it("exits 1 on any error, with the fix, and --json for scripts", async () => {
    // An integration of its own: tokens are shared by integration, and the test above holds one.
    const own = await startTestEmulator({ limits: NO_LIMITS });
    const env = { ...clientEnvFor(own, { INTER_CLIENT_SECRET: "a-wrong-secret" }), ...cliQueueEnv() };
    const text = await runCli(["doctor"], { env });
    expect(text.code).toBe(1);
    // Inter's token endpoint says 400 to wrong credentials (its spec has no 401).
    expect(text.stdout).toMatch(/^ERROR access token {12}the bank refused the token request: HTTP 400/m);
    expect(text.stdout).toMatch(/^ {30}fix: check INTER_CLIENT_ID and INTER_CLIENT_SECRET/m);
    expect(text.stdout).toMatch(/\n1 error, \d warnings?: fix the errors before the first payment.\n$/);
    const json = await runCli(["doctor", "--json"], { env });
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as { ok: boolean; errors: number; checks: { id: string; status: string }[] };
    expect(report).toMatchObject({ ok: false, errors: 1 });
    expect(report.checks.find((c) => c.id === "bank.token")?.status).toBe("error");
    expect(json.stdout + text.stdout).not.toContain("a-wrong-secret");
  });
});

describe("pixout certs show", () => {
  it("shows subject, issuer, serial, validity, days left and status; exit 1 when expired", async () => {
    const shown = await runCli(["certs", "show", certs.paths.clientCert]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(
      /^file {8}.*client\.crt\nsubject {5}CN=pixout dev integration, O=pixout development\nissuer {6}CN=pixout dev CA, O=pixout development\nserial {6}[0-9A-F]+\nvalid from {2}\S+\nvalid to {4}\S+\ndays left {3}36\d\nstatus {6}valid: /,
    );

    const ca = { certPem: certs.ca, keyPem: readFileSync(certs.paths.caKey, "utf8") };
    const soon = issueCertificate({
      commonName: "soon",
      clientAuth: true,
      issuer: ca,
      notAfter: new Date(Date.now() + 60 * DAY),
    });
    const renewable = await runCli(["certs", "show", write("soon.crt", soon.certPem, 0o644), "--json"]);
    expect(renewable.code).toBe(0);
    expect(JSON.parse(renewable.stdout)).toMatchObject({
      subject: "CN=soon, O=pixout development",
      status: "renewable",
      daysLeft: 59,
      advice: expect.stringMatching(/^renew it in Inter's Internet Banking/) as unknown,
    });

    const old = issueCertificate({
      commonName: "old",
      clientAuth: true,
      issuer: ca,
      notBefore: new Date(Date.now() - 400 * DAY),
      notAfter: new Date(Date.now() - 2 * DAY),
    });
    const expired = await runCli(["certs", "show", write("old.crt", old.certPem, 0o644), "--json"]);
    expect(expired.code).toBe(1);
    expect(JSON.parse(expired.stdout)).toMatchObject({ status: "expired", daysLeft: -3 });
  });

  it("reads INTER_CERT_FILE or INTER_PFX_FILE when no FILE is given, and says what is missing", async () => {
    const fromSetting = await runCli(["certs", "show", "--json"], { env: { INTER_CERT_FILE: certs.paths.clientCert } });
    expect(JSON.parse(fromSetting.stdout)).toMatchObject({ file: certs.paths.clientCert, status: "valid" });
    const pfx = write("client.pfx", toPfx({ certPem: certs.clientCert, keyPem: certs.clientKey }, "a-passphrase"));
    const fromPfx = await runCli(["certs", "show", "--json"], {
      env: { INTER_PFX_FILE: pfx, INTER_PFX_PASSPHRASE: "a-passphrase" },
    });
    expect(JSON.parse(fromPfx.stdout)).toMatchObject({
      file: pfx,
      subject: "CN=pixout dev integration, O=pixout development",
    });
    const none = await runCli(["certs", "show"]);
    expect(none).toMatchObject({
      code: 2,
      stderr: "pixout: give a certificate FILE, or set INTER_CERT_FILE (or INTER_PFX_FILE + INTER_PFX_PASSPHRASE)\n",
    });
    const missing = await runCli(["certs", "show", join(dir, "nope.crt")]);
    expect(missing).toMatchObject({ code: 1, stderr: `pixout: FILE: file not found: ${join(dir, "nope.crt")}\n` });
  });
});

describe("pay --dry-run against the worker", () => {
  it("shows what the worker then sends: the same bank key, amount, account and body", async () => {
    const p = await startPipeline();
    const flags = [
      "--id",
      "same-1",
      "--amount",
      "77.70",
      "--description",
      "Aluguel novembro",
      "--ispb",
      "00416968",
      "--branch",
      "0001",
      "--bank-account",
      "7654321",
    ];
    const more = [
      "--account-type",
      "CONTA_POUPANCA",
      "--document",
      "12345678909",
      "--name",
      "Maria da Silva",
      "--from-account",
      "12345678",
    ];
    const dry = await runCli(["pay", ...flags, ...more, "--dry-run", "--json"], { env: p.env });
    expect(dry.code).toBe(0);
    const preview = JSON.parse(dry.stdout) as {
      idempotencyKey: string;
      request: { headers: Record<string, string>; body: string };
    };
    expect(
      (await runCli(["pay", ...flags, ...more, "--wait", "--timeout", "30"], { env: { ...p.env, LOG_LEVEL: "warn" } }))
        .code,
    ).toBe(0);

    const [sent, ...others] = p.emulator.paymentsWithKey(preview.idempotencyKey);
    expect(others).toEqual([]);
    if (!sent) throw new Error("the bank never saw the dry run's key");
    expect(sent.account).toBe(preview.request.headers["x-conta-corrente"]);
    const r = sent.recipient;
    // The bank's record of the send, written as the dry run writes it (same order, same masks).
    const seen = `{"valor":77.70,"descricao":${JSON.stringify(sent.descricao)},"destinatario":${JSON.stringify({
      tipo: sent.recipient.tipo,
      contaCorrente: maskText(r.nroConta ?? ""),
      tipoConta: r.tipoConta,
      cpfCnpj: maskDocument(r.cpfCnpj),
      agencia: r.codAgencia,
      nome: maskName(r.nome),
      instituicaoFinanceira: { ispb: r.codIspb },
    })}}`;
    expect(sent.amountCents).toBe(7770);
    expect(preview.request.body).toBe(seen);
  });
});
