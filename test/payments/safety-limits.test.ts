import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";
import { buildBrCode } from "../../src/payments/brcode.js";
import {
  DEFAULT_BUCKET,
  allowlistBlock,
  dailyLimitFor,
  limitBucket,
  parseAccountLimits,
  parseAllowlist,
  parseLimit,
} from "../../src/payments/safety-limits.js";
import { testCertPaths } from "../helpers/certs.js";
import { tempDir } from "../helpers/temp-dir.js";

describe("safety limit settings", () => {
  it("parses limits in reais into integer centavos", () => {
    expect(parseLimit("50000.00")).toEqual({ cents: 5_000_000 });
    expect(parseLimit("0.10")).toEqual({ cents: 10 });
    for (const bad of ["50000", "1e5", "10.5", "-1.00", "abc"]) expect(parseLimit(bad)).toHaveProperty("problem");
    expect(parseAccountLimits("12345678=100000.00, 87654321=5.00")).toEqual({
      limits: new Map([
        ["12345678", 10_000_000],
        ["87654321", 500],
      ]),
      problems: [],
    });
    expect(parseAccountLimits("0123=1.00,x=2.00,1=3,1=1.00,1=2.00").problems).toHaveLength(4);
  });

  it("takes the bucket from the payment's account, else INTER_ACCOUNT, else the default; overrides win", () => {
    expect(limitBucket("111", "222")).toBe("111");
    expect(limitBucket(undefined, "222")).toBe("222");
    expect(limitBucket(undefined, undefined)).toBe(DEFAULT_BUCKET);
    const settings = { dailyLimitCents: 100, accountLimitsCents: new Map([["111", 5]]) };
    expect(dailyLimitFor(settings, "111")).toBe(5);
    expect(dailyLimitFor(settings, "222")).toBe(100);
    expect(dailyLimitFor({ accountLimitsCents: new Map() }, "222")).toBeUndefined();
  });
});

describe("allow-list", () => {
  const { allowlist, problems } = parseAllowlist(
    [
      "# comment",
      "",
      "Fornecedor@Example.com",
      "00416968/0001/001234567  # Maria",
      "+5511987654321",
      "12345678909",
      "00000000/1234/0076543X",
    ].join("\n"),
    "/etc/pixout/allow.txt",
  );
  const bank = {
    type: "bank" as const,
    ispb: "00416968",
    branch: "1",
    account: "1234567",
    accountType: "CONTA_CORRENTE" as const,
    document: "12345678909",
    name: "M",
  };

  it("reads keys and ISPB/branch/account lines, reporting bad lines by number", () => {
    expect(problems).toEqual([]);
    expect(allowlist.entries.size).toBe(5);
    expect(parseAllowlist("ok@example.com\n1/2/3\nwith space\n", "f").problems).toEqual([
      "line 2: neither a Pix key nor ISPB/branch/account (digits, e.g. 00416968/0001/1234567)",
      "line 3: neither a Pix key nor ISPB/branch/account (digits, e.g. 00416968/0001/1234567)",
    ]);
  });

  it("allows listed recipients (keys without regard to case, bank data without leading zeros), blocks the rest", () => {
    expect(allowlistBlock(undefined, { type: "key", key: "anyone@example.com" })).toBeUndefined();
    expect(allowlistBlock(allowlist, { type: "key", key: "fornecedor@example.com" })).toBeUndefined();
    expect(allowlistBlock(allowlist, { type: "key", key: "12345678909" })).toBeUndefined();
    expect(allowlistBlock(allowlist, bank)).toBeUndefined();
    expect(allowlistBlock(allowlist, { ...bank, account: "7654321" })).toMatch(
      /^blocked before the bank: the recipient is not in the allow-list/,
    );
    expect(allowlistBlock(allowlist, { ...bank, ispb: "00000000", branch: "1234", account: "76543X" })).toBeUndefined();
    expect(allowlistBlock(allowlist, { ...bank, ispb: "00000000", branch: "1234", account: "765430" })).toMatch(
      /not in the allow-list/,
    );
    expect(allowlistBlock(allowlist, { type: "key", key: "outro@example.com" })).toMatch(/not in the allow-list/);
  });

  it("checks a static BR Code by its key; one that cannot be read is blocked", () => {
    const staticCode = buildBrCode({
      key: "fornecedor@example.com",
      amountCents: 500,
      name: "Loja",
      city: "SAO PAULO",
    });
    expect(allowlistBlock(allowlist, { type: "brcode", code: staticCode })).toBeUndefined();
    const other = buildBrCode({ key: "outro@example.com", name: "Loja", city: "SAO PAULO" });
    expect(allowlistBlock(allowlist, { type: "brcode", code: other })).toMatch(/not in the allow-list/);
    expect(allowlistBlock(allowlist, { type: "brcode", code: "000201garbage-not-a-code" })).toMatch(/cannot be read/);
  });
});

