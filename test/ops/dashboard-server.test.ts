// The dashboard server against the shared Redis (no payments needed): login, roles, probes, metrics,
// security headers, escaping, the read-only queue board and what it shows, login floods, --no-auth's
// locality, start-up warnings.
import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { inject } from "vitest";
import { removeQueueKeys } from "../../src/queue/cleanup.js";
import { bullPrefix, notificationQueueName } from "../../src/queue/names.js";
import { cleanupAfter } from "../helpers/cleanup.js";
import { startPrivateRedis } from "../helpers/private-redis.js";
import { basic, OPERATOR, startTestDashboard, VIEWER, type TestDashboard } from "../helpers/dashboard.js";

/** A fixed moment for data that only has to look real (an audit entry, a record): never compared with the clock. */
const FIXED_AT = new Date(Date.UTC(2026, 10, 27, 13)).toISOString();

const PII = ["Marisa", "Quintanilha", "52998224725", "529.982.247-25", "7654321", "s3cret", "token="];
/** A payout job as a producer with a data key writes it, and personal data wherever a producer could put it. */
const PII_PAYOUT = {
  paymentId: "pii",
  amount: "12.34",
  description: "Reembolso Marisa Quintanilha CPF 529.982.247-25 conta 7654321",
  metadata: { "Marisa Quintanilha": "7654321", cpf: "52998224725" },
  callbackUrl: "https://erp.example.com/pix?token=s3cret",
  recipient: { encrypted: "v1", kid: "k2", iv: "aXY", tag: "dGFn", data: "ZGF0YQ" },
  state: {
    step: "poll",
    generation: 0,
    attempts: 1,
    maybeExecuted: true,
    polls: 2,
    lastError: { code: "INTER_UNAVAILABLE", message: "recebedor 52998224725", at: 1 },
  },
  audit: [
    {
      at: FIXED_AT,
      actor: "ana.operadora",
      action: "retry",
      reason: "falei com o fornecedor",
      generation: 0,
      newKey: false,
    },
  ],
};
const PII_NOTIFICATION = {
  url: "https://hooks.example.com/pix?token=s3cret",
  event: {
    id: "e1",
    type: "payment.failed",
    paymentId: "pii",
    outcome: "failed",
    generation: 0,
    reason: "recebedor 52998224725",
    amount: "12.34",
  },
  attempts: [
    {
      attempt: 1,
      at: FIXED_AT,
      durationMs: 5,
      error: "timeout at https://hooks.example.com/pix?token=s3cret",
      delivered: false,
    },
  ],
};

function expectNoPii(text: string, what: string): void {
  for (const value of PII) expect(text, `${what}: ${value}`).not.toContain(value);
}

/** The test's own BullMQ queues on the dashboard's queue names (closed, with their connection, at the end). */
function testQueues(env: { REDIS_URL: string; PIXOUT_QUEUE: string; PIXOUT_REDIS_PREFIX: string }): {
  redis: Redis;
  payouts: Queue;
  notifications: Queue;
} {
  const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: null });
  const prefix = bullPrefix(env.PIXOUT_REDIS_PREFIX);
  const payouts = new Queue(env.PIXOUT_QUEUE, { connection: redis, prefix });
  const notifications = new Queue(notificationQueueName(env.PIXOUT_QUEUE), { connection: redis, prefix });
  cleanupAfter(async () => {
    await Promise.all([payouts.close(), notifications.close()]);
    redis.disconnect();
  });
  return { redis, payouts, notifications };
}

