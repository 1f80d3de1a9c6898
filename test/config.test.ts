import { execFileSync } from "node:child_process";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, loadQueueSettings, readEnvironment, type Environment } from "../src/config.js";
import { generateKeyPem, issueCertificate, toPfx } from "../src/tls/dev-certs.js";
import { testCerts } from "./helpers/certs.js";
import { tempDir } from "./helpers/temp-dir.js";

const DAY = 86_400_000;
const dir = tempDir("config");
const certs = testCerts();
// The test CA, to issue certificate variants (expired, not yet valid, expiring soon).
const ca = { certPem: certs.ca, keyPem: readFileSync(certs.paths.caKey, "utf8") };

function write(name: string, content: string | Buffer, mode = 0o600): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  chmodSync(path, mode);
  return path;
}

function clientPair(name: string, validity: { notBefore?: Date; notAfter?: Date } = {}): { cert: string; key: string } {
  const pair = issueCertificate({ commonName: name, clientAuth: true, issuer: ca, ...validity });
  return { cert: write(`${name}.crt`, pair.certPem, 0o644), key: write(`${name}.key`, pair.keyPem) };
}

const good = clientPair("good");
const baseEnv: Environment = {
  INTER_CLIENT_ID: "client-id",
  INTER_CLIENT_SECRET: "client-secret-value",
  INTER_CERT_FILE: good.cert,
  INTER_KEY_FILE: good.key,
};

function problemsOf(env: Environment, now?: Date): string[] {
  try {
    loadConfig(env, now);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.map((p) => `${p.setting}: ${p.message}`);
  }
  throw new Error("expected a ConfigError");
}

