// The configuration's two phases: parseSettings turns text into values without touching the disk, so a
// missing file is reported only by readSettingFiles — and loadConfig still reports both phases at once.
import * as fs from "node:fs";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseEnv } from "node:util";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { ConfigError, loadConfig, parseSettings, readSettingFiles, type Environment } from "../src/config.js";
import { testCertPaths } from "./helpers/certs.js";
import { tempDir } from "./helpers/temp-dir.js";

// Every way the settings' modules read a file, watched (and still done).
vi.mock("node:fs", async (importOriginal) => {
  const actual = await importOriginal<typeof fs>();
  const watched = ["openSync", "readFileSync", "existsSync", "statSync", "fstatSync", "readSync"] as const;
  return { ...actual, ...Object.fromEntries(watched.map((name) => [name, vi.fn(actual[name])])) };
});
const fileCalls = (): number =>
  (["openSync", "readFileSync", "existsSync", "statSync", "fstatSync", "readSync"] as const).reduce(
    (n, name) => n + vi.mocked(fs[name]).mock.calls.length,
    0,
  );

const paths = testCertPaths();
const dir = tempDir("config-phases");
const baseEnv: Environment = {
  INTER_CLIENT_ID: "client-id",
  INTER_CLIENT_SECRET: "client-secret-value",
  INTER_CERT_FILE: paths.clientCert,
  INTER_KEY_FILE: paths.clientKey,
};
const problemsOf = (list: { setting: string; message: string }[]): string[] =>
  list.map((p) => `${p.setting}: ${p.message}`);

describe("the configuration's two phases", () => {
  beforeEach(() => {
    vi.clearAllMocks();
  });

  it("phase 1 reads no file: missing files are named, not reported, and the values are typed", () => {
    const env = {
      ...baseEnv,
      INTER_CERT_FILE: "certs/inter.crt",
      INTER_KEY_FILE: join(dir, "missing.key"),
      PIXOUT_RECIPIENT_ALLOWLIST: join(dir, "missing-allow.txt"),
      REDIS_TLS: "true",
      REDIS_TLS_CA_FILE: join(dir, "missing-ca.crt"),
      PIXOUT_CONCURRENCY: "3",
    };
    const parsed = parseSettings(env);
    expect(fileCalls()).toBe(0);
    expect(parsed.problems).toEqual([]);
    expect(parsed.values?.PIXOUT_CONCURRENCY).toBe(3);
    expect(parsed.files.certificate).toEqual({ certFile: "certs/inter.crt", keyFile: join(dir, "missing.key") });
    expect(parsed.files.allowlist).toBe(join(dir, "missing-allow.txt"));

    const read = readSettingFiles(parsed.files, new Date());
    expect(fileCalls()).toBeGreaterThan(0);
    expect(problemsOf(read.problems).sort()).toEqual(
      [
        `REDIS_TLS_CA_FILE: file not found: ${join(dir, "missing-ca.crt")}`,
        "INTER_CERT_FILE: file not found: certs/inter.crt",
        `INTER_KEY_FILE: file not found: ${join(dir, "missing.key")}`,
        `PIXOUT_RECIPIENT_ALLOWLIST: the allow-list: file not found: ${join(dir, "missing-allow.txt")}`,
      ].sort(),
    );
  });

  it("phase 1 reports wrong values and combinations; the files whose own settings are right are read all the same", () => {
    const parsed = parseSettings({
      ...baseEnv,
      LOG_LEVEL: "loud",
      INTER_CERT_FILE: join(dir, "missing.crt"),
      PIXOUT_DATA_KEY_ID: "k1",
    });
    expect(fileCalls()).toBe(0);
    expect(parsed.values).toBeUndefined();
    expect(problemsOf(parsed.problems)).toEqual([
      expect.stringMatching(/^LOG_LEVEL: must be one of/),
      'PIXOUT_DATA_KEY_ID: names "k1", which is not a key id of PIXOUT_DATA_KEYS',
    ]);
    expect(problemsOf(readSettingFiles(parsed.files, new Date()).problems)).toEqual([
      `INTER_CERT_FILE: file not found: ${join(dir, "missing.crt")}`,
    ]);
    // loadConfig: both phases' problems in one error.
    expect(() => loadConfig({ ...baseEnv, LOG_LEVEL: "loud", INTER_CERT_FILE: join(dir, "missing.crt") })).toThrow(
      /2 settings are wrong\n {2}LOG_LEVEL: .*\n {2}INTER_CERT_FILE: file not found/,
    );
  });

  it("a wrong combination of certificate settings names no file to read", () => {
    const parsed = parseSettings({ ...baseEnv, INTER_PFX_PASSPHRASE: "s3cret" });
    expect(problemsOf(parsed.problems)).toEqual([
      "INTER_PFX_FILE: set either INTER_CERT_FILE + INTER_KEY_FILE or INTER_PFX_FILE + INTER_PFX_PASSPHRASE, not both",
    ]);
    expect(parsed.files.certificate).toBeUndefined();
    expect(readSettingFiles(parsed.files, new Date()).problems).toEqual([]);
  });

  it(".env.example parses in phase 1, but for the two credentials it leaves empty", () => {
    const example = parseEnv(readFileSync(new URL("../.env.example", import.meta.url), "utf8"));
    const parsed = parseSettings(example);
    expect(problemsOf(parsed.problems)).toEqual([
      expect.stringMatching(/^INTER_CLIENT_ID: is required/),
      expect.stringMatching(/^INTER_CLIENT_SECRET: is required/),
    ]);
    expect(parsed.files.certificate).toEqual({ certFile: "certs/inter.crt", keyFile: "certs/inter.key" });
  });

  it("loadConfig is phase 1, then phase 2, then the typed configuration", () => {
    const { config } = loadConfig(baseEnv);
    expect(config.inter.certificate.subject).toBeDefined();
    expect(() => loadConfig({ ...baseEnv, INTER_KEY_FILE: join(dir, "gone.key") })).toThrow(ConfigError);
  });
});