describe("dashboard server", async () => {
  const env = {
    REDIS_URL: inject("redisUrl"),
    PIXOUT_QUEUE: `test-${randomUUID().slice(0, 8)}`,
    PIXOUT_REDIS_PREFIX: `pixout-test-${randomUUID().slice(0, 8)}`,
  };
  cleanupAfter(async () => {
    await removeQueueKeys(env.REDIS_URL, env.PIXOUT_REDIS_PREFIX);
  });
  const dash = await startTestDashboard(env);
  const { redis, payouts, notifications } = testQueues(env);

  it("answers 401 with a Basic challenge without credentials or with wrong ones, alike for unknown users, and logs the user name only", async () => {
    const none = await dash.get("/payments");
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBe('Basic realm="pixout dashboard", charset="UTF-8"');
    const wrong = await dash.get("/api/session", { ...OPERATOR, password: "not-the-password" });
    const unknown = await dash.get("/api/session", { ...OPERATOR, name: "mallory", password: "not-the-password" });
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expect(await wrong.text()).toBe(await unknown.text());
    for (const path of [
      "/",
      "/payments",
      "/metrics",
      "/queues",
      "/queues/api/queues",
      "/api/queues/counts",
      "/assets/dashboard.js",
    ]) {
      expect((await dash.get(path)).status, path).toBe(401);
    }
    const failures = dash.lines.filter((l) => l.includes("dashboard login failed"));
    expect(failures.some((l) => l.includes('"user":"ana.operadora"') && l.includes('"failures":1'))).toBe(true);
    // A name that is nobody's is not logged: it may be a password typed into the name field.
    expect(failures.some((l) => l.includes('"user":"(not a user)"'))).toBe(true);
    expect(dash.lines.join("\n")).not.toContain("mallory");
    expect(dash.lines.join("\n")).not.toContain("not-the-password");
    // On loopback, no warning about plain HTTP.
    expect(dash.lines.some((l) => l.includes("plain HTTP"))).toBe(false);
  });

  it("gives each user a session with their role and CSRF token", async () => {
    const viewer = (await (await dash.get("/api/session", VIEWER)).json()) as Record<string, string>;
    const operator = (await (await dash.get("/api/session", OPERATOR)).json()) as Record<string, string>;
    expect(viewer).toMatchObject({ user: "bruno", role: "viewer" });
    expect(operator).toMatchObject({ user: "ana.operadora", role: "operator" });
    expect(viewer["csrfToken"]).toMatch(/^[0-9a-z]+\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{43}$/);
    expect(viewer["csrfToken"]).not.toBe(operator["csrfToken"]);
    // A new token at each call (one leaked is good for 10 minutes at most), never cached.
    const again = await dash.get("/api/session", VIEWER);
    expect(again.headers.get("cache-control")).toBe("no-store");
    expect(((await again.json()) as Record<string, string>)["csrfToken"]).not.toBe(viewer["csrfToken"]);
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
    expect(root.headers.get("location")).toBe("/overview");
    const evil = `<script>alert("x")</script>`;
    const res = await dash.get(`/payments?q=${encodeURIComponent(evil)}`, VIEWER);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-security-policy")).toMatch(/^default-src 'self';/);
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    const html = await res.text();
    expect(html).not.toContain(evil);
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    // Every script is an external one from the app itself; no inline handlers.
    expect([...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0])).toEqual([
      '<script src="/assets/dashboard.js" defer>',
    ]);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).toMatch(/id="count-waiting" data-testid="count-waiting">0</);
    expect(html).toContain('data-testid="search-error"');
    // A viewer gets no retry form.
    expect(html).not.toContain("retry-form");
    const js = await dash.get("/assets/dashboard.js", VIEWER);
    expect(js.headers.get("content-type")).toMatch(/^text\/javascript/);
    // The overview and the payment list too: the charting library is served by the app (no CDN).
    for (const path of [
      "/overview",
      `/payments/list?account=${encodeURIComponent(evil)}`,
      "/payments/list?outcome=paid",
    ]) {
      const page = await dash.get(path, VIEWER);
      expect(page.headers.get("content-security-policy")).toMatch(/^default-src 'self';/);
      const body = await page.text();
      expect(body).not.toContain(evil);
      expect(body).not.toMatch(/\son[a-z]+=/i);
      for (const [tag] of body.matchAll(/<script\b[^>]*>/g))
        expect(tag).toMatch(/^<script src="\/assets\/[a-z]+\.js" defer>$/);
    }
    for (const asset of ["/assets/uplot.js", "/assets/uplot.css", "/assets/overview.js"])
      expect((await dash.get(asset, VIEWER)).status).toBe(200);
  });

  it("JSON: queue counts, and a search that finds nothing says so", async () => {
    expect(await (await dash.get("/api/queues/counts", VIEWER)).json()).toEqual({
      queue: env.PIXOUT_QUEUE,
      counts: { waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 },
    });
    const missing = await dash.get("/api/payments/search?q=inv-none", VIEWER);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      error: 'no payment with paymentId, codigoSolicitacao or endToEndId "inv-none"',
    });
    expect((await dash.get("/api/payments/search?q=", VIEWER)).status).toBe(400);
  });

  it("the queue board: readable by a viewer, every write refused for everyone before bull-board sees it", async () => {
    const page = await dash.get("/queues", VIEWER);
    expect(page.status).toBe(200);
    // Its own inline styles are allowed there; scripts still come from the app only.
    expect(page.headers.get("content-security-policy")).toMatch(
      /^default-src 'self'; style-src 'self' 'unsafe-inline';/,
    );
    expect(page.headers.get("content-security-policy")).not.toMatch(/script-src/);
    const api = await dash.get("/queues/api/queues", VIEWER);
    expect(api.status).toBe(200);
    const names = ((await api.json()) as { queues: { name: string; readOnlyMode?: boolean }[] }).queues.map(
      (q) => q.name,
    );
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
        headers: {
          authorization: `Basic ${Buffer.from(`${OPERATOR.name}:${OPERATOR.password}`).toString("base64")}`,
          "content-type": "application/json",
          "x-csrf-token": session.csrfToken,
        },
        body: "{}",
      });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(await res.json()).toEqual({
        error: "the queue board is read-only; retry a payment from its page, which is audited",
      });
    }
  });

  it("the queue board shows both queues' job data through allow-lists, scheduler templates too, and hides Redis details and worker addresses", async () => {
    await payouts.add("payout", PII_PAYOUT, { jobId: "payment-pii" });
    await (
      await payouts.getJob("payment-pii")
    )?.log("bank said: recebedor 52998224725, see https://hooks.example.com/pix?token=s3cret");
    await notifications.add("notify", PII_NOTIFICATION, { jobId: "notify-pii" });
    await payouts.upsertJobScheduler("pii-scheduler", { every: 3_600_000 }, { name: "payout", data: PII_PAYOUT });
    const q = env.PIXOUT_QUEUE;
    const board = async (path: string): Promise<string> => {
      const res = await dash.get(`/queues/api${path}`, VIEWER);
      expect(res.status, path).toBe(200);
      return res.text();
    };

    const list = await board(`/queues?activeQueue=${q}&status=latest&page=1&jobsPerPage=100`);
    expectNoPii(list, "payout list");
    expect(list).toContain('"paymentId":"pii"');
    expect(list).toContain('"description":"[61 characters]"');
    expect(list).toContain('"metadata":"[2 keys]"');
    expect(list).toContain('"callbackUrl":"https://erp.example.com"');
    expect(list).toContain('"recipient":{"type":"encrypted","kid":"k2"}');
    expect(list).toContain('"message":"recebedor ***.982.247-**"');
    expect(list).toContain('"actor":"ana.operadora"');
    const job = await board(`/queues/${q}/payment-pii`);
    expectNoPii(job, "payout job");
    expect(job).toContain('"description":"[61 characters]"');
    const logs = await board(`/queues/${q}/payment-pii/logs`);
    expectNoPii(logs, "payout job logs");
    expect(logs).toContain("***.982.247-**");

    const notes = await board(`/queues?activeQueue=${notificationQueueName(q)}&status=latest`);
    expectNoPii(notes, "notification list");
    expect(notes).toContain('"url":"https://hooks.example.com"');
    expect(notes).toContain('"error":"timeout at https://hooks.example.com/pix?…"');
    expectNoPii(await board(`/queues/${notificationQueueName(q)}/notify-pii`), "notification job");

    const schedulers = await board("/job-schedulers");
    expectNoPii(schedulers, "job schedulers");
    expect(schedulers).toContain('"pii-scheduler"');
    expect(schedulers).toContain('"description":"[61 characters]"');

    // No Redis version, memory or clients; no CLIENT LIST of the workers (their ip:port).
    expect((await dash.get("/queues/api/redis/stats", VIEWER)).status).toBe(403);
    expect((await dash.get(`/queues/api/queues/${q}/workers`, VIEWER)).status).toBe(403);
    expect(list).toContain('"hasWorkers":null');
  });

  it("caps bull-board's page size at 100 jobs", async () => {
    const q = env.PIXOUT_QUEUE;
    const status = async (query: string): Promise<number> =>
      (await dash.get(`/queues/api/queues?activeQueue=${q}&status=latest&${query}`, VIEWER)).status;
    expect(await status("jobsPerPage=100")).toBe(200);
    expect(await status("jobsPerPage=10")).toBe(200);
    const big = await dash.get(`/queues/api/queues?activeQueue=${q}&jobsPerPage=101`, VIEWER);
    expect(big.status).toBe(400);
    expect(await big.json()).toEqual({ error: "jobsPerPage must be a whole number from 1 to 100" });
    for (const query of ["jobsPerPage=100000", "jobsPerPage=1e3", "jobsPerPage=10&jobsPerPage=5000", "jobsPerPage=-1"])
      expect(await status(query), query).toBe(400);
    // A page number Redis would refuse as a range is refused here, plainly: no Redis error, no script SHA.
    for (const page of ["99999999999999999999", "0", "-1", "1.5", "x"]) {
      const res = await dash.get(`/queues/api/queues?activeQueue=${q}&status=latest&page=${page}`, VIEWER);
      expect(res.status, page).toBe(400);
      const text = await res.text();
      expect(text).toBe('{"error":"page must be a whole number from 1 to 999999"}');
    }
    expect(await status("page=2")).toBe(200);
  });

  it("chooses the CSP by path segment in any case, and no answer says X-Powered-By", async () => {
    const upper = await dash.get("/QUEUES", VIEWER);
    expect(upper.status).toBe(200);
    expect(upper.headers.get("content-security-policy")).toMatch(
      /^default-src 'self'; style-src 'self' 'unsafe-inline';/,
    );
    const other = await dash.get("/queuesX", VIEWER);
    expect(other.status).toBe(404);
    expect(other.headers.get("content-security-policy")).toBe(
      "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
    for (const path of ["/queues", "/QUEUES", "/queues/api/queues", "/queuesX", "/payments", "/healthz"]) {
      expect((await dash.get(path, VIEWER)).headers.get("x-powered-by"), path).toBeNull();
    }
  });

  it("refuses every form of bull-board write — PATCH update-data, OPTIONS, upper case, a trailing slash — and nothing changes", async () => {
    const data = { paymentId: "w1", amount: "1.00", recipient: { type: "key", key: "fornecedor@example.com" } };
    await payouts.add("payout", data, { jobId: "payment-w1" });
    const q = env.PIXOUT_QUEUE;
    const session = (await (await dash.get("/api/session", OPERATOR)).json()) as { csrfToken: string };
    const headers = {
      authorization: basic(OPERATOR),
      "content-type": "application/json",
      "x-csrf-token": session.csrfToken,
    };
    for (const [method, path] of [
      ["PATCH", `/queues/api/queues/${q}/payment-w1/update-data`],
      ["PATCH", `/queues/api/queues/${q}/payment-w1/delay`],
      ["OPTIONS", `/queues/api/queues/${q}/payment-w1/update-data`],
      ["PUT", `/QUEUES/API/QUEUES/${q}/PAUSE`],
      ["PUT", `/Queues/api/queues/${q}/pause`],
      ["PUT", `/queues/api/queues/${q}/pause/`],
      ["PUT", `/queues/api/queues/${q}/payment-w1/clean/`],
      ["PUT", `/queues//api/queues/${q}/pause`],
    ] as const) {
      const res = await fetch(`${dash.url}${path}`, {
        method,
        headers,
        ...(method === "OPTIONS" ? {} : { body: JSON.stringify({ data: { paymentId: "w1", amount: "999.00" } }) }),
      });
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    expect((await payouts.getJob("payment-w1"))?.data).toEqual(data);
    expect(await payouts.isPaused()).toBe(false);
  });

  it("searches a paymentId only when the query is one: `x:logs` is not another of the job's keys", async () => {
    await payouts.add("payout", { paymentId: "logs", amount: "1.00" }, { jobId: "payment-logs" });
    await (await payouts.getJob("payment-logs"))?.log("a log line");
    const res = await dash.get("/api/payments/search?q=logs%3Alogs", VIEWER);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: 'no payment with paymentId, codigoSolicitacao or endToEndId "logs:logs"',
    });
    expect((await dash.get("/payments?q=logs%3Alogs", VIEWER)).status).toBe(404);
    expect((await dash.get("/api/payments/search?q=logs", VIEWER)).status).toBe(200);
  });

  it("a retry whose outcome cannot be known answers 503 saying so, and logs who and which payment", async () => {
    // Job data that cannot be read makes retryPayment throw midway, as a lost connection would.
    await redis.hset(payouts.toKey("payment-corrupt"), {
      name: "payout",
      data: "{not json Marisa",
      opts: "{}",
      timestamp: String(Date.now()),
    });
    const res = await dash.post("/api/payments/corrupt/retry", OPERATOR, { reason: "try" });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      error: "the retry's outcome is unknown: look at the payment's audit before trying again",
    });
    const line = dash.lines.find((l) => l.includes("dashboard retry failed midway"));
    expect(line).toBeDefined();
    expect(line).toContain('"actor":"ana.operadora"');
    expect(line).toContain('"paymentId":"corrupt"');
    expect(line).not.toContain("Marisa");
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
    const search = await dash.get(`/api/payments/search?q=${encodeURIComponent("inv\u202E1")}`, OPERATOR);
    expect([search.status, ((await search.json()) as { error: string }).error]).toEqual([
      400,
      "the search must not contain control characters or bidirectional marks (U+202E at character 4)",
    ]);
    expect((await dash.get(`/payments?q=${encodeURIComponent("a\u0000")}`, OPERATOR)).status).toBe(400);
    const escape = await dash.post("/api/payments/inv-1/retry", OPERATOR, { reason: "ok\u001b[2J\u202Efake" });
    expect(escape.status).toBe(400);
    expect(((await escape.json()) as { error: string }).error).toMatch(
      /reason: must not contain control characters or bidirectional marks \(U\+001B at character 3\)/,
    );
    const missing = await dash.post("/api/payments/inv-1/retry", OPERATOR, { reason: "x" });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ paymentId: "inv-1", status: "not-found" });
  });

  it("says what is wrong with a retry's body: 400 not JSON, 413 too large, 415 charset or encoding", async () => {
    const answer = async (body: string, headers: Record<string, string> = {}): Promise<[number, string]> => {
      const res = await dash.post("/api/payments/inv-1/retry", OPERATOR, body, headers);
      return [res.status, ((await res.json()) as { error: string }).error];
    };
    expect(await answer("{not json")).toEqual([400, "the request body is not valid JSON"]);
    expect(await answer('{"reason":"first","reason":"second"}')).toEqual([
      400,
      'the request body gives the key "reason" twice: give it once',
    ]);
    expect(await answer(JSON.stringify({ reason: "x".repeat(20_000) }))).toEqual([
      413,
      "the request body is too large (at most 16 KiB)",
    ]);
    expect(await answer('{"reason":"x"}', { "content-type": "application/json; charset=iso-8859-1" })).toEqual([
      415,
      expect.stringMatching(/charset is not supported: send UTF-8/) as string,
    ]);
    expect(await answer('{"reason":"x"}', { "content-encoding": "gzip" })).toEqual([
      415,
      expect.stringMatching(/Content-Encoding is not supported/) as string,
    ]);
    expect(await answer('{"reason":"x"}', { "content-type": "application/json; charset=utf-8" })).toEqual([
      404,
      undefined,
    ]);
  });

  it("lets a request with the dashboard's own Origin through the CSRF checks", async () => {
    const res = await dash.post(
      "/api/payments/inv-1/retry",
      OPERATOR,
      { reason: "x" },
      { origin: dash.url, "sec-fetch-site": "same-origin" },
    );
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ paymentId: "inv-1", status: "not-found" });
  });
});

