// The token provider: one token call for many concurrent requests, in one process and across processes
// sharing Redis; refresh before expiry; the 5-a-minute limit and refusals shared as a cooldown.
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, describe, expect, inject, it } from "vitest";
import { InterError, InterRateLimitedError } from "../../src/inter/errors.js";
import { removeQueueKeys } from "../../src/queue/cleanup.js";
import { bankFor, clientEnvFor } from "../helpers/bank.js";
import { nextLine, spawnTs } from "../helpers/child.js";
import { NO_LIMITS, startTestEmulator } from "../helpers/emulator.js";
import { startPrivateRedis } from "../helpers/private-redis.js";

const redis = new Redis(inject("redisUrl"));
const prefixes: string[] = [];
afterAll(async () => {
  for (const p of prefixes) await removeQueueKeys(inject("redisUrl"), p);
  redis.disconnect();
});
const order = { amountCents: 100, recipient: { type: "key" as const, key: "fornecedor@example.com" } };
const prefix = (): string => {
  const p = `pixout-test-${randomUUID()}`;
  prefixes.push(p);
  return p;
};

describe("tokens", () => {
  it("makes one token call for 50 concurrent requests in one process", async () => {
    const emulator = await startTestEmulator({ limits: { ...NO_LIMITS, token: 5 } });
    const sent = await bankFor(emulator).client.sendPix(order, randomUUID()); // another "process"
    const before = emulator.ledger.snapshot().tokens.calls;
    const { client } = bankFor(emulator); // cold: no token yet
    await Promise.all(Array.from({ length: 50 }, () => client.getPix(sent.codigoSolicitacao)));
    expect(emulator.ledger.snapshot().tokens.calls - before).toBe(1);
  });

  it("takes a token answer without token_type (no field of Inter's answer is marked required)", async () => {
    const emulator = await startTestEmulator({
      limits: NO_LIMITS,
      faults: [{ method: "POST", path: "/oauth/v2/token", fault: { type: "rewrite", omit: ["token_type", "scope"] } }],
    });
    const sent = await bankFor(emulator).client.sendPix(order, randomUUID());
    expect(sent.codigoSolicitacao).toMatch(/^[0-9a-f-]{36}$/);
    expect(emulator.ledger.snapshot().tokens.calls).toBe(1);
  });

  it("remembers a token 429 without Redis, instead of asking again on every call", async () => {
    const emulator = await startTestEmulator({ limits: { ...NO_LIMITS, token: 1 } });
    await bankFor(emulator).client.sendPix(order, randomUUID()); // uses the minute's only token call
    const { client } = bankFor(emulator);
    const first = await client.sendPix(order, randomUUID()).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(InterRateLimitedError);
    const calls = emulator.ledger.snapshot().tokens.calls;
    const second = await client.sendPix(order, randomUUID()).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(InterRateLimitedError);
    expect((second as Error).message).toMatch(/remembered by this process/);
    expect(emulator.ledger.snapshot().tokens.calls).toBe(calls);
  });

  it("makes one token call for two worker processes starting together (shared through Redis)", async () => {
    const emulator = await startTestEmulator({ limits: { ...NO_LIMITS, token: 5 } });
    const seed = bankFor(emulator); // no Redis: its token is not shared
    const sent = await seed.client.sendPix(order, randomUUID());
    const before = emulator.ledger.snapshot().tokens.calls;
    const env = {
      ...clientEnvFor(emulator),
      REDIS_URL: inject("redisUrl"),
      PIXOUT_REDIS_PREFIX: prefix(),
      LOG_LEVEL: "warn",
    };
    const children = [0, 1].map(() =>
      spawnTs("test/fixtures/token-fleet-child.ts", ["40", sent.codigoSolicitacao], env),
    );
    await Promise.all(children.map(nextLine)); // both ready: clients built, nothing asked yet
    const results = children.map(nextLine);
    for (const child of children) child.stdin.write("go\n");
    const summaries = (await Promise.all(results)).map((l) => JSON.parse(l) as { ok: number; errors: string[] });
    expect(summaries).toEqual([
      { ok: 40, errors: [] },
      { ok: 40, errors: [] },
    ]);
    const ledger = emulator.ledger.snapshot();
    expect(ledger.tokens.calls - before).toBe(1);
    expect(ledger.rateLimited["POST /oauth/v2/token"] ?? 0).toBe(0);
  });

  it("refreshes before expiry: no request is ever sent with an expired token", async () => {
    const emulator = await startTestEmulator({ limits: NO_LIMITS, tokenTtlSeconds: 2 });
    const { client } = bankFor(emulator);
    const sent = await client.sendPix(order, randomUUID());
    const until = Date.now() + 4500;
    while (Date.now() < until) {
      await Promise.all(Array.from({ length: 5 }, () => client.getPix(sent.codigoSolicitacao)));
      await sleep(20);
    }
    const ledger = emulator.ledger.snapshot();
    expect(ledger.tokens.calls).toBeGreaterThanOrEqual(3); // a 2 s token is replaced after 1 s
    expect(ledger.requests["GET /banking/v2/pix/{id}"]?.byStatus["401"] ?? 0).toBe(0);
  });

  it("shares a token 429 across the fleet as a cooldown instead of calling again", async () => {
    const emulator = await startTestEmulator({ limits: { ...NO_LIMITS, token: 1 } });
    const keyPrefix = prefix();
    // Two "processes" with their own providers: the first takes the only token call of the minute.
    await bankFor(emulator).client.sendPix(order, randomUUID());
    const a = bankFor(emulator, { redis, redisPrefix: keyPrefix });
    const err = await a.client.sendPix(order, randomUUID()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InterRateLimitedError);
    expect((err as InterRateLimitedError).operation).toBe("token");
    expect((err as InterRateLimitedError).retryAfterMs).toBeGreaterThan(0);
    const calls = emulator.ledger.snapshot().tokens.calls;
    const b = bankFor(emulator, { redis, redisPrefix: keyPrefix });
    const shared = await b.client.sendPix(order, randomUUID()).catch((e: unknown) => e);
    expect(shared).toBeInstanceOf(InterRateLimitedError);
    expect((shared as Error).message).toMatch(/shared by the fleet/);
    expect(emulator.ledger.snapshot().tokens.calls).toBe(calls);
  });

  it("refuses wrong client credentials with a final error naming the settings, shared as a cooldown", async () => {
    const emulator = await startTestEmulator({ limits: NO_LIMITS });
    const keyPrefix = prefix();
    const env = { INTER_CLIENT_SECRET: "wrong-secret-value" };
    const err = await bankFor(emulator, { env, redis, redisPrefix: keyPrefix })
      .client.sendPix(order, randomUUID())
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ operation: "token", retryable: false });
    expect((err as Error).message).toMatch(/INTER_CLIENT_ID and INTER_CLIENT_SECRET|INTER_SCOPES/);
    const calls = emulator.ledger.snapshot().tokens.calls;
    const again = await bankFor(emulator, { env, redis, redisPrefix: keyPrefix })
      .client.sendPix(order, randomUUID())
      .catch((e: unknown) => e);
    expect((again as object).constructor).toBe((err as object).constructor);
    expect(again).toMatchObject({ code: (err as InterError).code, operation: "token" });
    expect(emulator.ledger.snapshot().tokens.calls).toBe(calls);

    // A worker with the right secret is not held back by the stale one's refusal.
    const good = await bankFor(emulator, { redis, redisPrefix: keyPrefix }).client.sendPix(order, randomUUID());
    expect(good.tipoRetorno).toBe("PROCESSADO");
  });
});

describe("tokens when Redis fails", () => {
  it("turns a Redis failure into our own error, never a raw client error", async () => {
    const emulator = await startTestEmulator({ limits: NO_LIMITS });
    const own = await startPrivateRedis();
    const flaky = new Redis(own.url, { maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    flaky.on("error", () => undefined);
    await once(flaky, "ready");
    try {
      const { client } = bankFor(emulator, { redis: flaky, redisPrefix: prefix() });
      await client.sendPix(order, randomUUID()); // token obtained and shared
      await own.stop();
      emulator.revokeTokens(); // the next call gets a 401, and dropping the token from Redis fails
      const err = await client.sendPix(order, randomUUID()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InterError);
      expect(err).toMatchObject({ operation: "token", code: "INTER_CONNECTION", retryable: true });
      expect((err as Error).message).toMatch(/shared token cache in Redis is unreachable/);
    } finally {
      flaky.disconnect();
      await own.stop();
    }
  });
});
