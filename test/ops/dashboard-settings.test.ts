// The dashboard's settings, password hashes, login limits, CSRF rules and masking: pure parts, no server.
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config.js";
import { createAuthenticator, parseBasic } from "../../src/ops/dashboard/auth.js";
import { CSRF_TOKEN_TTL_MS, csrfProblem, csrfToken } from "../../src/ops/dashboard/csrf.js";
import { notificationDataView, payoutDataView } from "../../src/ops/dashboard/job-data-view.js";
import { notLocalProblem } from "../../src/ops/dashboard/local-only.js";
import { createLogSampler } from "../../src/log-sampler.js";
import {
  DEFAULT_SCRYPT,
  decoyHash,
  hashPassword,
  parsePasswordHash,
  verifyPassword,
} from "../../src/ops/dashboard/password.js";
import { maskRecipient, scrubDeep, scrubText } from "../../src/ops/dashboard/personal-data.js";
import { isQueueBoardPath } from "../../src/ops/dashboard/queue-board.js";
import { BUSY, createSemaphore } from "../../src/ops/dashboard/semaphore.js";
import { isLoopbackHost, loadDashboardSettings } from "../../src/ops/dashboard/settings.js";
import { escapeHtml } from "../../src/ops/dashboard/html.js";
import { basic } from "../helpers/dashboard.js";