describe("dashboard behind a proxy (PIXOUT_DASHBOARD_ORIGIN)", async () => {
  const env = {
    REDIS_URL: inject("redisUrl"),
    PIXOUT_QUEUE: `test-${randomUUID().slice(0, 8)}`,
    PIXOUT_REDIS_PREFIX: `pixout-test-${randomUUID().slice(0, 8)}`,
    PIXOUT_DASHBOARD_ORIGIN: "https://ops.example.com",
  };
  cleanupAfter(async () => {
    await removeQueueKeys(env.REDIS_URL, env.PIXOUT_REDIS_PREFIX);
  });
  const dash = await startTestDashboard(env, { users: [OPERATOR] });

  it("accepts the public origin and refuses any other, the Host-derived one included", async () => {
    const ok = await dash.post(
      "/api/payments/inv-1/retry",
      OPERATOR,
      { reason: "x" },
      { origin: "https://ops.example.com" },
    );
    expect(ok.status).toBe(404);
    for (const origin of [dash.url, "https://evil.example", "http://ops.example.com"]) {
      const res = await dash.post("/api/payments/inv-1/retry", OPERATOR, { reason: "x" }, { origin });
      expect(res.status, origin).toBe(403);
      expect(((await res.json()) as { error: string }).error, origin).toMatch(/another origin/);
    }
  });
});

