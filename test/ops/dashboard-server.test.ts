// The dashboard server against the shared Redis (no payments needed): login, roles, probes, metrics,
// security headers, escaping, the read-only queue board.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { inject } from "vitest";
import { removeQueueKeys } from "../../src/queue/cleanup.js";
import { cleanupAfter } from "../helpers/cleanup.js";
import { startPrivateRedis } from "../helpers/private-redis.js";
import { OPERATOR, startTestDashboard, VIEWER } from "../helpers/dashboard.js";

describe("dashboard server", async () => {
  const env = { REDIS_URL: inject("redisUrl"), PIXOUT_QUEUE: `test-${randomUUID().slice(0, 8)}`, PIXOUT_REDIS_PREFIX: `pixout-test-${randomUUID().slice(0, 8)}` };
  cleanupAfter(async () => {
    await removeQueueKeys(env.REDIS_URL, env.PIXOUT_REDIS_PREFIX);
  });
  const dash = await startTestDashboard(env);

  it("answers 401 with a Basic challenge without credentials or with wrong ones, alike for unknown users, and logs the user name only", async () => {
    const none = await dash.get("/payments");
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBe('Basic realm="pixout dashboard", charset="UTF-8"');
    const wrong = await dash.get("/api/session", { ...OPERATOR, password: "not-the-password" });
    const unknown = await dash.get("/api/session", { ...OPERATOR, name: "mallory", password: "not-the-password" });
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expect(await wrong.text()).toBe(await unknown.text());
    for (const path of ["/", "/payments", "/metrics", "/queues", "/queues/api/queues", "/api/queues/counts", "/assets/dashboard.js"]) {
      expect((await dash.get(path)).status, path).toBe(401);
    }
    const failures = dash.lines.filter((l) => l.includes("dashboard login failed"));
    expect(failures.some((l) => l.includes('"user":"ana.operadora"'))).toBe(true);
    expect(failures.some((l) => l.includes('"user":"mallory"'))).toBe(true);
    expect(dash.lines.join("\n")).not.toContain("not-the-password");
  });

  it("gives each user a session with their role and CSRF token", async () => {
    const viewer = (await (await dash.get("/api/session", VIEWER)).json()) as Record<string, string>;
    const operator = (await (await dash.get("/api/session", OPERATOR)).json()) as Record<string, string>;
    expect(viewer).toMatchObject({ user: "bruno", role: "viewer" });
    expect(operator).toMatchObject({ user: "ana.operadora", role: "operator" });
    expect(viewer["csrfToken"]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(viewer["csrfToken"]).not.toBe(operator["csrfToken"]);
  });

  it("probes need no login: /healthz is ok, /readyz says why it is not ready without workers", async () => {
    const health = await dash.get("/healthz");
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    const ready = await dash.get("/readyz");
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({
      ready: false,
      checks: [
        { name: "redis", ok: true, detail: expect.any(String) as string },
        { name: "workers", ok: false, detail: expect.stringMatching(/no payout worker's heartbeat/) as string },
        { name: "certificate", ok: false, detail: expect.any(String) as string },
      ],
    });
  });

  it("/metrics, for any role: the fleet's gauges and the dashboard process's own metrics", async () => {
    const res = await dash.get("/metrics", VIEWER);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toContain(`pixout_queue_jobs{queue="${env.PIXOUT_QUEUE}",state="wait"} 0`);
    expect(text).toContain(`pixout_queue_jobs{queue="${env.PIXOUT_QUEUE}-notifications",state="failed"} 0`);
    expect(text).toContain(`pixout_workers_alive{queue="${env.PIXOUT_QUEUE}"} 0`);
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes \d/m);
  });

  it("serves pages with a strict CSP, no framing, no inline script, and escapes what it echoes", async () => {
    const root = await dash.get("/", VIEWER);
    expect(root.status).toBe(303);
    expect(root.headers.get("location")).toBe("/payments");
    const evil = `<script>alert("x")</script>`;
    const res = await dash.get(`/payments?q=${encodeURIComponent(evil)}`, VIEWER);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-security-policy")).toMatch(/^default-src 'self';/);
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    const html = await res.text();
    expect(html).not.toContain(evil);
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    // Every script is an external one from the app itself; no inline handlers.
    expect([...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0])).toEqual(['<script src="/assets/dashboard.js" defer>']);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).toMatch(/id="count-waiting" data-testid="count-waiting">0</);
    expect(html).toContain('data-testid="search-error"');
    // A viewer gets no retry form.
    expect(html).not.toContain("retry-form");
    const js = await dash.get("/assets/dashboard.js", VIEWER);
    expect(js.headers.get("content-type")).toMatch(/^text\/javascript/);
  });

  it("JSON: queue counts, and a search that finds nothing says so", async () => {
    expect(await (await dash.get("/api/queues/counts", VIEWER)).json()).toEqual({
      queue: env.PIXOUT_QUEUE,
      counts: { waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 },
    });
    const missing = await dash.get("/api/payments/search?q=inv-none", VIEWER);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'no payment with paymentId, codigoSolicitacao or endToEndId "inv-none"' });
    expect((await dash.get("/api/payments/search?q=", VIEWER)).status).toBe(400);
  });

  it("the queue board: readable by a viewer, every write refused for everyone before bull-board sees it", async () => {
    const page = await dash.get("/queues", VIEWER);
    expect(page.status).toBe(200);
    // Its own inline styles are allowed there; scripts still come from the app only.
    expect(page.headers.get("content-security-policy")).toMatch(/^default-src 'self'; style-src 'self' 'unsafe-inline';/);
    expect(page.headers.get("content-security-policy")).not.toMatch(/script-src/);
    const api = await dash.get("/queues/api/queues", VIEWER);
    expect(api.status).toBe(200);
    const names = ((await api.json()) as { queues: { name: string; readOnlyMode?: boolean }[] }).queues.map((q) => q.name);
    expect(names.sort()).toEqual([env.PIXOUT_QUEUE, `${env.PIXOUT_QUEUE}-notifications`].sort());
    for (const [method, path] of [
      ["PUT", `/queues/api/queues/${env.PIXOUT_QUEUE}/payment-x/retry/failed`],
      ["PUT", `/queues/api/queues/${env.PIXOUT_QUEUE}/retry/failed`],
      ["PUT", `/queues/api/queues/${env.PIXOUT_QUEUE}/clean/completed`],
      ["PUT", `/queues/api/queues/${env.PIXOUT_QUEUE}/pause`],
      ["POST", `/queues/api/queues/${env.PIXOUT_QUEUE}/add`],
      ["DELETE", `/queues/api/queues/${env.PIXOUT_QUEUE}/obliterate`],
    ] as const) {
      const session = (await (await dash.get("/api/session", OPERATOR)).json()) as { csrfToken: string };
      const res = await fetch(`${dash.url}${path}`, {
        method,
        headers: { authorization: `Basic ${Buffer.from(`${OPERATOR.name}:${OPERATOR.password}`).toString("base64")}`, "content-type": "application/json", "x-csrf-token": session.csrfToken },
        body: "{}",
      });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(await res.json()).toEqual({ error: "the queue board is read-only; retry a payment from its page, which is audited" });
    }
  });

  it("refuses a retry from a viewer, whatever the payment", async () => {
    const res = await dash.post("/api/payments/inv-1/retry", VIEWER, { reason: "try" });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: "viewers cannot retry payments; ask an operator" });
  });

  it("an operator's retry request is checked: a reason is required, unknown fields refused, a missing payment is 404", async () => {
    const noReason = await dash.post("/api/payments/inv-1/retry", OPERATOR, { reason: " " });
    expect(noReason.status).toBe(400);
    expect(((await noReason.json()) as { error: string }).error).toMatch(/reason: is required \(it is audited\)/);
    const unknown = await dash.post("/api/payments/inv-1/retry", OPERATOR, { reason: "x", force: true });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: string }).error).toMatch(/unknown field force/);
    const broken = await dash.post("/api/payments/inv-1/retry", OPERATOR, "{not json");
    expect(broken.status).toBe(400);
    const missing = await dash.post("/api/payments/inv-1/retry", OPERATOR, { reason: "x" });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ paymentId: "inv-1", status: "not-found" });
  });
});

