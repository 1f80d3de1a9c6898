// `pixout doctor`'s checks against the real emulator over mTLS and real Redis: a healthy setup, then each
// failure an operator meets in the first hour (wrong secret, a scope not ticked, expired certificate, key
// not matching, key readable by others, Redis down, nobody at the bank URL, Redis run as a cache).
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { randomUUID, X509Certificate } from "node:crypto";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import type { Environment } from "../../src/config.js";
import { freePort } from "../../src/cli/demo/redis-server.js";
import { DEV_INTEGRATION } from "../../src/emulator/integration.js";
import { checkSettings } from "../../src/ops/doctor/settings.js";
import { runDoctor, type DoctorReport } from "../../src/ops/doctor/run-doctor.js";
import { checkWebhookReceiver } from "../../src/ops/doctor/webhook.js";
import type { Check } from "../../src/ops/doctor/check.js";
import { createPayoutProducer } from "../../src/queue/producer/producer.js";
import { removeQueueKeys } from "../../src/queue/cleanup.js";
import { issueCertificate, toPfx } from "../../src/tls/dev-certs.js";
import { clientEnvFor } from "../helpers/bank.js";
import { testCerts } from "../helpers/certs.js";
import { cleanupAfter } from "../helpers/cleanup.js";
import { NO_LIMITS, startTestEmulator } from "../helpers/emulator.js";
import { startPrivateRedis } from "../helpers/private-redis.js";
import { tempDir } from "../helpers/temp-dir.js";

const DAY = 86_400_000;
const certs = testCerts();
const dir = tempDir("doctor");
const ca = { certPem: certs.ca, keyPem: readFileSync(certs.paths.caKey, "utf8") };
const prefixes: string[] = [];
afterAll(async () => {
  for (const p of prefixes) await removeQueueKeys(inject("redisUrl"), p);
});

function write(name: string, content: string | Buffer, mode = 0o600): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  chmodSync(path, mode);
  return path;
}

/** Client settings for the emulator on the shared Redis, with a key prefix and queue of the test's own. */
function envFor(emulator: Awaited<ReturnType<typeof startTestEmulator>>, overrides: Environment = {}): Environment {
  const prefix = `pixout-test-${randomUUID().slice(0, 8)}`;
  prefixes.push(prefix);
  return {
    ...clientEnvFor(emulator),
    REDIS_URL: inject("redisUrl"),
    PIXOUT_REDIS_PREFIX: prefix,
    PIXOUT_QUEUE: `doctor-${randomUUID().slice(0, 8)}`,
    ...overrides,
  };
}