/** A well-formed hash string with the given parameters (random bytes: it verifies no password). */
function fakeHash(N: number, r: number, p: number): string {
  const { salt, hash } = decoyHash();
  return ["scrypt", N, r, p, salt.toString("base64url"), hash.toString("base64url")].join(".");
}

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
    expect(s).toMatchObject({
      host: "127.0.0.1",
      port: 3000,
      noAuth: false,
      sharedSecret: true,
      origin: "https://ops.example.com",
      queueName: "q1",
    });
    expect(s.users.map((u) => [u.name, u.role])).toEqual([
      ["ana", "operator"],
      ["bruno", "viewer"],
    ]);
    expect(s.csrfSecret.toString()).toBe("x".repeat(32));
    // Without a secret: a random one per process.
    const a = loadDashboardSettings({ PIXOUT_DASHBOARD_USERS: `ana:operator:${hash}` });
    const b = loadDashboardSettings({ PIXOUT_DASHBOARD_USERS: `ana:operator:${hash}` });
    expect(a.sharedSecret).toBe(false);
    expect(a.csrfSecret.equals(b.csrfSecret)).toBe(false);
    // No proxy is trusted unless named: the connection's address is the client's.
    expect(a.trustedProxies).toEqual([]);
    expect(
      loadDashboardSettings({
        PIXOUT_DASHBOARD_USERS: `ana:operator:${hash}`,
        PIXOUT_DASHBOARD_TRUSTED_PROXIES: "10.0.0.0/8, ::1, loopback",
      }).trustedProxies,
    ).toEqual(["10.0.0.0/8", "::1", "loopback"]);
  });

  it("refuses to start without users, unless --no-auth on a loopback host", () => {
    expect(problemsOf(() => loadDashboardSettings({}))).toEqual([
      expect.stringMatching(/^PIXOUT_DASHBOARD_USERS: is required: .*hash-password.*--no-auth/),
    ]);
    expect(problemsOf(() => loadDashboardSettings({ PIXOUT_DASHBOARD_HOST: "0.0.0.0" }, { noAuth: true }))).toEqual([
      expect.stringMatching(
        /^--no-auth: is allowed only on a loopback host \(127\.0\.0\.1, ::1, localhost\), not 0\.0\.0\.0/,
      ),
    ]);
    expect(problemsOf(() => loadDashboardSettings({}, { noAuth: true, host: "10.0.0.5" }))).toEqual([
      expect.stringMatching(/^--no-auth: .* not 10\.0\.0\.5/),
    ]);
    for (const host of ["127.0.0.1", "::1", "localhost"]) {
      expect(
        loadDashboardSettings({ PIXOUT_DASHBOARD_USERS: `ana:operator:${hash}` }, { noAuth: true, host }),
      ).toMatchObject({ noAuth: true, users: [], host });
    }
  });

  it("refuses plain passwords, bad roles and broken hashes, listing every problem without quoting a password", () => {
    const problems = problemsOf(() =>
      loadDashboardSettings({
        PIXOUT_DASHBOARD_USERS: `ana:operator:hunter2-secret,bruno:admin:${hash},carla:viewer:scrypt.1024.8.1.c2FsdA.aGFzaA,dora:viewer,eva:viewer:$2b$12$abcdefghijklmnopqrstuv`,
        PIXOUT_DASHBOARD_PORT: "99999",
        PIXOUT_DASHBOARD_SECRET: "short",
        PIXOUT_DASHBOARD_ORIGIN: "https://ops.example.com/path",
        PIXOUT_DASHBOARD_TRUSTED_PROXIES: "10.0.0.0/33,proxy.example.com",
        PIXOUT_QUEUE: "bad queue",
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^PIXOUT_DASHBOARD_USERS: entry 1 \(ana\): the password is in plain text, which is refused; run `pixout dashboard hash-password`/,
        ),
        expect.stringMatching(/^PIXOUT_DASHBOARD_USERS: entry 2 \(bruno\): the role must be viewer or operator/),
        expect.stringMatching(
          /^PIXOUT_DASHBOARD_USERS: entry 3 \(carla\): the hash has a scrypt N that is not a power of two of at least 16384/,
        ),
        expect.stringMatching(/^PIXOUT_DASHBOARD_USERS: entry 4 \(dora\) must be name:role:hash/),
        expect.stringMatching(
          /^PIXOUT_DASHBOARD_USERS: entry 5 \(eva\): the hash is not a hash made by `pixout dashboard hash-password`/,
        ),
        expect.stringMatching(/^PIXOUT_DASHBOARD_PORT: /),
        expect.stringMatching(/^PIXOUT_DASHBOARD_SECRET: must be at least 32 characters/),
        expect.stringMatching(/^PIXOUT_DASHBOARD_ORIGIN: must be the public origin/),
        expect.stringMatching(/^PIXOUT_DASHBOARD_TRUSTED_PROXIES: "10\.0\.0\.0\/33" is not an address, a CIDR/),
        expect.stringMatching(/^PIXOUT_DASHBOARD_TRUSTED_PROXIES: "proxy\.example\.com" is not an address/),
        expect.stringMatching(/^PIXOUT_QUEUE: /),
      ]),
    );
    expect(problems.join("\n")).not.toContain("hunter2");
    expect(
      problemsOf(() => loadDashboardSettings({ PIXOUT_DASHBOARD_USERS: `ana:operator:${hash},ana:viewer:${hash}` })),
    ).toEqual([expect.stringMatching(/entry 2 \(ana\): the user is listed twice/)]);
  });

  it("refuses hashes whose scrypt parameters would make one login too costly (128·N·r over 64 MiB, p over 4)", () => {
    expect(parsePasswordHash(fakeHash(65_536, 8, 1))).toMatchObject({ N: 65_536, r: 8, p: 1 }); // 64 MiB: the most
    expect(parsePasswordHash(fakeHash(32_768, 8, 4))).toMatchObject({ p: 4 });
    expect(parsePasswordHash(fakeHash(131_072, 8, 1))).toEqual({
      problem: expect.stringMatching(/more than 64 MiB per login \(128·N·r = 128 MiB\)/) as string,
    });
    expect(parsePasswordHash(fakeHash(1_048_576, 1, 1))).toHaveProperty("problem");
    expect(parsePasswordHash(fakeHash(32_768, 8, 5))).toEqual({
      problem: expect.stringMatching(/p outside 1…4/) as string,
    });
    expect(
      problemsOf(() => loadDashboardSettings({ PIXOUT_DASHBOARD_USERS: `ana:operator:${fakeHash(262_144, 8, 1)}` })),
    ).toEqual([
      expect.stringMatching(
        /^PIXOUT_DASHBOARD_USERS: entry 1 \(ana\): the hash has scrypt parameters that need more than 64 MiB per login .*hash-password/,
      ),
    ]);
  });

  it("knows which hosts are this machine only", () => {
    for (const host of ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
      expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ["0.0.0.0", "::", "10.0.0.5", "dashboard", "localhost.example.com"])
      expect(isLoopbackHost(host), host).toBe(false);
  });

  it("marks users ignored when --no-auth comes with PIXOUT_DASHBOARD_USERS", () => {
    expect(loadDashboardSettings({ PIXOUT_DASHBOARD_USERS: `ana:operator:${hash}` }, { noAuth: true })).toMatchObject({
      noAuth: true,
      users: [],
      usersIgnored: true,
    });
    expect(loadDashboardSettings({}, { noAuth: true })).toMatchObject({ usersIgnored: false });
    expect(loadDashboardSettings({ PIXOUT_DASHBOARD_USERS: `ana:operator:${hash}` })).toMatchObject({
      usersIgnored: false,
    });
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
    const auth = createAuthenticator([{ name: "ana", role: "operator", hash }], {
      cacheTtlMs: 1_000,
      cacheSize: 2,
      now: () => now,
    });
    const good = basic({ name: "ana", password: "operator-password" });
    expect(await auth.authenticate(good)).toEqual({ ok: true, principal: { user: "ana", role: "operator" } });
    expect(await auth.authenticate(good)).toEqual({ ok: true, principal: { user: "ana", role: "operator" } });
    expect(await auth.authenticate(basic({ name: "ana", password: "wrong" }))).toEqual({
      ok: false,
      why: "wrong",
      user: "ana",
      known: true,
    });
    expect(await auth.authenticate(basic({ name: "nobody", password: "operator-password" }))).toEqual({
      ok: false,
      why: "wrong",
      user: "nobody",
      known: false,
    });
    expect(await auth.authenticate(undefined)).toEqual({ ok: false, why: "missing" });
    expect(await auth.authenticate("Bearer abc")).toEqual({ ok: false, why: "missing" });
    now = 5_000; // past the TTL: verified again (still right)
    expect(await auth.authenticate(good)).toMatchObject({ ok: true });
    expect(parseBasic(`Basic ${Buffer.from("a:b:c").toString("base64")}`)).toEqual({ user: "a", password: "b:c" });
  });

  it("remembers at most cacheSize logins, forgetting the oldest first", async () => {
    const hash = parsePasswordHash(await hashPassword("shared-password"));
    if ("problem" in hash) throw new Error(hash.problem);
    const users = ["ana", "bia", "caio"].map((name) => ({ name, role: "viewer" as const, hash }));
    const auth = createAuthenticator(users, { cacheSize: 2 });
    const login = (name: string) => auth.authenticate(basic({ name, password: "shared-password" }));
    for (const name of ["ana", "bia", "caio"])
      expect(await login(name)).toMatchObject({ ok: true, principal: { user: name } });
    expect(auth.stats()).toEqual({ verifications: 3, remembered: 2 });
    expect(await login("caio")).toMatchObject({ ok: true }); // remembered: no scrypt
    expect(await login("bia")).toMatchObject({ ok: true });
    expect(auth.stats().verifications).toBe(3);
    expect(await login("ana")).toMatchObject({ ok: true }); // the oldest, forgotten: verified again
    expect(auth.stats()).toEqual({ verifications: 4, remembered: 2 });
  });

  it("checks an unknown user against a decoy with the default parameters", () => {
    const decoy = decoyHash();
    expect({ N: decoy.N, r: decoy.r, p: decoy.p }).toEqual(DEFAULT_SCRYPT);
    expect(decoy.salt.equals(decoyHash().salt)).toBe(false);
  });
});