describe("dashboard under a flood of bad logins", async () => {
  const env = {
    REDIS_URL: inject("redisUrl"),
    PIXOUT_QUEUE: `test-${randomUUID().slice(0, 8)}`,
    PIXOUT_REDIS_PREFIX: `pixout-test-${randomUUID().slice(0, 8)}`,
  };
  cleanupAfter(async () => {
    await removeQueueKeys(env.REDIS_URL, env.PIXOUT_REDIS_PREFIX);
  });
  const dash = await startTestDashboard(env, { users: [OPERATOR] });

  it("checks a few passwords at a time, tells the rest to come back (503, Retry-After: 1), samples the log, and lets a good login in afterwards", async () => {
    // A flood from many addresses (each `x-forwarded-for` through the trusted loopback proxy), at once.
    const flood = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const res = await dash.get(
          "/api/session",
          { name: "mallory", role: "viewer", password: `guess-${String(i)}` },
          { "x-forwarded-for": `198.18.0.${String(i + 1)}` },
        );
        return {
          status: res.status,
          retryAfter: res.headers.get("retry-after"),
          body: (await res.json()) as { error: string },
        };
      }),
    );
    const busy = flood.filter((r) => r.status === 503);
    const refused = flood.filter((r) => r.status === 401);
    const throttled = flood.filter((r) => r.status === 429);
    expect(busy.length + refused.length + throttled.length).toBe(100);
    expect(busy.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of busy)
      expect(r).toMatchObject({ retryAfter: "1", body: { error: "too many logins at once; try again in a second" } });
    const good = await dash.get("/api/session", OPERATOR);
    expect(good.status).toBe(200);
    // Fewer log lines than failures: one per user name per 10 s, each with its count.
    const lines = dash.lines.filter((l) => l.includes("dashboard login failed") && l.includes('"user":"(not a user)"'));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThan(refused.length);
    expect(dash.lines.some((l) => l.includes("refused dashboard logins: too many password checks at once"))).toBe(true);
  });
});