describe("dashboard --no-auth", async () => {
  const env = { REDIS_URL: inject("redisUrl"), PIXOUT_QUEUE: `test-${randomUUID().slice(0, 8)}`, PIXOUT_REDIS_PREFIX: `pixout-test-${randomUUID().slice(0, 8)}` };
  cleanupAfter(async () => {
    await removeQueueKeys(env.REDIS_URL, env.PIXOUT_REDIS_PREFIX);
  });
  const dash = await startTestDashboard(env, { users: [], flags: { noAuth: true } });

  it("makes everyone an operator audited as 'local (no auth)', and still checks CSRF", async () => {
    expect(await (await dash.get("/api/session")).json()).toMatchObject({ user: "local (no auth)", role: "operator" });
    const page = await (await dash.get("/payments")).text();
    expect(page).toContain("local (no auth) · operator");
    const res = await fetch(`${dash.url}/api/payments/inv-1/retry`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"reason":"x"}' });
    expect(res.status).toBe(403);
    expect(dash.lines.some((l) => l.includes("dashboard WITHOUT authentication"))).toBe(true);
  });
});

describe("dashboard while Redis is away", () => {
  it("stays up: /healthz ok, /readyz and the API answer 503 at once, and everything works again when Redis is back", async () => {
    const redis = await startPrivateRedis();
    cleanupAfter(() => redis.stop());
    const dash = await startTestDashboard({ REDIS_URL: redis.url, PIXOUT_QUEUE: "q", PIXOUT_REDIS_PREFIX: "p" });
    expect((await dash.get("/api/queues/counts", VIEWER)).status).toBe(200);
    await redis.stop();
    const statusOf = async (path: string): Promise<number> => (await dash.get(path, VIEWER)).status;
    await expect.poll(() => statusOf("/api/queues/counts"), { timeout: 10_000 }).toBe(503);
    expect(await (await dash.get("/api/queues/counts", VIEWER)).json()).toEqual({ error: "Redis does not answer; try again when it is back (see /readyz)" });
    for (const path of ["/api/payments/search?q=x", "/queues/api/queues", "/metrics", "/payments"]) expect(await statusOf(path), path).toBe(503);
    expect(await statusOf("/healthz")).toBe(200);
    const ready = await dash.get("/readyz");
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ ready: false, checks: expect.arrayContaining([{ name: "redis", ok: false, detail: expect.stringMatching(/^Redis does not answer/) as string }]) as unknown });
    await redis.restart();
    await expect.poll(() => statusOf("/api/queues/counts"), { timeout: 15_000 }).toBe(200);
    expect(await statusOf("/queues/api/queues")).toBe(200);
    expect(dash.lines.some((l) => l.includes("Redis connection problem"))).toBe(true);
    expect(dash.lines.some((l) => l.includes('"msg":"Redis is back"'))).toBe(true);
  });
});