describe("login limits", () => {
  it("a semaphore runs `concurrency` tasks, queues `maxWaiting`, and answers BUSY beyond without running the task", async () => {
    const slots = createSemaphore({ concurrency: 2, maxWaiting: 1 });
    const releases: (() => void)[] = [];
    let started = 0;
    const task = () =>
      new Promise<string>((resolve) => {
        started++;
        releases.push(() => {
          resolve("done");
        });
      });
    const results = [slots.run(task), slots.run(task), slots.run(task), slots.run(task), slots.run(task)];
    expect(await results[3]).toBe(BUSY);
    expect(await results[4]).toBe(BUSY);
    expect(started).toBe(2);
    releases.shift()?.();
    expect(await results[0]).toBe("done");
    await expect.poll(() => started).toBe(3); // the waiting one took the freed slot
    for (const release of releases.splice(0)) release();
    expect(await Promise.all(results.slice(1, 3))).toEqual(["done", "done"]);
    expect(await slots.run(() => Promise.resolve("again"))).toBe("again");
  });

  it("answers busy to logins beyond the running and waiting password checks, and checks a good one afterwards", async () => {
    const hash = parsePasswordHash(await hashPassword("operator-password"));
    if ("problem" in hash) throw new Error(hash.problem);
    const auth = createAuthenticator([{ name: "ana", role: "operator", hash }], { maxConcurrent: 2, maxWaiting: 1 });
    const flood = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        auth.authenticate(basic({ name: "mallory", password: `guess-${String(i)}` })),
      ),
    );
    expect(flood.filter((r) => !r.ok && r.why === "busy")).toHaveLength(7);
    expect(flood.filter((r) => !r.ok && r.why === "wrong")).toHaveLength(3);
    expect(auth.stats().verifications).toBe(3);
    expect(await auth.authenticate(basic({ name: "ana", password: "operator-password" }))).toMatchObject({ ok: true });
  });

  it("samples log lines: one per key per window, with the count since the key's last line", () => {
    let now = 0;
    const sampler = createLogSampler({ windowMs: 10_000, maxKeys: 2, now: () => now });
    expect(sampler.take("mallory")).toBe(1);
    expect([sampler.take("mallory"), sampler.take("mallory"), sampler.take("mallory")]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(sampler.take("eve")).toBe(1);
    now = 9_999;
    expect(sampler.take("mallory")).toBeUndefined();
    now = 10_000;
    expect(sampler.take("mallory")).toBe(5);
    expect(sampler.take("mallory")).toBeUndefined();
  });
});

