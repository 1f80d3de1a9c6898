// The receiver Inter calls (docs/design.md §3.4): mTLS with Inter's CA, array or object bodies, answered after
// the callback is stored, deduplicated per payment and status.
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { connect as netConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { Redis } from "ioredis";
import { describe, expect, inject, it } from "vitest";
import { removeQueueKeys } from "../../src/queue/cleanup.js";
import { receiverConnection } from "../../src/redis/connections.js";
import { startRedisServer } from "../../src/cli/demo/redis-server.js";
import { generateDevCertificateSet } from "../../src/tls/dev-certs.js";
import { createCallbackStore } from "../../src/inter-callbacks/callback-store.js";
import { X509Certificate } from "node:crypto";
import { testCerts } from "../helpers/certs.js";
import { cleanupAfter } from "../helpers/cleanup.js";
import { postCallback, startTestReceiver } from "../helpers/webhook.js";

function names(): { redisUrl: string; redisPrefix: string; queueName: string } {
  const names = {
    redisUrl: inject("redisUrl"),
    redisPrefix: `pixout-test-${randomUUID().slice(0, 8)}`,
    queueName: `wh-${randomUUID().slice(0, 8)}`,
  };
  cleanupAfter(() => removeQueueKeys(names.redisUrl, names.redisPrefix).then(() => undefined));
  return names;
}

const item = (codigo: string, status = "EFETIVADO"): Record<string, unknown> => ({
  codigoSolicitacao: codigo,
  status,
  valor: "1.00",
  chave: "fornecedor@example.com",
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
    expect(await postCallback(receiver.url, [item(a), item(b, "ERRO")])).toEqual({
      status: 200,
      body: '{"received":2}',
    });
    expect((await postCallback(receiver.url, item(c))).status).toBe(200);
    expect((await postCallback(receiver.url, [item(a)])).status).toBe(200); // Inter's retry of the same news
    expect(receiver.stats()).toMatchObject({ deliveries: 3, items: 4, duplicates: 1 });
    expect(await store.news(a)).toHaveLength(1);
    expect((await store.news(b))[0]).toMatchObject({ status: "ERRO", account: "12345678" });
    // Personal data Inter sends that no rule needs is not kept.
    expect(JSON.stringify(await store.news(a))).not.toContain("52998224725");
    expect(JSON.stringify(await store.news(c))).not.toContain("fornecedor");
    // A receiver runs and callbacks arrive: workers space their polls.
    expect(await store.health()).toEqual({ running: true, flowing: true });
    await receiver.close();
    expect((await store.health()).running).toBe(false);
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
    const statuses = (await createCallbackStore(redis, n.redisPrefix, n.queueName).news(codigo))
      .map((x) => x.status)
      .sort();
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

  it("with fingerprints pinned, accepts only those client certificates, even from the right CA", async () => {
    const certs = testCerts();
    const callbackFingerprint = new X509Certificate(certs.callbackCert).fingerprint256.replace(/:/g, "");
    const receiver = await startTestReceiver({ ...names(), clientFingerprints: [callbackFingerprint] });
    expect((await postCallback(receiver.url, [item(randomUUID())])).status).toBe(200);
    // pixout's own client certificate comes from the same (dev) CA, and is refused.
    const ours = await postCallback(receiver.url, [item(randomUUID())], {
      cert: certs.clientCert,
      key: certs.clientKey,
    });
    expect(ours.status).toBe(403);
    expect(receiver.stats().deliveries).toBe(1);
    expect(receiver.lines.join("\n")).toMatch(/not pinned \(PIXOUT_WEBHOOK_CLIENT_FINGERPRINTS/);
  });

  it("pins by subject too, and stores whether each callback's caller was pinned", async () => {
    const n = names();
    const certs = testCerts();
    const bySubject = await startTestReceiver({
      ...n,
      clientSubjects: ["CN=inter emulator webhooks,O=pixout development"],
    });
    expect(bySubject.pinned).toBe(true);
    const pinnedCodigo = randomUUID();
    expect((await postCallback(bySubject.url, [{ ...item(pinnedCodigo), trusted: false }])).status).toBe(200);
    expect(
      (await postCallback(bySubject.url, [item(randomUUID())], { cert: certs.clientCert, key: certs.clientKey }))
        .status,
    ).toBe(403);
    const unpinned = await startTestReceiver({ ...n, clientFingerprints: [] });
    expect(unpinned.pinned).toBe(false);
    const heardCodigo = randomUUID();
    // A body claiming trust is not believed: trust is the certificate's.
    expect(
      (
        await postCallback(unpinned.url, [{ ...item(heardCodigo), trusted: true }], {
          cert: certs.clientCert,
          key: certs.clientKey,
        })
      ).status,
    ).toBe(200);
    const redis = new Redis(n.redisUrl);
    cleanupAfter(() => {
      redis.disconnect();
    });
    const store = createCallbackStore(redis, n.redisPrefix, n.queueName);
    expect((await store.news(pinnedCodigo)).map((x) => x.trusted)).toEqual([true]);
    expect((await store.news(heardCodigo)).map((x) => x.trusted)).toEqual([false]);
    // Each caller is logged once with what it takes to pin it.
    const heard = unpinned.lines.filter((l) => l.includes("a caller not pinned called the webhook"));
    expect(heard).toHaveLength(1);
    expect(heard[0]).toContain(new X509Certificate(certs.clientCert).fingerprint256);
  });

  it("faces the internet: TLS refusals logged as a count, slow callers cut off, one address holds at most its share of connections", async () => {
    const receiver = await startTestReceiver({
      ...names(),
      limits: { handshakeTimeoutMs: 500, headersTimeoutMs: 500, requestTimeoutMs: 1_000, maxConnectionsPerAddress: 4 },
    });
    const { port } = new URL(receiver.url);
    // 30 callers without a client certificate: refused, and logged once with how many.
    for (let i = 0; i < 30; i++) await postCallback(receiver.url, [item(randomUUID())], {}).catch(() => undefined);
    const refusals = receiver.lines.filter((l) => l.includes("refused TLS connections to the webhook receiver"));
    expect(refusals.length).toBeLessThanOrEqual(2);
    expect(refusals.length).toBeGreaterThan(0);
    // A caller that connects and never finishes its handshake (or its headers) is cut off.
    const silent = netConnect(Number(port), "127.0.0.1");
    await once(silent, "connect");
    await expect(
      Promise.race([
        once(silent, "close").then(() => "closed"),
        new Promise((r) =>
          setTimeout(() => {
            r("still open");
          }, 3_000),
        ),
      ]),
    ).resolves.toBe("closed");
    const certs = testCerts();
    const slow = tlsConnect({
      port: Number(port),
      host: "127.0.0.1",
      servername: "localhost",
      ca: certs.ca,
      cert: certs.callbackCert,
      key: certs.callbackKey,
    });
    await once(slow, "secureConnect");
    slow.resume();
    slow.write("POST /inter/pix-pagamento HTTP/1.1\r\nHost: localhost\r\n");
    const answer = await Promise.race([
      once(slow, "end").then(() => "closed"),
      once(slow, "close").then(() => "closed"),
      new Promise((r) =>
        setTimeout(() => {
          r("still open");
        }, 3_000),
      ),
    ]);
    expect(answer).toBe("closed");
    slow.destroy();
    // Beyond 4 connections from one address, the next ones are closed at once.
    const held = Array.from({ length: 6 }, () => netConnect(Number(port), "127.0.0.1"));
    const fates = await Promise.all(
      held.map((c) =>
        Promise.race([
          once(c, "close").then(() => "closed"),
          new Promise((r) =>
            setTimeout(() => {
              r("open");
            }, 300),
          ),
        ]),
      ),
    );
    expect(fates.filter((f) => f === "closed").length).toBe(2);
    for (const c of held) c.destroy();
    await new Promise((r) => setTimeout(r, 100));
    // Once they are gone, the address is welcome again.
    expect((await postCallback(receiver.url, [item(randomUUID())])).status).toBe(200);
    expect(
      receiver.lines.some((l) => l.includes("closed connections to the webhook receiver beyond the per-address cap")),
    ).toBe(true);
  });

  it("takes callbacks on the registered path and on it plus /pix-pagamento or /pix, and logs each path's first use", async () => {
    const receiver = await startTestReceiver(names());
    for (const suffix of ["", "/pix-pagamento", "/pix", "/pix"]) {
      expect((await postCallback(`${receiver.url}${suffix}`, [item(randomUUID())])).status).toBe(200);
    }
    for (const other of ["/pix-pagamento/pix", "/banking", "/pix/extra"]) {
      expect((await postCallback(`${receiver.url}${other}`, [item(randomUUID())])).status).toBe(404);
    }
    expect(receiver.stats().deliveries).toBe(4);
    const told = receiver.lines
      .map((l) => JSON.parse(l) as { msg: string; path?: string })
      .filter((l) => l.msg === "Inter's callbacks arrive on this path");
    expect(told.map((l) => l.path)).toEqual([
      "/inter/pix-pagamento",
      "/inter/pix-pagamento/pix-pagamento",
      "/inter/pix-pagamento/pix",
    ]);
  });

  it("answers 400 to a body it cannot read, 404 elsewhere, 405 to other methods", async () => {
    const receiver = await startTestReceiver(names());
    expect((await postCallback(receiver.url, "not json")).status).toBe(400);
    expect((await postCallback(receiver.url, [{ status: "EFETIVADO" }])).status).toBe(400); // no codigoSolicitacao
    expect((await postCallback(receiver.url, [{ codigoSolicitacao: "../../etc" }])).status).toBe(400);
    expect(
      (await postCallback(receiver.url.replace("/inter/pix-pagamento", "/other"), [item(randomUUID())])).status,
    ).toBe(404);
    expect(receiver.stats().deliveries).toBe(0);
  });

  it("answers 503 within seconds when its Redis goes away, instead of holding Inter's call open", async () => {
    const server = await startRedisServer();
    cleanupAfter(() => server.stop());
    const receiver = await startTestReceiver({
      redisUrl: server.url,
      redisPrefix: "pixout-test-gone",
      queueName: "wh",
    });
    expect((await postCallback(receiver.url, [item(randomUUID())])).status).toBe(200);
    await server.stop();
    const started = Date.now();
    expect((await postCallback(receiver.url, [item(randomUUID())])).status).toBe(503);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("answers 503 when Redis cannot store the callback, so that Inter delivers it again", async () => {
    const n = names();
    // The receiver's own kind of connection, to a port where nothing listens (Redis gone after the start).
    const dead = receiverConnection("redis://127.0.0.1:1");
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