function find(report: DoctorReport, id: string): Check {
  const found = report.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id} in ${JSON.stringify(report.checks.map((c) => c.id))}`);
  return found;
}

function statuses(report: DoctorReport): Record<string, string> {
  return Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
}

describe("pixout doctor", async () => {
  const emulator = await startTestEmulator({ limits: NO_LIMITS });

  it("passes a healthy setup, counts the queue, and reuses the fleet's token on the second run", async () => {
    const env = envFor(emulator);
    const producer = createPayoutProducer({
      connection: inject("redisUrl"),
      queueName: env["PIXOUT_QUEUE"] ?? "",
      redisPrefix: env["PIXOUT_REDIS_PREFIX"] ?? "",
    });
    cleanupAfter(() => producer.close());
    await producer.enqueue({
      paymentId: "doc-1",
      amount: "1.00",
      recipient: { type: "key", key: "fornecedor@example.com" },
    });
    const tokensBefore = emulator.ledger.snapshot().tokens.calls;

    const first = await runDoctor({ env });
    expect(first.errors, JSON.stringify(first.checks, null, 1)).toBe(0);
    expect(first.ok).toBe(true);
    expect(statuses(first)).toMatchObject({
      settings: "ok",
      "certificate.file": "ok",
      "certificate.key": "ok",
      "certificate.key-permissions": "ok",
      "certificate.key-match": "ok",
      "certificate.validity": "ok",
      "certificate.ca": "ok",
      "redis.connection": "ok",
      queue: "ok",
      "bank.connection": "ok",
      "bank.token": "ok",
      "bank.scopes": "ok",
      // Reconciliation's scope is not asked for by default: said, not failed.
      "bank.statement-scope": "warning",
    });
    expect(find(first, "bank.statement-scope").fix).toMatch(/tick the statement scope \(extrato.read\)/);
    expect(find(first, "queue").detail).toMatch(/^waiting 1, active 0, delayed 0, completed 0, failed 0$/);
    expect(find(first, "settings.environment").detail).toBe(
      "INTER_ENV=production; fleet budgets a minute: send 60 (≥ 1000 ms apart), status 20, token 5, webhook 10 each, callbacks 10, callback re-send 5, statement 10, balance 10; 2 % margin",
    );
    expect(find(first, "bank.connection").detail).toMatch(
      /answered over TLS, our client certificate offered \(HTTP 404/,
    );
    expect(find(first, "bank.token").detail).toMatch(
      /^obtained a new token for pagamento-pix.write pagamento-pix.read \(one token call\), shared with the fleet/,
    );
    expect(find(first, "bank.scopes").detail).toBe(
      "granted every scope asked for: pagamento-pix.write pagamento-pix.read",
    );
    expect(find(first, "certificate.validity").detail).toMatch(/^valid: 36\d days left/);

    const second = await runDoctor({ env });
    expect(find(second, "bank.token").detail).toMatch(/^reused the fleet's token .* from Redis \(no token call/);
    expect(emulator.ledger.snapshot().tokens.calls - tokensBefore).toBe(1);

    const text = JSON.stringify([first, second]);
    expect(text).not.toContain(DEV_INTEGRATION.clientSecret);
    expect(text).not.toContain(DEV_INTEGRATION.clientId);
    expect(text).toContain("pi********nt"); // the client id, masked
  });

  it("finds a wrong client secret: with a token call, or with --new-token when the fleet holds a token", async () => {
    const wrong = "not-the-secret-at-all";
    // An integration of its own: tokens are shared by integration, and the others' tests hold one.
    const own = await startTestEmulator({ limits: NO_LIMITS });
    const fresh = await runDoctor({
      env: envFor(own, { INTER_CLIENT_SECRET: wrong, PIXOUT_TOKEN_PER_MINUTE: "6000" }),
    });
    expect(fresh.ok).toBe(false);
    const token = find(fresh, "bank.token");
    expect(token).toMatchObject({
      status: "error",
      detail: "the bank refused the token request: HTTP 400 Requisição inválida. client_id ou client_secret inválido.",
    });
    expect(token.fix).toMatch(/check INTER_CLIENT_ID and INTER_CLIENT_SECRET/);
    expect(find(fresh, "bank.scopes").status).toBe("skipped");
    expect(JSON.stringify(fresh)).not.toContain(wrong);

    // A token already in the fleet's cache proves nothing about the secret; --new-token asks the bank.
    const env = envFor(own, { PIXOUT_TOKEN_PER_MINUTE: "6000" }); // token calls in a row
    expect((await runDoctor({ env })).ok).toBe(true);
    const reused = await runDoctor({ env: { ...env, INTER_CLIENT_SECRET: wrong } });
    expect(find(reused, "bank.token").detail).toMatch(/^reused the fleet's token/);
    const asked = await runDoctor({ env: { ...env, INTER_CLIENT_SECRET: wrong }, newToken: true });
    expect(find(asked, "bank.token").status).toBe("error");
    expect(asked.ok).toBe(false);
  });

  it("finds a scope the integration lacks", async () => {
    const narrow = await startTestEmulator({
      limits: NO_LIMITS,
      integration: { ...DEV_INTEGRATION, scopes: ["pagamento-pix.write"], accounts: ["12345678"] },
    });
    const report = await runDoctor({ env: envFor(narrow) });
    const token = find(report, "bank.token");
    expect(token.status).toBe("error");
    expect(token.detail).toBe(
      "the bank refused the token request: HTTP 403 Acesso Negado Escopo não autorizado para esta integração: pagamento-pix.read",
    );
    expect(token.fix).toMatch(/^tick the scopes pagamento-pix.write, pagamento-pix.read for the integration/);
    expect(report.ok).toBe(false);
  });

  it("with PIXOUT_RECONCILE=true, a statement scope not asked for is an error; asked for and granted, it is proved", async () => {
    const own = await startTestEmulator({ limits: NO_LIMITS });
    const env = envFor(own, { PIXOUT_RECONCILE: "true", PIXOUT_TOKEN_PER_MINUTE: "6000" });
    const off = await runDoctor({ env });
    expect(find(off, "bank.statement-scope")).toMatchObject({
      status: "error",
      fix: expect.stringMatching(/add it to INTER_SCOPES/) as unknown,
    });
    expect(off.ok).toBe(false);
    const on = await runDoctor({
      env: { ...env, INTER_SCOPES: "pagamento-pix.write pagamento-pix.read extrato.read" },
      newToken: true,
    });
    expect(find(on, "bank.scopes").status).toBe("ok");
    expect(find(on, "bank.statement-scope").status).toBe("ok");
  });

  it("finds an expired certificate, and warns when Inter's renewal window is open", async () => {
    const expired = issueCertificate({
      commonName: "expired",
      clientAuth: true,
      issuer: ca,
      notBefore: new Date(Date.now() - 400 * DAY),
      notAfter: new Date(Date.now() - DAY),
    });
    const report = await runDoctor({
      env: envFor(emulator, {
        INTER_CERT_FILE: write("expired.crt", expired.certPem, 0o644),
        INTER_KEY_FILE: write("expired.key", expired.keyPem),
      }),
    });
    const validity = find(report, "certificate.validity");
    expect(validity.status).toBe("error");
    expect(validity.detail).toMatch(/^expired: -\d+ days left/);
    expect(validity.fix).toMatch(/^download a new certificate from Inter's Internet Banking/);
    expect(statuses(report)).toMatchObject({
      "certificate.key-match": "ok",
      "bank.connection": "skipped",
      "bank.token": "skipped",
    });
    expect(report.ok).toBe(false);

    // The dev certificate seen 60 days before it ends: usable, renewal window open.
    const validTo = new Date(new (await import("node:crypto")).X509Certificate(certs.clientCert).validTo);
    const later = await runDoctor({ env: envFor(emulator), now: new Date(validTo.getTime() - 60 * DAY) });
    expect(find(later, "certificate.validity")).toMatchObject({
      status: "warning",
      detail: expect.stringMatching(/^renewable: 60 days left/) as unknown,
    });
    expect(later.errors).toBe(0);
  });

  it("finds a key that does not match the certificate, and a key readable by others", async () => {
    const mismatch = await runDoctor({ env: envFor(emulator, { INTER_KEY_FILE: certs.paths.serverKey }) });
    expect(find(mismatch, "certificate.key-match")).toMatchObject({
      status: "error",
      detail: `${certs.paths.serverKey} is not the private key of ${certs.paths.clientCert}`,
    });
    expect(mismatch.ok).toBe(false);

    const open = write("open.key", certs.clientKey, 0o644);
    const report = await runDoctor({ env: envFor(emulator, { INTER_KEY_FILE: open }) });
    expect(find(report, "certificate.key-permissions")).toEqual({
      id: "certificate.key-permissions",
      title: "key permissions",
      status: "error",
      detail: `${open} is readable by group or others (mode 0644)`,
      fix: `chmod 600 ${open}`,
    });
    // Each property is its own finding: the open key still matches its certificate.
    expect(statuses(report)).toMatchObject({ "certificate.key": "ok", "certificate.key-match": "ok" });
    expect(report.ok).toBe(false);
  });

  it("checks a .pfx the same way", async () => {
    const pfx = toPfx({ certPem: certs.clientCert, keyPem: certs.clientKey }, "pfx-passphrase");
    const base = envFor(emulator, { INTER_CERT_FILE: "", INTER_KEY_FILE: "", INTER_PFX_PASSPHRASE: "pfx-passphrase" });
    const good = await runDoctor({ env: { ...base, INTER_PFX_FILE: write("client.pfx", pfx) } });
    expect(statuses(good)).toMatchObject({
      "certificate.file": "ok",
      "certificate.key-permissions": "ok",
      "certificate.validity": "ok",
      "bank.token": "ok",
    });
    expect(find(good, "certificate.file").detail).toMatch(/client.pfx: CN=pixout dev integration.*key matches$/);
    const open = await runDoctor({ env: { ...base, INTER_PFX_FILE: write("open.pfx", pfx, 0o640) } });
    expect(find(open, "certificate.key-permissions")).toMatchObject({ status: "error", title: "pfx permissions" });
    const wrong = await runDoctor({
      env: { ...base, INTER_PFX_FILE: write("client.pfx", pfx), INTER_PFX_PASSPHRASE: "wrong-passphrase" },
    });
    expect(find(wrong, "certificate.file")).toMatchObject({
      status: "error",
      detail: expect.stringMatching(/INTER_PFX_PASSPHRASE: wrong passphrase/) as unknown,
    });
    expect(JSON.stringify(wrong)).not.toContain("wrong-passphrase");
  });

  it("finds Redis unreachable, and makes no token call outside the fleet's budget unless told to", async () => {
    const env = envFor(emulator, { REDIS_URL: `redis://127.0.0.1:${String(await freePort())}` });
    const calls = emulator.ledger.snapshot().tokens.calls;
    const report = await runDoctor({ env, redisTimeoutMs: 1_000 });
    expect(find(report, "redis.connection")).toMatchObject({
      status: "error",
      fix: "start Redis, or set REDIS_URL to where it runs",
    });
    expect(find(report, "redis.connection").detail).toMatch(/^Redis does not answer at redis:\/\/127.0.0.1:\d+$/);
    expect(statuses(report)).toMatchObject({
      "redis.eviction": "skipped",
      "redis.persistence": "skipped",
      queue: "skipped",
      "bank.connection": "ok",
      "bank.token": "skipped",
    });
    expect(find(report, "bank.token").fix).toMatch(/token budget is shared/);
    expect(emulator.ledger.snapshot().tokens.calls).toBe(calls);
    expect(report.ok).toBe(false);
    const forced = await runDoctor({ env, redisTimeoutMs: 1_000, newToken: true });
    expect(find(forced, "bank.token")).toMatchObject({
      status: "ok",
      detail: expect.stringMatching(/not shared: Redis is unreachable/) as unknown,
    });
    expect(emulator.ledger.snapshot().tokens.calls).toBe(calls + 1);
  });

  it("finds a bank URL nobody listens on", async () => {
    const url = `https://127.0.0.1:${String(await freePort())}`;
    const report = await runDoctor({ env: envFor(emulator, { INTER_BASE_URL: url }) });
    expect(find(report, "bank.connection")).toMatchObject({
      status: "error",
      detail: "could not connect to the bank (ECONNREFUSED); nothing was sent",
      fix: `check INTER_BASE_URL (${url}) and that this machine reaches it (DNS, firewall, proxy)`,
    });
    expect(statuses(report)).toMatchObject({ "bank.token": "skipped", "bank.scopes": "skipped" });
    expect(report.ok).toBe(false);
  });

  it("shows the sandbox's budgets, and warns when INTER_BASE_URL is the other environment's", () => {
    const sandbox = checkSettings(envFor(emulator, { INTER_ENV: "sandbox" }), new Date());
    expect(sandbox.checks.find((c) => c.id === "settings.environment")?.detail).toBe(
      "INTER_ENV=sandbox; fleet budgets a minute: send 10 (≥ 1000 ms apart), status 10, token 5, webhook 10 each, callbacks 10, callback re-send none, statement 10, balance 10; 2 % margin",
    );
    expect(sandbox.checks.find((c) => c.id === "settings.environment-url")).toBeUndefined();
    const crossed = checkSettings(
      envFor(emulator, { INTER_ENV: "production", INTER_BASE_URL: "https://cdpj-sandbox.partners.uatinter.co" }),
      new Date(),
    );
    expect(crossed.checks.find((c) => c.id === "settings.environment-url")).toMatchObject({
      status: "warning",
      detail: expect.stringMatching(/^INTER_BASE_URL is Inter's sandbox .* but INTER_ENV is production/) as unknown,
      fix: "set INTER_ENV to the environment of INTER_BASE_URL (or leave INTER_BASE_URL unset)",
    });
  });

  it("checks the webhook receiver where one is configured: pinned callers, or a warning that callbacks only wake queries", () => {
    expect(checkWebhookReceiver(envFor(emulator), new Date())).toEqual([]);
    const receiver: Environment = {
      ...envFor(emulator),
      PIXOUT_WEBHOOK_CERT_FILE: certs.paths.serverCert,
      PIXOUT_WEBHOOK_KEY_FILE: certs.paths.serverKey,
      PIXOUT_WEBHOOK_CLIENT_CA_FILE: certs.paths.caCert,
    };
    expect(checkWebhookReceiver(receiver, new Date())).toEqual([
      expect.objectContaining({
        id: "webhook.pinning",
        status: "warning",
        detail: expect.stringMatching(/^not pinned: .* callbacks only wake status queries$/) as unknown,
      }),
    ]);
    const fingerprint = new X509Certificate(certs.callbackCert).fingerprint256;
    expect(checkWebhookReceiver({ ...receiver, PIXOUT_WEBHOOK_CLIENT_FINGERPRINTS: fingerprint }, new Date())).toEqual([
      expect.objectContaining({
        id: "webhook.pinning",
        status: "ok",
        detail: expect.stringMatching(/^pinned \(1 fingerprint\(s\), 0 subject\(s\)\)/) as unknown,
      }),
    ]);
    expect(checkWebhookReceiver({ ...receiver, PIXOUT_WEBHOOK_CLIENT_SUBJECTS: "not a subject" }, new Date())).toEqual([
      expect.objectContaining({
        id: "webhook.settings",
        status: "error",
        detail: expect.stringContaining("PIXOUT_WEBHOOK_CLIENT_SUBJECTS") as unknown,
      }),
    ]);
  });

  it("reports every wrong setting, and still checks what it can", async () => {
    const report = await runDoctor({ env: envFor(emulator, { INTER_ACCOUNT: "0012", PIXOUT_CONCURRENCY: "none" }) });
    const settings = report.checks.filter((c) => c.id === "settings");
    expect(settings.map((c) => [c.status, c.title])).toEqual([
      ["error", "setting INTER_ACCOUNT"],
      ["error", "setting PIXOUT_CONCURRENCY"],
    ]);
    expect(settings[0]?.detail).toMatch(/^INTER_ACCOUNT: must be the checking account number/);
    expect(statuses(report)).toMatchObject({
      "certificate.file": "ok",
      "redis.connection": "ok",
      "bank.connection": "skipped",
    });
  });

  it("warns about a Redis run as a cache, and says when CONFIG is refused", async () => {
    const cache = await startPrivateRedis(["--save", "", "--appendonly", "no", "--maxmemory-policy", "allkeys-lru"]);
    cleanupAfter(() => cache.stop());
    const asCache = await runDoctor({ env: envFor(emulator, { REDIS_URL: cache.url }) });
    expect(find(asCache, "redis.eviction")).toMatchObject({
      status: "warning",
      detail: expect.stringMatching(/^maxmemory-policy is allkeys-lru:/) as unknown,
    });
    expect(find(asCache, "redis.persistence")).toMatchObject({
      status: "warning",
      fix: expect.stringMatching(/appendonly yes/) as unknown,
    });
    expect(asCache.ok).toBe(true); // warnings only

    const snapshots = await startPrivateRedis([
      "--save",
      "3600 1",
      "--appendonly",
      "no",
      "--dir",
      tempDir("doctor-rdb"),
    ]);
    cleanupAfter(() => snapshots.stop());
    const rdbOnly = await runDoctor({ env: envFor(emulator, { REDIS_URL: snapshots.url }) });
    expect(find(rdbOnly, "redis.persistence")).toMatchObject({
      status: "warning",
      detail: expect.stringMatching(/^RDB snapshots only/) as unknown,
    });

    const aofDir = tempDir("doctor-aof");
    const database = await startPrivateRedis(["--save", "", "--appendonly", "yes", "--dir", aofDir]);
    cleanupAfter(() => database.stop());
    const asDatabase = await runDoctor({ env: envFor(emulator, { REDIS_URL: database.url }) });
    expect(find(asDatabase, "redis.eviction").status).toBe("ok");
    expect(find(asDatabase, "redis.persistence")).toMatchObject({
      status: "ok",
      detail: "AOF on (appendfsync everysec)",
    });

    const managed = await startPrivateRedis(["--save", "", "--appendonly", "no", "--rename-command", "CONFIG", ""]);
    cleanupAfter(() => managed.stop());
    const report = await runDoctor({ env: envFor(emulator, { REDIS_URL: managed.url }) });
    expect(find(report, "redis.eviction")).toMatchObject({
      status: "ok",
      detail: expect.stringMatching(/noeviction \(from INFO; CONFIG GET is refused\)/) as unknown,
    });
    expect(find(report, "redis.persistence")).toMatchObject({
      status: "warning",
      detail: expect.stringMatching(/^could not check persistence/) as unknown,
    });
  });
});
