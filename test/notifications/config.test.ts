// The notify section of the configuration, through the real loader.
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, type Environment } from "../../src/config.js";
import { testCertPaths } from "../helpers/certs.js";

const paths = testCertPaths();
const baseEnv: Environment = {
  INTER_CLIENT_ID: "client-id",
  INTER_CLIENT_SECRET: "client-secret-value",
  INTER_CERT_FILE: paths.clientCert,
  INTER_KEY_FILE: paths.clientKey,
};
const SECRET = "erp-secret-0123456789abcdef";

function problemsOf(env: Environment): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.map((p) => `${p.setting}: ${p.message}`);
  }
  throw new Error("expected a ConfigError");
}

describe("notify settings", () => {
  it("defaults: no destination, no secrets, 20 attempts from 10 s, 10 s timeout, 10 at once", () => {
    expect(loadConfig(baseEnv).config.notify).toEqual({
      secrets: new Map(),
      maxAttempts: 20,
      backoffMs: 10_000,
      timeoutMs: 10_000,
      concurrency: 10,
    });
  });

  it("reads the destination, the secrets by origin and the schedule", () => {
    const { notify } = loadConfig({
      ...baseEnv,
      PIXOUT_NOTIFY_URL: "https://ERP.example.com/hooks/pix",
      PIXOUT_NOTIFY_SECRETS: `https://erp.example.com=${SECRET},https://b.example:8443=${SECRET}-b`,
      PIXOUT_NOTIFY_MAX_ATTEMPTS: "12",
      PIXOUT_NOTIFY_BACKOFF_MS: "5000",
      PIXOUT_NOTIFY_TIMEOUT_MS: "3000",
      PIXOUT_NOTIFY_CONCURRENCY: "4",
    }).config;
    expect(notify).toEqual({
      url: "https://ERP.example.com/hooks/pix",
      secrets: new Map([
        ["https://erp.example.com", SECRET],
        ["https://b.example:8443", `${SECRET}-b`],
      ]),
      maxAttempts: 12,
      backoffMs: 5000,
      timeoutMs: 3000,
      concurrency: 4,
    });
  });

  it("reports every notify problem with the others, at once, without quoting a secret", () => {
    const problems = problemsOf({
      ...baseEnv,
      INTER_CLIENT_ID: "",
      PIXOUT_NOTIFY_SECRETS: `https://erp.example.com/hooks=${SECRET},nonsense`,
      PIXOUT_NOTIFY_TIMEOUT_MS: "0",
      PIXOUT_NOTIFY_URL: "http://erp.example.com/hooks",
    });
    expect(problems).toEqual([
      "INTER_CLIENT_ID: is required (the Client Id of the integration in Inter's Internet Banking)",
      "PIXOUT_NOTIFY_URL: must be https:// (http:// only for localhost, 127.0.0.1 or [::1])",
      "PIXOUT_NOTIFY_SECRETS: entry 1 (https://erp.example.com): must name an origin only, scheme://host[:port], without a path",
      "PIXOUT_NOTIFY_SECRETS: entry 2 must be origin=secret, e.g. https://erp.example.com=<secret>",
      "PIXOUT_NOTIFY_TIMEOUT_MS: Too small: expected number to be >0",
    ]);
    expect(problems.join("\n")).not.toContain(SECRET);
  });

  it("refuses a PIXOUT_NOTIFY_URL whose origin has no secret, alongside other problems", () => {
    const problems = problemsOf({
      ...baseEnv,
      LOG_LEVEL: "loud",
      PIXOUT_NOTIFY_URL: "https://erp.example.com/hooks",
      PIXOUT_NOTIFY_SECRETS: `https://erp.example.com:8443=${SECRET}`,
    });
    expect(problems).toContain(
      'PIXOUT_NOTIFY_URL: has no secret for its origin https://erp.example.com: add "https://erp.example.com=<secret>" to PIXOUT_NOTIFY_SECRETS',
    );
    expect(problems).toHaveLength(2);
  });
});
