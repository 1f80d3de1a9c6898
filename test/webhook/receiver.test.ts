// The receiver Inter calls (issue #6 §1): mTLS with Inter's CA, array or object bodies, answered after
// the callback is stored, deduplicated per payment and status.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { describe, expect, inject, it } from "vitest";
import { removeQueueKeys } from "../../src/queue/cleanup.js";
import { generateDevCertificateSet } from "../../src/tls/dev-certs.js";
import { createCallbackStore } from "../../src/webhook/callback-store.js";
import { cleanupAfter } from "../helpers/cleanup.js";
import { postCallback, startTestReceiver } from "../helpers/webhook.js";

function names(): { redisUrl: string; redisPrefix: string; queueName: string } {
  const names = { redisUrl: inject("redisUrl"), redisPrefix: `pixout-test-${randomUUID().slice(0, 8)}`, queueName: `wh-${randomUUID().slice(0, 8)}` };
  cleanupAfter(() => removeQueueKeys(names.redisUrl, names.redisPrefix).then(() => undefined));
  return names;
}

const item = (codigo: string, status = "EFETIVADO"): Record<string, unknown> => ({
  codigoSolicitacao: codigo,
  status,
  valor: "1.00",
  endToEnd: "E00416968202611271200abcdefghijk",
  recebedor: { nome: "Maria da Silva", cpfCnpj: "52998224725" },
});

describe("webhook receiver", () => {
  it("stores Inter's array and an older single-object body, answers 200, and counts redeliveries as duplicates", async () => {
    const n = names();
    const receiver = await startTestReceiver(n);
    const redis = new Redis(n.redisUrl);
    cleanupAfter(() => {
      redis.disconnect();
    });
    const store = createCallbackStore(redis, n.redisPrefix, n.queueName);
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    expect(await postCallback(receiver.url, [item(a), item(b, "ERRO")])).toEqual({ status: 200, body: '{"received":2}' });
    expect((await postCallback(receiver.url, item(c))).status).toBe(200);
    expect((await postCallback(receiver.url, [item(a)])).status).toBe(200); // Inter's retry of the same news
    expect(receiver.stats()).toMatchObject({ deliveries: 3, items: 4, duplicates: 1 });
    expect(await store.news(a)).toHaveLength(1);
    expect((await store.news(b))[0]).toMatchObject({ status: "ERRO", account: "12345678" });
    // Personal data Inter sends that no rule needs is not kept.
    expect(JSON.stringify(await store.news(a))).not.toContain("52998224725");
    expect(await store.receiverAlive()).toBe(true);
  });

  it("keeps two different statuses of one payment, so the contradiction stays visible", async () => {
    const n = names();
    const receiver = await startTestReceiver(n);
    const redis = new Redis(n.redisUrl);
    cleanupAfter(() => {
      redis.disconnect();
    });
    const codigo = randomUUID();
    await postCallback(receiver.url, [item(codigo)]);
    await postCallback(receiver.url, [item(codigo, "CANCELADO")]);
    const statuses = (await createCallbackStore(redis, n.redisPrefix, n.queueName).news(codigo)).map((x) => x.status).sort();
    expect(statuses).toEqual(["CANCELADO", "EFETIVADO"]);
  });

  it("refuses callers without a client certificate, or with one from another CA", async () => {
    const receiver = await startTestReceiver(names());
    const stranger = generateDevCertificateSet({ days: 2 }).client;
    for (const identity of [{}, { cert: stranger.certPem, key: stranger.keyPem }]) {
      const err = await postCallback(receiver.url, [item(randomUUID())], identity).then(
        (r) => new Error(`answered ${String(r.status)}`),
        (e: unknown) => e as Error,
      );
      expect(err.message).not.toMatch(/^answered/);
    }
    expect(receiver.stats().deliveries).toBe(0);
  });

  it("answers 400 to a body it cannot read, 404 elsewhere, 405 to other methods", async () => {
    const receiver = await startTestReceiver(names());
    expect((await postCallback(receiver.url, "not json")).status).toBe(400);
    expect((await postCallback(receiver.url, [{ status: "EFETIVADO" }])).status).toBe(400); // no codigoSolicitacao
    expect((await postCallback(receiver.url, [{ codigoSolicitacao: "../../etc" }])).status).toBe(400);
    expect((await postCallback(receiver.url.replace("/inter/pix-pagamento", "/other"), [item(randomUUID())])).status).toBe(404);
    expect(receiver.stats().deliveries).toBe(0);
  });

  it("answers 503 when Redis cannot store the callback, so that Inter delivers it again", async () => {
    const n = names();
    // A connection to a port where nothing listens: every command fails at once.
    const dead = new Redis("redis://127.0.0.1:1", { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    dead.on("error", () => undefined);
    cleanupAfter(() => {
      dead.disconnect();
    });
    const receiver = await startTestReceiver({ ...n, redis: dead });
    const answer = await postCallback(receiver.url, [item(randomUUID())]);
    expect(answer.status).toBe(503);
    expect(receiver.lines.join("\n")).toMatch(/could not store a callback in Redis; answered 503/);
  });
});
