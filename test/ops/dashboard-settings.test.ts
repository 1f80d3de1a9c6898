// The dashboard's settings, password hashes, CSRF rules and masking: pure parts, no server.
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config.js";
import { createAuthenticator, parseBasic } from "../../src/ops/dashboard/auth.js";
import { csrfProblem, csrfToken } from "../../src/ops/dashboard/csrf.js";
import { hashPassword, parsePasswordHash, verifyPassword } from "../../src/ops/dashboard/password.js";
import { maskJobData, maskRecipient } from "../../src/ops/dashboard/personal-data.js";
import { loadDashboardSettings } from "../../src/ops/dashboard/settings.js";
import { escapeHtml } from "../../src/ops/dashboard/html.js";
import { basic } from "../helpers/dashboard.js";

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.setting}: ${p.message}`);
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("dashboard settings", async () => {
  const hash = await hashPassword("a-good-long-password");

  it("reads users, roles, the secret and the public origin; defaults to 127.0.0.1:3000", () => {
    const s = loadDashboardSettings({
      PIXOUT_DASHBOARD_USERS: `ana:operator:${hash}, bruno:viewer:${hash}`,
      PIXOUT_DASHBOARD_SECRET: "x".repeat(32),
      PIXOUT_DASHBOARD_ORIGIN: "https://ops.example.com/",
      PIXOUT_QUEUE: "q1",
    });
    expect(s).toMatchObject({ host: "127.0.0.1", port: 3000, noAuth: false, sharedSecret: true, origin: "https://ops.example.com", queueName: "q1" });
    expect(s.users.map((u) => [u.name, u.role])).toEqual([["ana", "operator"], ["bruno", "viewer"]]);
    expect(s.csrfSecret.toString()).toBe("x".repeat(32));
    // Without a secret: a random one per process.
    const a = loadDashboardSettings({ PIXOUT_DASHBOARD_USERS: `ana:operator:${hash}` });
    const b = loadDashboardSettings({ PIXOUT_DASHBOARD_USERS: `ana:operator:${hash}` });
    expect(a.sharedSecret).toBe(false);
    expect(a.csrfSecret.equals(b.csrfSecret)).toBe(false);
  });

  it("refuses to start without users, unless --no-auth on a loopback host", () => {
    expect(problemsOf(() => loadDashboardSettings({}))).toEqual([expect.stringMatching(/^PIXOUT_DASHBOARD_USERS: is required: .*hash-password.*--no-auth/)]);
    expect(problemsOf(() => loadDashboardSettings({ PIXOUT_DASHBOARD_HOST: "0.0.0.0" }, { noAuth: true }))).toEqual([
      expect.stringMatching(/^--no-auth: is allowed only on a loopback host \(127\.0\.0\.1, ::1, localhost\), not 0\.0\.0\.0/),
    ]);
    expect(problemsOf(() => loadDashboardSettings({}, { noAuth: true, host: "10.0.0.5" }))).toEqual([expect.stringMatching(/^--no-auth: .* not 10\.0\.0\.5/)]);
    for (const host of ["127.0.0.1", "::1", "localhost"]) {
      expect(loadDashboardSettings({ PIXOUT_DASHBOARD_USERS: `ana:operator:${hash}` }, { noAuth: true, host })).toMatchObject({ noAuth: true, users: [], host });
    }
  });

  it("refuses plain passwords, bad roles and broken hashes, listing every problem without quoting a password", () => {
    const problems = problemsOf(() =>
      loadDashboardSettings({
        PIXOUT_DASHBOARD_USERS: `ana:operator:hunter2-secret,bruno:admin:${hash},carla:viewer:scrypt.1024.8.1.c2FsdA.aGFzaA,dora:viewer,eva:viewer:$2b$12$abcdefghijklmnopqrstuv`,
        PIXOUT_DASHBOARD_PORT: "99999",
        PIXOUT_DASHBOARD_SECRET: "short",
        PIXOUT_DASHBOARD_ORIGIN: "https://ops.example.com/path",
        PIXOUT_QUEUE: "bad queue",
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PIXOUT_DASHBOARD_USERS: entry 1 \(ana\): the password is in plain text, which is refused; run `pixout dashboard hash-password`/),
        expect.stringMatching(/^PIXOUT_DASHBOARD_USERS: entry 2 \(bruno\): the role must be viewer or operator/),
        expect.stringMatching(/^PIXOUT_DASHBOARD_USERS: entry 3 \(carla\): the hash has a scrypt N outside/),
        expect.stringMatching(/^PIXOUT_DASHBOARD_USERS: entry 4 \(dora\) must be name:role:hash/),
        expect.stringMatching(/^PIXOUT_DASHBOARD_USERS: entry 5 \(eva\): the hash is not a hash made by `pixout dashboard hash-password`/),
        expect.stringMatching(/^PIXOUT_DASHBOARD_PORT: /),
        expect.stringMatching(/^PIXOUT_DASHBOARD_SECRET: must be at least 32 characters/),
        expect.stringMatching(/^PIXOUT_DASHBOARD_ORIGIN: must be the public origin/),
        expect.stringMatching(/^PIXOUT_QUEUE: /),
      ]),
    );
    expect(problems.join("\n")).not.toContain("hunter2");
    expect(problemsOf(() => loadDashboardSettings({ PIXOUT_DASHBOARD_USERS: `ana:operator:${hash},ana:viewer:${hash}` }))).toEqual([expect.stringMatching(/entry 2 \(ana\): the user is listed twice/)]);
  });
});

describe("dashboard passwords", () => {
  it("hashes with scrypt and a random salt, in a self-describing string without '$', and verifies", async () => {
    const a = await hashPassword("correct horse battery");
    const b = await hashPassword("correct horse battery");
    expect(a).toMatch(/^scrypt\.32768\.8\.1\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    const parsed = parsePasswordHash(a);
    if ("problem" in parsed) throw new Error(parsed.problem);
    expect(await verifyPassword("correct horse battery", parsed)).toBe(true);
    expect(await verifyPassword("correct horse batterY", parsed)).toBe(false);
    expect(parsePasswordHash("scrypt.32768.8.1.!!.!!")).toHaveProperty("problem");
  });

  it("accepts the right password again after its cache entry expires, refuses a wrong one and an unknown user alike", async () => {
    const hash = parsePasswordHash(await hashPassword("operator-password"));
    if ("problem" in hash) throw new Error(hash.problem);
    let now = 0;
    const auth = createAuthenticator([{ name: "ana", role: "operator", hash }], { cacheTtlMs: 1_000, cacheSize: 2, now: () => now });
    const good = basic({ name: "ana", password: "operator-password" });
    expect(await auth.authenticate(good)).toEqual({ ok: true, principal: { user: "ana", role: "operator" } });
    expect(await auth.authenticate(good)).toEqual({ ok: true, principal: { user: "ana", role: "operator" } });
    expect(await auth.authenticate(basic({ name: "ana", password: "wrong" }))).toEqual({ ok: false, user: "ana" });
    expect(await auth.authenticate(basic({ name: "nobody", password: "operator-password" }))).toEqual({ ok: false, user: "nobody" });
    expect(await auth.authenticate(undefined)).toEqual({ ok: false });
    expect(await auth.authenticate("Bearer abc")).toEqual({ ok: false });
    now = 5_000; // past the TTL: verified again (still right)
    expect(await auth.authenticate(good)).toMatchObject({ ok: true });
    expect(parseBasic(`Basic ${Buffer.from("a:b:c").toString("base64")}`)).toEqual({ user: "a", password: "b:c" });
  });
});

describe("CSRF rules", () => {
  const secret = Buffer.from("s".repeat(32));
  const token = csrfToken(secret, "ana");
  const ok = { method: "POST", user: "ana", ownOrigin: "http://127.0.0.1:3000", headers: { token, contentType: "application/json; charset=utf-8", origin: "http://127.0.0.1:3000", secFetchSite: "same-origin" } };

  it("lets a same-origin JSON request with the user's token through, and safe methods always", () => {
    expect(csrfProblem(ok, secret, undefined)).toBeUndefined();
    expect(csrfProblem({ ...ok, headers: { token, contentType: "application/json" } }, secret, undefined)).toBeUndefined();
    expect(csrfProblem({ ...ok, headers: { ...ok.headers, origin: "https://ops.example.com" } }, secret, "https://ops.example.com")).toBeUndefined();
    expect(csrfProblem({ ...ok, method: "GET", headers: {} }, secret, undefined)).toBeUndefined();
  });

  it("refuses, saying which: no or wrong token, another user's token, a foreign Origin, cross-site, a form's content type", () => {
    const h = ok.headers;
    expect(csrfProblem({ ...ok, headers: { ...h, token: undefined } }, secret, undefined)).toMatch(/missing x-csrf-token/);
    expect(csrfProblem({ ...ok, headers: { ...h, token: "x" } }, secret, undefined)).toMatch(/wrong x-csrf-token/);
    expect(csrfProblem({ ...ok, headers: { ...h, token: csrfToken(secret, "bruno") } }, secret, undefined)).toMatch(/wrong x-csrf-token/);
    expect(csrfProblem({ ...ok, headers: { ...h, origin: "https://evil.example" } }, secret, "https://ops.example.com")).toMatch(/another origin/);
    expect(csrfProblem({ ...ok, headers: { ...h, origin: "null" } }, secret, undefined)).toMatch(/another origin/);
    expect(csrfProblem({ ...ok, headers: { ...h, secFetchSite: "cross-site" } }, secret, undefined)).toMatch(/cross-site/);
    expect(csrfProblem({ ...ok, headers: { ...h, contentType: "application/x-www-form-urlencoded" } }, secret, undefined)).toMatch(/application\/json/);
    expect(csrfProblem({ ...ok, headers: { ...h, contentType: "text/plain" } }, secret, undefined)).toMatch(/application\/json/);
  });
});

describe("what the dashboard shows of personal data", () => {
  it("masks every kind of recipient, and shows an encrypted one as encrypted", () => {
    expect(maskRecipient({ type: "key", key: "fornecedor@example.com" })).toEqual({ type: "key", key: "f***@e***.com" });
    expect(maskRecipient({ type: "key", key: "52998224725", keyType: "CPF" })).toEqual({ type: "key", key: "***.982.247-**", keyType: "CPF" });
    const bank = maskRecipient({ type: "bank", ispb: "00416968", branch: "0001", account: "1234567", accountType: "CONTA_CORRENTE", document: "52998224725", name: "Maria Silva" });
    expect(bank).toEqual({ type: "bank", ispb: "00416968", branch: "0001", account: "12***67", accountType: "CONTA_CORRENTE", document: "***.982.247-**", name: "M*** S***" });
    expect(maskRecipient({ type: "brcode", code: "00020126580014br.gov.bcb.pix0136" })).toEqual({ type: "brcode", code: "000201…(32 chars)" });
    expect(maskRecipient({ encrypted: "v1", kid: "k2", iv: "a", tag: "b", data: "c" })).toEqual({ type: "encrypted", kid: "k2" });
    expect(maskRecipient("52998224725")).toEqual({ type: "unknown" });
  });

  it("masks a job's data for the queue board: the recipient, and its values or any document, e-mail or phone in free text", () => {
    const masked = JSON.stringify(
      maskJobData({
        paymentId: "inv-1",
        amount: "10.00",
        description: "Reembolso Maria Silva CPF 529.982.247-25",
        metadata: { contato: "maria@example.com", fone: "+5511987654321" },
        recipient: { type: "bank", ispb: "00416968", branch: "0001", account: "1234567", accountType: "CONTA_CORRENTE", document: "52998224725", name: "Maria Silva" },
      }),
    );
    for (const personal of ["Maria", "Silva", "52998224725", "529.982.247-25", "maria@example.com", "+5511987654321", "1234567"]) expect(masked).not.toContain(personal);
    expect(masked).toContain('"paymentId":"inv-1"');
    expect(masked).toContain('"amount":"10.00"');
  });

  it("escapes HTML", () => {
    expect(escapeHtml(`<script>alert("x")</script>&'`)).toBe("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;");
  });
});