describe("configuration", () => {
  it("loads a valid cert + key configuration with documented defaults", () => {
    const { config, warnings } = loadConfig(baseEnv);
    expect(warnings).toEqual([]);
    expect(config.redis.target).toEqual({ kind: "single", url: "redis://127.0.0.1:6379" });
    expect(config.queueName).toBe("pix-payouts");
    expect(config.inter.baseUrl).toBe("https://cdpj.partners.bancointer.com.br");
    expect(config.inter.scopes).toEqual(["pagamento-pix.write", "pagamento-pix.read"]);
    expect(config.inter.tokenMarginMs).toBe(60_000);
    expect(config.inter.tls.cert).toContain("BEGIN CERTIFICATE");
    expect(config.inter.tls.key).toContain("PRIVATE KEY");
    expect(config.inter.certificate.subject).toContain("CN=good");
    expect(config.inter.account).toBeUndefined();
  });

  it("reports every missing setting in one error", () => {
    const problems = problemsOf({});
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^INTER_CLIENT_ID: is required/),
        expect.stringMatching(/^INTER_CLIENT_SECRET: is required/),
        expect.stringMatching(/^INTER_CERT_FILE: is required/),
        expect.stringMatching(/^INTER_KEY_FILE: is required/),
      ]),
    );
    expect(problems).toHaveLength(4);
  });

  it("reports every bad value together, certificate files included", () => {
    const problems = problemsOf({
      ...baseEnv,
      REDIS_URL: "http://localhost:6379",
      LOG_LEVEL: "loud",
      INTER_BASE_URL: "http://cdpj.partners.bancointer.com.br",
      INTER_ACCOUNT: "0123",
      INTER_CONNECT_TIMEOUT_MS: "soon",
      INTER_CERT_FILE: join(dir, "missing.crt"),
    });
    const settings = problems.map((p) => p.split(":")[0]);
    expect(settings.sort()).toEqual(
      [
        "INTER_ACCOUNT",
        "INTER_BASE_URL",
        "INTER_CERT_FILE",
        "INTER_CONNECT_TIMEOUT_MS",
        "LOG_LEVEL",
        "REDIS_URL",
      ].sort(),
    );
    expect(problems).toContain(`INTER_CERT_FILE: file not found: ${join(dir, "missing.crt")}`);
    const message = (() => {
      try {
        loadConfig({ ...baseEnv, LOG_LEVEL: "loud" });
      } catch (err) {
        return (err as Error).message;
      }
      return "";
    })();
    expect(message).toMatch(/^pixout cannot start: 1 setting is wrong\n {2}LOG_LEVEL: must be one of/);
  });

  it("reads numbers only as written in digits: 1e3, 0x10, Infinity and 1_000 are refused, each named", () => {
    const problems = problemsOf({
      ...baseEnv,
      PIXOUT_CONCURRENCY: "1e3",
      PIXOUT_MAX_ATTEMPTS: "0x10",
      PIXOUT_RESEND_WINDOW_MINUTES: "Infinity",
      PIXOUT_SEND_PER_MINUTE: "1_000",
      PIXOUT_WEBHOOK_PORT: "-1",
    });
    expect(problems.sort()).toEqual([
      "PIXOUT_CONCURRENCY: must be a whole number written in digits, like 4",
      "PIXOUT_MAX_ATTEMPTS: must be a whole number written in digits, like 4",
      "PIXOUT_RESEND_WINDOW_MINUTES: must be a number written in digits, like 2 or 0.5",
      "PIXOUT_SEND_PER_MINUTE: must be a whole number written in digits, like 4",
      "PIXOUT_WEBHOOK_PORT: must be a whole number written in digits, like 4",
    ]);
    const { config } = loadConfig({ ...baseEnv, PIXOUT_CONCURRENCY: " 12 ", PIXOUT_RESEND_WINDOW_MINUTES: "0.5" });
    expect(config.worker.concurrency).toBe(12);
  });

  it("takes only regular files of at most 1 MiB where a setting names a file: /dev/zero, a FIFO, a directory, a huge file are refused", () => {
    const fifo = join(dir, "a-fifo");
    execFileSync("mkfifo", [fifo]);
    const huge = write("huge.crt", Buffer.alloc(1024 * 1024 + 1, 0x41));
    const allow = write("allow.txt", Buffer.alloc(2 * 1024 * 1024, 0x0a));
    // (A FIFO would block its open and /dev/zero never ends: either would hang this test, not fail it.)
    const problems = problemsOf({
      ...baseEnv,
      INTER_CERT_FILE: "/dev/zero",
      INTER_KEY_FILE: fifo,
      INTER_CA_FILE: huge,
      PIXOUT_RECIPIENT_ALLOWLIST: allow,
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        "INTER_CERT_FILE: is not a regular file (a device, a pipe or a socket): /dev/zero",
        `INTER_KEY_FILE: is not a regular file (a device, a pipe or a socket): ${fifo}`,
        `INTER_CA_FILE: ${huge} is larger than 1024 KiB: not the file this setting takes`,
        `PIXOUT_RECIPIENT_ALLOWLIST: the allow-list: ${allow} is larger than 1024 KiB: not the file this setting takes`,
      ]),
    );
    expect(problemsOf({ ...baseEnv, INTER_CERT_FILE: dir })).toContain(
      `INTER_CERT_FILE: is a directory, not a file: ${dir}`,
    );
  });

  it("treats empty values as unset", () => {
    const { config } = loadConfig({ ...baseEnv, INTER_ACCOUNT: "", PIXOUT_QUEUE: "" });
    expect(config.inter.account).toBeUndefined();
    expect(config.queueName).toBe("pix-payouts");
  });

  it("refuses a private key readable by group or others, saying how to fix it", () => {
    const open = clientPair("open");
    chmodSync(open.key, 0o644);
    expect(problemsOf({ ...baseEnv, INTER_CERT_FILE: open.cert, INTER_KEY_FILE: open.key })).toEqual([
      `INTER_KEY_FILE: ${open.key} is readable by group or others (mode 0644); run: chmod 600 ${open.key}`,
    ]);
  });

  it("refuses a key that does not belong to the certificate", () => {
    const other = write("other.key", generateKeyPem());
    expect(problemsOf({ ...baseEnv, INTER_KEY_FILE: other })).toEqual([
      expect.stringMatching(/^INTER_KEY_FILE: the private key does not match the certificate/),
    ]);
  });

  it("refuses unparsable files and hints at swapped files", () => {
    const garbage = write("garbage.crt", "not a certificate", 0o644);
    expect(problemsOf({ ...baseEnv, INTER_CERT_FILE: garbage })).toEqual([
      `INTER_CERT_FILE: not a PEM or DER certificate: ${garbage}`,
    ]);
    expect(problemsOf({ ...baseEnv, INTER_CERT_FILE: good.key, INTER_KEY_FILE: good.key })).toEqual([
      expect.stringContaining("did you swap the certificate and key files?"),
    ]);
    expect(
      problemsOf({
        ...baseEnv,
        INTER_CERT_FILE: good.cert,
        INTER_KEY_FILE: write("cert-as-key.key", readFileSync(good.cert)),
      }),
    ).toEqual([expect.stringContaining("did you swap the certificate and key files?")]);
  });

  it("refuses an expired or not yet valid certificate and warns within 30 days of expiry", () => {
    const expired = clientPair("expired", {
      notBefore: new Date(Date.now() - 400 * DAY),
      notAfter: new Date(Date.now() - DAY),
    });
    expect(problemsOf({ ...baseEnv, INTER_CERT_FILE: expired.cert, INTER_KEY_FILE: expired.key })).toEqual([
      expect.stringMatching(
        /^INTER_CERT_FILE: certificate expired on \d{4}-\d{2}-\d{2} \(.*CN=expired.*\); download a new one/,
      ),
    ]);
    const future = clientPair("future", {
      notBefore: new Date(Date.now() + DAY),
      notAfter: new Date(Date.now() + 300 * DAY),
    });
    expect(problemsOf({ ...baseEnv, INTER_CERT_FILE: future.cert, INTER_KEY_FILE: future.key })).toEqual([
      expect.stringMatching(/^INTER_CERT_FILE: certificate is not valid before/),
    ]);
    const soon = clientPair("soon", { notAfter: new Date(Date.now() + 10 * DAY + 60_000) });
    const { warnings } = loadConfig({ ...baseEnv, INTER_CERT_FILE: soon.cert, INTER_KEY_FILE: soon.key });
    expect(warnings).toEqual([expect.stringMatching(/^INTER_CERT_FILE: certificate expires on .* \(10 days left\)/)]);
  });

  it("loads a .pfx with its passphrase into the same PEM material", () => {
    const pair = { certPem: readFileSync(good.cert, "utf8"), keyPem: readFileSync(good.key, "utf8") };
    const pfx = write("good.pfx", toPfx(pair, "s3cret-passphrase", [certs.ca]));
    const env = {
      INTER_CLIENT_ID: "id",
      INTER_CLIENT_SECRET: "secret",
      INTER_PFX_FILE: pfx,
      INTER_PFX_PASSPHRASE: "s3cret-passphrase",
    };
    const { config } = loadConfig(env);
    expect(config.inter.certificate.subject).toContain("CN=good");
    expect(config.inter.tls.cert.replace(/\r/g, "")).toBe(pair.certPem.replace(/\r/g, ""));
    expect(problemsOf({ ...env, INTER_PFX_PASSPHRASE: "wrong" })).toEqual([
      `INTER_PFX_PASSPHRASE: wrong passphrase for ${pfx}`,
    ]);
    expect(problemsOf({ ...env, INTER_PFX_PASSPHRASE: undefined })).toEqual([
      "INTER_PFX_PASSPHRASE: is required with INTER_PFX_FILE",
    ]);
    expect(problemsOf({ ...env, INTER_CERT_FILE: good.cert })).toEqual([
      "INTER_PFX_FILE: set either INTER_CERT_FILE + INTER_KEY_FILE or INTER_PFX_FILE + INTER_PFX_PASSPHRASE, not both",
    ]);
    chmodSync(pfx, 0o640);
    expect(problemsOf(env)).toEqual([
      expect.stringMatching(/^INTER_PFX_FILE: .* is readable by group or others \(mode 0640\)/),
    ]);
    const notPfx = write("not.pfx", "garbage");
    expect(problemsOf({ ...env, INTER_PFX_FILE: notPfx })).toEqual([
      `INTER_PFX_FILE: not a PKCS#12 (.pfx/.p12) file: ${notPfx}`,
    ]);
  });

  it("checks the extra CA file", () => {
    const { config } = loadConfig({ ...baseEnv, INTER_CA_FILE: certs.paths.caCert });
    expect(config.inter.tls.ca).toContain("BEGIN CERTIFICATE");
    expect(problemsOf({ ...baseEnv, INTER_CA_FILE: join(dir, "nope.crt") })).toEqual([
      `INTER_CA_FILE: file not found: ${join(dir, "nope.crt")}`,
    ]);
  });

  it("reads ./.env, with the process environment taking precedence", () => {
    const envDir = tempDir("dotenv");
    writeFileSync(join(envDir, ".env"), "PIXOUT_TEST_ONLY_SETTING=from-file\nPATH=from-file\n");
    const env = readEnvironment(envDir);
    expect(env["PIXOUT_TEST_ONLY_SETTING"]).toBe("from-file");
    expect(env["PATH"]).not.toBe("from-file");
  });

  it("loads the queue's settings without bank credentials", () => {
    expect(loadQueueSettings({ LOG_LEVEL: "debug", PIXOUT_QUEUE: "payouts-b" })).toEqual({
      logLevel: "debug",
      redis: { target: { kind: "single", url: "redis://127.0.0.1:6379" }, waitReplicas: 0, waitTimeoutMs: 1_000 },
      redisPrefix: "pixout",
      queueName: "payouts-b",
    });
    expect(() => loadQueueSettings({ LOG_LEVEL: "nope" })).toThrow(ConfigError);
    expect(() => loadQueueSettings({ PIXOUT_REDIS_PREFIX: "{tag}" })).toThrow(/PIXOUT_REDIS_PREFIX/);
  });

  it("defaults the worker's budgets to Inter's production limits, with overrides", () => {
    const { config } = loadConfig(baseEnv);
    expect(config.inter.environment).toBe("production");
    expect(config.worker.budgets).toEqual({
      sendPerMinute: 60,
      sendMinIntervalMs: 1000,
      statusPerMinute: 20,
      tokenPerMinute: 5,
      webhookPerMinute: 10,
      callbacksPerMinute: 10,
      callbackRetryPerMinute: 5,
      statementPerMinute: 10,
      balancePerMinute: 10,
      marginPercent: 2,
    });
    expect(config.worker.concurrency).toBe(8);
    const tuned = loadConfig({
      ...baseEnv,
      PIXOUT_SEND_PER_MINUTE: "600",
      PIXOUT_SEND_MIN_INTERVAL_MS: "100",
      PIXOUT_CONCURRENCY: "2",
    }).config;
    expect(tuned.worker.budgets.sendPerMinute).toBe(600);
    expect(tuned.worker.concurrency).toBe(2);
    expect(() => loadConfig({ ...baseEnv, PIXOUT_STATUS_PER_MINUTE: "0" })).toThrow(/PIXOUT_STATUS_PER_MINUTE/);
  });

  it("INTER_ENV=sandbox takes the sandbox's URL and published limits; explicit settings still win", () => {
    const { config, warnings } = loadConfig({ ...baseEnv, INTER_ENV: "sandbox" });
    expect(warnings).toEqual([]);
    expect(config.inter.environment).toBe("sandbox");
    expect(config.inter.baseUrl).toBe("https://cdpj-sandbox.partners.uatinter.co");
    expect(config.worker.budgets).toEqual({
      sendPerMinute: 10,
      sendMinIntervalMs: 1000,
      statusPerMinute: 10,
      tokenPerMinute: 5,
      webhookPerMinute: 10,
      callbacksPerMinute: 10,
      callbackRetryPerMinute: 0,
      statementPerMinute: 10,
      balancePerMinute: 10,
      marginPercent: 2,
    });
    const tuned = loadConfig({
      ...baseEnv,
      INTER_ENV: "sandbox",
      INTER_BASE_URL: "https://127.0.0.1:8443/",
      PIXOUT_SEND_PER_MINUTE: "5",
      PIXOUT_CALLBACK_RETRY_PER_MINUTE: "1",
    }).config;
    expect(tuned.inter.baseUrl).toBe("https://127.0.0.1:8443");
    expect(tuned.worker.budgets).toMatchObject({ sendPerMinute: 5, statusPerMinute: 10, callbackRetryPerMinute: 1 });
    expect(problemsOf({ ...baseEnv, INTER_ENV: "staging" })).toEqual(["INTER_ENV: must be production or sandbox"]);
  });

  it("takes INTER_ENV from INTER_BASE_URL when left out; warns when they disagree, or a budget is above the bank's limit", () => {
    const inferred = loadConfig({ ...baseEnv, INTER_BASE_URL: "https://cdpj-sandbox.partners.uatinter.co" });
    expect(inferred.config.inter.environment).toBe("sandbox");
    expect(inferred.config.worker.budgets.sendPerMinute).toBe(10);
    expect(inferred.warnings).toEqual([]);
    const { warnings } = loadConfig({
      ...baseEnv,
      INTER_ENV: "production",
      INTER_BASE_URL: "https://cdpj-sandbox.partners.uatinter.co",
    });
    expect(warnings).toContain(
      "INTER_BASE_URL is Inter's sandbox (https://cdpj-sandbox.partners.uatinter.co) but INTER_ENV is production: the budgets default to production's limits; set INTER_ENV=sandbox",
    );
    // An old .env with production's budgets, pointed at the sandbox.
    const old = loadConfig({
      ...baseEnv,
      INTER_ENV: "sandbox",
      PIXOUT_SEND_PER_MINUTE: "60",
      PIXOUT_STATUS_PER_MINUTE: "20",
    }).warnings;
    expect(old).toEqual([
      "PIXOUT_SEND_PER_MINUTE=60 is above Inter's sandbox limit (10 a minute): expect 429s; leave it unset to use the environment's",
      "PIXOUT_STATUS_PER_MINUTE=20 is above Inter's sandbox limit (10 a minute): expect 429s; leave it unset to use the environment's",
    ]);
    expect(
      loadConfig({
        ...baseEnv,
        INTER_ENV: "sandbox",
        INTER_BASE_URL: "https://127.0.0.1:9443",
        PIXOUT_SEND_PER_MINUTE: "600",
      }).warnings,
    ).toEqual([]);
  });
});