describe("dashboard sign-in throttle", async () => {
  const env = {
    REDIS_URL: inject("redisUrl"),
    PIXOUT_QUEUE: `test-${randomUUID().slice(0, 8)}`,
    PIXOUT_REDIS_PREFIX: `pixout-test-${randomUUID().slice(0, 8)}`,
  };
  cleanupAfter(async () => {
    await removeQueueKeys(env.REDIS_URL, env.PIXOUT_REDIS_PREFIX);
  });
  const dash = await startTestDashboard(env);
  const from = (address: string): Record<string, string> => ({ "x-forwarded-for": address });

  it("an address with 10 failed sign-ins in 15 minutes is refused 429 with Retry-After, even with the right password; other addresses are not", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++)
      statuses.push(
        (await dash.get("/api/session", { ...OPERATOR, password: `guess-${String(i)}` }, from("203.0.113.10"))).status,
      );
    expect(statuses).toEqual(Array<number>(10).fill(401));
    const locked = await dash.get("/api/session", OPERATOR, from("203.0.113.10"));
    expect(locked.status).toBe(429);
    const retryAfter = Number(locked.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(14 * 60);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect(((await locked.json()) as { error: string }).error).toMatch(
      /^too many failed sign-ins from this address; try again in \d+ s$/,
    );
    expect((await dash.get("/api/session", OPERATOR, from("203.0.113.11"))).status).toBe(200);
    // One line for the lockout, whatever follows.
    await dash.get("/api/session", OPERATOR, from("203.0.113.10"));
    expect(dash.lines.filter((l) => l.includes("dashboard sign-ins from an address locked")).length).toBe(1);
  });

  it("a user guessed at from many addresses is locked only for addresses it never signed in from: its owner, at home, gets in", async () => {
    const home = "198.51.100.7";
    const viewer = { ...VIEWER };
    expect((await dash.get("/api/session", viewer, from(home))).status).toBe(200);
    // 12 attackers, one guess each: no address reaches its own limit, the user reaches the user's.
    const guesses: number[] = [];
    for (let i = 0; i < 12; i++)
      guesses.push(
        (
          await dash.get(
            "/api/session",
            { ...viewer, password: `guess-${String(i)}` },
            from(`192.0.2.${String(i + 1)}`),
          )
        ).status,
      );
    expect(guesses.slice(0, 10)).toEqual(Array<number>(10).fill(401));
    expect(guesses.slice(10)).toEqual([429, 429]);
    expect(dash.lines.filter((l) => l.includes("dashboard sign-ins for a user locked")).length).toBe(1);
    // The right password from a new address waits, untried — though the dashboard remembers it from the
    // owner's sign-in: a remembered login must not answer a guesser either. From the owner's address it works.
    const elsewhere = await dash.get("/api/session", viewer, from("203.0.113.50"));
    expect(elsewhere.status).toBe(429);
    expect(((await elsewhere.json()) as { error: string }).error).toMatch(
      /for this user from addresses it never signed in from/,
    );
    expect((await dash.get("/api/session", viewer, from(home))).status).toBe(200);
    // An unknown name gets the same treatment: the answers never tell which names are users.
    for (let i = 0; i < 10; i++)
      await dash.get(
        "/api/session",
        { name: "mallory", role: "viewer", password: `g-${String(i)}` },
        from(`192.0.2.${String(100 + i)}`),
      );
    expect(
      (await dash.get("/api/session", { name: "mallory", role: "viewer", password: "g-x" }, from("192.0.2.200")))
        .status,
    ).toBe(429);
  });
});