describe("CSRF rules", () => {
  const secret = Buffer.from("s".repeat(32));
  // The clock is an input: a token made at NOW, checked a minute later.
  const NOW = 1_800_000_000_000;
  const token = csrfToken(secret, "ana", NOW);
  const ok = {
    method: "POST",
    user: "ana",
    now: NOW + 60_000,
    ownOrigin: "http://127.0.0.1:3000",
    headers: {
      token,
      contentType: "application/json; charset=utf-8",
      origin: "http://127.0.0.1:3000",
      secFetchSite: "same-origin",
    },
  };

  it("lets a same-origin JSON request with the user's token through, and safe methods always", () => {
    expect(csrfProblem(ok, secret, undefined)).toBeUndefined();
    expect(
      csrfProblem({ ...ok, headers: { token, contentType: "application/json" } }, secret, undefined),
    ).toBeUndefined();
    expect(
      csrfProblem(
        { ...ok, headers: { ...ok.headers, origin: "https://ops.example.com" } },
        secret,
        "https://ops.example.com",
      ),
    ).toBeUndefined();
    expect(csrfProblem({ ...ok, method: "GET", headers: {} }, secret, undefined)).toBeUndefined();
  });

  it("with PIXOUT_DASHBOARD_ORIGIN set, compares Origin against it only, never against the Host-derived origin", () => {
    expect(csrfProblem(ok, secret, "https://ops.example.com")).toMatch(
      /another origin .*PIXOUT_DASHBOARD_ORIGIN is https:\/\/ops\.example\.com/,
    );
    // A DNS-rebinding page sends its own name in Host and in Origin: equal, yet refused.
    expect(
      csrfProblem(
        {
          ...ok,
          ownOrigin: "http://evil.example:3000",
          headers: { ...ok.headers, origin: "http://evil.example:3000" },
        },
        secret,
        "https://ops.example.com",
      ),
    ).toMatch(/another origin/);
  });

  it("refuses, saying which: no or wrong token, another user's token, a foreign Origin, cross-site, a form's content type", () => {
    const h = ok.headers;
    expect(csrfProblem({ ...ok, headers: { ...h, token: undefined } }, secret, undefined)).toMatch(
      /missing x-csrf-token/,
    );
    expect(csrfProblem({ ...ok, headers: { ...h, token: "x" } }, secret, undefined)).toMatch(/wrong x-csrf-token/);
    expect(
      csrfProblem({ ...ok, headers: { ...h, token: csrfToken(secret, "bruno", NOW) } }, secret, undefined),
    ).toMatch(/wrong x-csrf-token/);
    expect(
      csrfProblem({ ...ok, headers: { ...h, origin: "https://evil.example" } }, secret, "https://ops.example.com"),
    ).toMatch(/another origin/);
    expect(csrfProblem({ ...ok, headers: { ...h, origin: "null" } }, secret, undefined)).toMatch(/another origin/);
    expect(csrfProblem({ ...ok, headers: { ...h, secFetchSite: "cross-site" } }, secret, undefined)).toMatch(
      /cross-site/,
    );
    expect(
      csrfProblem({ ...ok, headers: { ...h, contentType: "application/x-www-form-urlencoded" } }, secret, undefined),
    ).toMatch(/application\/json/);
    expect(csrfProblem({ ...ok, headers: { ...h, contentType: "text/plain" } }, secret, undefined)).toMatch(
      /application\/json/,
    );
  });

  it("tokens differ at each call, expire after CSRF_TOKEN_TTL_MS, and cannot be re-dated", () => {
    const h = ok.headers;
    expect(csrfToken(secret, "ana", NOW)).not.toBe(token);
    expect(csrfProblem({ ...ok, now: NOW + CSRF_TOKEN_TTL_MS }, secret, undefined)).toBeUndefined();
    expect(csrfProblem({ ...ok, now: NOW + CSRF_TOKEN_TTL_MS + 1 }, secret, undefined)).toMatch(/expired x-csrf-token/);
    expect(csrfProblem({ ...ok, now: NOW - 120_000 }, secret, undefined)).toMatch(/expired x-csrf-token/);
    // The moment is signed: an old token with a new date is a wrong one.
    const [, nonce, sig] = token.split(".");
    const redated = `${(NOW + 60_000).toString(36)}.${nonce ?? ""}.${sig ?? ""}`;
    expect(csrfProblem({ ...ok, headers: { ...h, token: redated } }, secret, undefined)).toMatch(/wrong x-csrf-token/);
    // The token of the old design (an HMAC of the user alone, the same forever) is no token any more.
    expect(csrfProblem({ ...ok, headers: { ...h, token: "x".repeat(43) } }, secret, undefined)).toMatch(
      /wrong x-csrf-token/,
    );
  });
});