describe("safety limit settings in the configuration", () => {
  const env = {
    INTER_CLIENT_ID: "id",
    INTER_CLIENT_SECRET: "secret",
    INTER_CERT_FILE: testCertPaths().clientCert,
    INTER_KEY_FILE: testCertPaths().clientKey,
  };

  it("none by default; limits and the allow-list file when set", () => {
    expect(loadConfig(env).config.worker.limits).toEqual({ accountLimitsCents: new Map() });
    const file = join(tempDir("allowlist-config"), "allow.txt");
    writeFileSync(file, "fornecedor@example.com\n");
    const limits = loadConfig({
      ...env,
      PIXOUT_DAILY_LIMIT: "50000.00",
      PIXOUT_DAILY_LIMITS: "12345678=100000.00",
      PIXOUT_RECIPIENT_ALLOWLIST: file,
    }).config.worker.limits;
    expect(limits.dailyLimitCents).toBe(5_000_000);
    expect(limits.accountLimitsCents.get("12345678")).toBe(10_000_000);
    expect([...(limits.allowlist?.entries ?? [])]).toEqual(["key:fornecedor@example.com"]);
  });

  it("reports a bad limit, a bad override and a missing or bad allow-list file", () => {
    const bad = join(tempDir("allowlist-bad"), "allow.txt");
    writeFileSync(bad, "ok@example.com\nnot a key\n");
    for (const [name, value, message] of [
      ["PIXOUT_DAILY_LIMIT", "50000", /not an amount in reais/],
      ["PIXOUT_DAILY_LIMITS", "abc=1.00", /account=amount/],
      [
        "PIXOUT_RECIPIENT_ALLOWLIST",
        "/nonexistent/allow.txt",
        /the allow-list: file not found: \/nonexistent\/allow\.txt/,
      ],
      ["PIXOUT_RECIPIENT_ALLOWLIST", bad, /line 2: neither a Pix key/],
    ] as const) {
      let thrown: unknown;
      try {
        loadConfig({ ...env, [name]: value });
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(ConfigError);
      expect((thrown as ConfigError).problems.find((p) => p.setting === name)?.message).toMatch(message);
    }
  });

  it("refuses per-account limits alone when payments without an account would have none", () => {
    const only = { ...env, PIXOUT_DAILY_LIMITS: "12345678=100000.00" };
    expect(() => loadConfig(only)).toThrow(
      /PIXOUT_DAILY_LIMITS: limits named accounts only: .*set PIXOUT_DAILY_LIMIT too, or INTER_ACCOUNT/,
    );
    expect(
      loadConfig({ ...only, INTER_ACCOUNT: "12345678" }).config.worker.limits.accountLimitsCents.get("12345678"),
    ).toBe(10_000_000);
    expect(loadConfig({ ...only, PIXOUT_DAILY_LIMIT: "500.00" }).config.worker.limits.dailyLimitCents).toBe(50_000);
  });
});