describe("dashboard start-up warnings", () => {
  it("warns about plain HTTP beyond loopback and about users whose hashes have other parameters", async () => {
    const env = {
      REDIS_URL: inject("redisUrl"),
      PIXOUT_QUEUE: `test-${randomUUID().slice(0, 8)}`,
      PIXOUT_REDIS_PREFIX: `pixout-test-${randomUUID().slice(0, 8)}`,
    };
    cleanupAfter(async () => {
      await removeQueueKeys(env.REDIS_URL, env.PIXOUT_REDIS_PREFIX);
    });
    const dash = await startTestDashboard(env, {
      users: [
        OPERATOR,
        { name: "carla", role: "viewer", password: "carla-password-789", scrypt: { N: 16_384, r: 8, p: 1 } },
      ],
      flags: { host: "0.0.0.0" },
    });
    const warnings = dash.lines.filter((l) => l.includes('"level":40'));
    expect(
      warnings.some(
        (l) =>
          l.includes('"host":"0.0.0.0"') &&
          l.includes("plain HTTP, and Basic auth sends passwords in the clear: put a TLS-terminating proxy in front"),
      ),
    ).toBe(true);
    expect(
      warnings.some((l) => l.includes('"users":["carla"]') && l.includes("scrypt parameters other than the default")),
    ).toBe(true);
  });
});