describe("what the dashboard shows of personal data", () => {
  it("masks every kind of recipient, and shows an encrypted one as encrypted", () => {
    expect(maskRecipient({ type: "key", key: "fornecedor@example.com" })).toEqual({
      type: "key",
      key: "f***@e***.com",
    });
    expect(maskRecipient({ type: "key", key: "52998224725", keyType: "CPF" })).toEqual({
      type: "key",
      key: "***.982.247-**",
      keyType: "CPF",
    });
    const bank = maskRecipient({
      type: "bank",
      ispb: "00416968",
      branch: "0001",
      account: "1234567",
      accountType: "CONTA_CORRENTE",
      document: "52998224725",
      name: "Maria Silva",
    });
    expect(bank).toEqual({
      type: "bank",
      ispb: "00416968",
      branch: "0001",
      account: "12***67",
      accountType: "CONTA_CORRENTE",
      document: "***.982.247-**",
      name: "M*** S***",
    });
    expect(maskRecipient({ type: "brcode", code: "00020126580014br.gov.bcb.pix0136" })).toEqual({
      type: "brcode",
      code: "000201…(32 chars)",
    });
    expect(maskRecipient({ encrypted: "v1", kid: "k2", iv: "a", tag: "b", data: "c" })).toEqual({
      type: "encrypted",
      kid: "k2",
    });
    expect(maskRecipient("52998224725")).toEqual({ type: "unknown" });
  });

  it("masks a job's data for the queue board: the recipient, and its values or any document, e-mail or phone in free text", () => {
    const masked = JSON.stringify(
      payoutDataView({
        paymentId: "inv-1",
        amount: "10.00",
        description: "Reembolso Maria Silva CPF 529.982.247-25",
        metadata: { contato: "maria@example.com", fone: "+5511987654321" },
        recipient: {
          type: "bank",
          ispb: "00416968",
          branch: "0001",
          account: "1234567",
          accountType: "CONTA_CORRENTE",
          document: "52998224725",
          name: "Maria Silva",
        },
      }),
    );
    for (const personal of [
      "Maria",
      "Silva",
      "52998224725",
      "529.982.247-25",
      "maria@example.com",
      "+5511987654321",
      "1234567",
    ])
      expect(masked).not.toContain(personal);
    expect(masked).toContain('"paymentId":"inv-1"');
    expect(masked).toContain('"amount":"10.00"');
  });

  it("shows a payout job's data through an allow-list: nothing of a name, CPF or account next to an encrypted recipient", () => {
    const view = payoutDataView({
      version: 1,
      paymentId: "inv-2",
      amount: "99.90",
      scheduledFor: "2026-12-01",
      account: "12345678",
      callbackUrl: "https://erp.example.com/pix/callback?token=s3cr3t-t0ken",
      description: "Reembolso Marisa Quintanilha 52998224725 conta 7654321",
      metadata: { "Marisa Quintanilha": "7654321", cpf: "529.982.247-25", conta: "7654321" },
      recipient: { encrypted: "v1", kid: "k2", iv: "aXY", tag: "dGFn", data: "ZGF0YQ" },
      state: {
        step: "poll",
        generation: 0,
        attempts: 1,
        maybeExecuted: true,
        polls: 3,
        codigoSolicitacao: "6f1c1b3e-6a8e-4d39-9a25-1f0b6a2f5e11",
        bankStatus: "CANCELADO_SEM_SALDO",
        history: [{ status: "PIX_ENVIADO", at: "2026-11-27 10:00:00" }],
        bankErrors: [{ codigoErro: "X1", descricaoErro: "conta 529.982.247-25 sem saldo" }],
        lastError: { code: "INTER_UNAVAILABLE", message: "bank said: recebedor 52998224725", at: 1 },
        reason: "see https://bank.example/case?id=52998224725",
        somethingNew: "Marisa Quintanilha",
      },
      audit: [
        {
          at: "2026-11-27T13:00:00.000Z",
          actor: "ana@empresa.com",
          action: "retry",
          reason: "ligou para o CPF 52998224725",
          generation: 1,
          newKey: true,
        },
      ],
      nota: "Marisa Quintanilha 7654321",
      "Marisa Quintanilha": "x",
    });
    const text = JSON.stringify(view);
    for (const personal of [
      "Marisa",
      "Quintanilha",
      "52998224725",
      "529.982.247-25",
      "7654321",
      "12345678",
      "s3cr3t",
      "token=",
    ])
      expect(text, personal).not.toContain(personal);
    expect(view).toMatchObject({
      version: 1,
      paymentId: "inv-2",
      amount: "99.90",
      scheduledFor: "2026-12-01",
      account: "12****78",
      callbackUrl: "https://erp.example.com",
      description: "[54 characters]",
      metadata: "[3 keys]",
      recipient: { type: "encrypted", kid: "k2" },
      state: {
        step: "poll",
        polls: 3,
        maybeExecuted: true,
        codigoSolicitacao: "6f1c1b3e-6a8e-4d39-9a25-1f0b6a2f5e11",
        bankStatus: "CANCELADO_SEM_SALDO",
        history: [{ status: "PIX_ENVIADO", at: "2026-11-27 10:00:00" }],
        lastError: { code: "INTER_UNAVAILABLE", message: "bank said: recebedor ***.982.247-**", at: 1 },
        somethingNew: "[hidden]",
      },
      // The actor is an operator's name, shown as is; the reason is free text.
      audit: [
        {
          actor: "ana@empresa.com",
          action: "retry",
          reason: "ligou para o CPF ***.982.247-**",
          generation: 1,
          newKey: true,
        },
      ],
      nota: "[hidden]",
      "[other fields]": 1,
    });
  });

  it("shows a notification job's destination as its origin, and its errors without URL queries", () => {
    const view = notificationDataView({
      url: "https://hooks.example.com/pix?token=abc123secret",
      event: {
        id: "e1",
        type: "payment.failed",
        paymentId: "inv-3",
        outcome: "failed",
        generation: 0,
        reason: "sem saldo (fornecedor@example.com)",
        amount: "1.00",
      },
      attempts: [
        {
          attempt: 1,
          at: "2026-11-27T13:00:00.000Z",
          durationMs: 12,
          error: "timeout calling https://hooks.example.com/pix?token=abc123secret",
          delivered: false,
        },
      ],
      extra: { anything: "x" },
    });
    const text = JSON.stringify(view);
    expect(text).not.toContain("abc123secret");
    expect(text).not.toContain("fornecedor@example.com");
    expect(view).toMatchObject({
      url: "https://hooks.example.com",
      event: { paymentId: "inv-3", outcome: "failed", reason: "sem saldo (f***@e***.com)" },
      attempts: [{ error: "timeout calling https://hooks.example.com/pix?…", delivered: false }],
      extra: "[hidden]",
    });
    expect(notificationDataView("not an object")).toBe("[hidden]");
  });

  it("replaces what lies past the depth limit instead of showing it unexamined", () => {
    let deep: unknown = { cpf: "52998224725" };
    for (let i = 0; i < 30; i++) deep = { next: deep };
    const text = JSON.stringify(scrubDeep(deep, []));
    expect(text).toContain('"[too deep]"');
    expect(text).not.toContain("52998224725");
    let deepArray: unknown = ["52998224725"];
    for (let i = 0; i < 30; i++) deepArray = [deepArray];
    expect(JSON.stringify(scrubDeep(deepArray, []))).not.toContain("52998224725");
    // Keys are scrubbed too; URLs lose their query.
    expect(scrubDeep({ "maria@example.com": 1 }, [])).toEqual({ "m***@e***.com": 1 });
    expect(scrubText("called https://x.example/cb?token=t#frag and http://y.example/")).toBe(
      "called https://x.example/cb?… and http://y.example/",
    );
  });

  it("a --no-auth dashboard answers only requests addressed to a loopback name on its port, not through a proxy", () => {
    for (const host of ["127.0.0.1:3000", "localhost:3000", "[::1]:3000", "LOCALHOST:3000"])
      expect(notLocalProblem({ host }, 3000), host).toBeUndefined();
    for (const host of [
      "evil.example:3000",
      "127.0.0.1:3001",
      "127.0.0.1",
      "localhost.evil.example:3000",
      "0.0.0.0:3000",
    ]) {
      expect(notLocalProblem({ host }, 3000), host).toMatch(
        /without authentication \(--no-auth\) and answers only requests addressed to http:\/\/127\.0\.0\.1:3000/,
      );
    }
    expect(notLocalProblem({}, 3000)).toBeDefined();
    expect(notLocalProblem({ host: "localhost" }, 80)).toBeUndefined();
    for (const header of ["forwarded", "x-forwarded-for", "x-forwarded-host"])
      expect(notLocalProblem({ host: "127.0.0.1:3000", [header]: "x" }, 3000), header).toMatch(/proxy/);
  });

  it("chooses the board's CSP for /queues and under it only, in any case", () => {
    for (const path of ["/queues", "/QUEUES", "/queues/", "/Queues/api/queues"])
      expect(isQueueBoardPath(path), path).toBe(true);
    for (const path of ["/queuesX", "/queues-x", "/payments", "/api/queues/counts"])
      expect(isQueueBoardPath(path), path).toBe(false);
  });

  it("escapes HTML", () => {
    expect(escapeHtml(`<script>alert("x")</script>&'`)).toBe(
      "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;",
    );
  });
});