describe("dashboard --no-auth", async () => {
  const env = {
    REDIS_URL: inject("redisUrl"),
    PIXOUT_QUEUE: `test-${randomUUID().slice(0, 8)}`,
    PIXOUT_REDIS_PREFIX: `pixout-test-${randomUUID().slice(0, 8)}`,
  };
  cleanupAfter(async () => {
    await removeQueueKeys(env.REDIS_URL, env.PIXOUT_REDIS_PREFIX);
  });
  // Users listed, but --no-auth: they are ignored, and the start says so.
  const dash: TestDashboard = await startTestDashboard(env, { users: [VIEWER], flags: { noAuth: true } });
  const port = new URL(dash.url).port;

  it("makes everyone an operator audited as 'local (no auth)', and still checks CSRF", async () => {
    expect(await (await dash.get("/api/session")).json()).toMatchObject({ user: "local (no auth)", role: "operator" });
    const page = await (await dash.get("/payments")).text();
    expect(page).toContain("local (no auth) · operator");
    const res = await fetch(`${dash.url}/api/payments/inv-1/retry`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"reason":"x"}',
    });
    expect(res.status).toBe(403);
    expect(dash.lines.some((l) => l.includes("dashboard WITHOUT authentication"))).toBe(true);
    expect(
      dash.lines.some((l) => l.includes('"level":40') && l.includes("PIXOUT_DASHBOARD_USERS is set but ignored")),
    ).toBe(true);
  });

  it("answers only requests addressed to this machine: a rebinding page's Host or a proxy's headers get 421", async () => {
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`])
      expect((await dash.raw("GET", "/api/session", { host })).status, host).toBe(200);
    const rebinding = { host: `evil.example:${port}`, origin: `http://evil.example:${port}` };
    const session = await dash.raw("GET", "/api/session", rebinding);
    expect(session.status).toBe(421);
    expect(session.headers["content-type"]).toMatch(/^application\/json/);
    expect((JSON.parse(session.text) as { error: string }).error).toMatch(
      /without authentication \(--no-auth\) and answers only requests addressed to http:\/\/127\.0\.0\.1:/,
    );
    expect(session.text).not.toContain("csrfToken");
    // Even with a valid token (taken locally), a retry posted under another Host is refused before the route.
    const { csrfToken } = (await (await dash.get("/api/session")).json()) as { csrfToken: string };
    const retry = await dash.raw(
      "POST",
      "/api/payments/inv-1/retry",
      { ...rebinding, "content-type": "application/json", "x-csrf-token": csrfToken },
      '{"reason":"x"}',
    );
    expect(retry.status).toBe(421);
    for (const header of ["x-forwarded-for", "x-forwarded-host", "forwarded"]) {
      expect(
        (await dash.raw("GET", "/api/session", { host: `127.0.0.1:${port}`, [header]: "203.0.113.9" })).status,
        header,
      ).toBe(421);
    }
    expect(dash.lines.some((l) => l.includes('"msg":"dashboard retry"'))).toBe(false);
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
    expect(await (await dash.get("/api/queues/counts", VIEWER)).json()).toEqual({
      error: "Redis does not answer; try again when it is back (see /readyz)",
    });
    for (const path of ["/api/payments/search?q=x", "/queues/api/queues", "/metrics", "/payments"])
      expect(await statusOf(path), path).toBe(503);
    // A retry is not even tried: nothing was sent, and the answer says so.
    const retryAway = await dash.post("/api/payments/inv-1/retry", OPERATOR, { reason: "x" });
    expect(retryAway.status).toBe(503);
    expect(await retryAway.json()).toEqual({ error: "Redis does not answer; try again when it is back (see /readyz)" });
    expect(await statusOf("/healthz")).toBe(200);
    const ready = await dash.get("/readyz");
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({
      ready: false,
      checks: expect.arrayContaining([
        { name: "redis", ok: false, detail: expect.stringMatching(/^Redis does not answer/) as string },
      ]) as unknown,
    });
    await redis.restart();
    await expect.poll(() => statusOf("/api/queues/counts"), { timeout: 15_000 }).toBe(200);
    expect(await statusOf("/queues/api/queues")).toBe(200);
    // The retries' own connection is back too.
    await expect
      .poll(async () => (await dash.post("/api/payments/inv-1/retry", OPERATOR, { reason: "x" })).status, {
        timeout: 15_000,
      })
      .toBe(404);
    expect(dash.lines.some((l) => l.includes("Redis connection problem"))).toBe(true);
    expect(dash.lines.some((l) => l.includes('"msg":"Redis is back"'))).toBe(true);
  });
});
