// A real webhook receiver (`pixout webhook serve`'s server) for a test pipeline, with the test run's dev
// certificates: its server certificate is the emulator's (localhost), and it requires client
// certificates from the dev CA, which signed the emulator's callback identity.
import { X509Certificate } from "node:crypto";
import type { RedisClient } from "../../src/redis/connections.js";
import { ensureReady, receiverConnection } from "../../src/redis/connections.js";
import { Agent, request } from "undici";
import { createCallbackStore } from "../../src/inter-callbacks/callback-store.js";
import { startWebhookReceiver, type ReceiverLimits, type WebhookReceiver } from "../../src/inter-callbacks/receiver.js";
import { cleanupAfter } from "./cleanup.js";
import { testCerts } from "./certs.js";
import { captureLogs } from "./log-capture.js";

export interface TestReceiver extends WebhookReceiver {
  lines: string[];
}

export async function startTestReceiver(options: {
  redisUrl: string;
  redisPrefix: string;
  queueName: string;
  redis?: RedisClient;
  /**
   * Pinned callers. Default: the emulator's callback identity, as an operator pins Inter's certificate;
   * `[]` runs the receiver unpinned (any certificate of the CA, callbacks only wake status queries).
   */
  clientFingerprints?: string[];
  clientSubjects?: string[];
  limits?: Partial<ReceiverLimits>;
  /** Default 0: a free port. */
  port?: number;
}): Promise<TestReceiver> {
  const certs = testCerts();
  // The connection `pixout webhook serve` uses.
  const redis = options.redis ?? receiverConnection(options.redisUrl);
  if (!options.redis) await ensureReady(redis, options.redisUrl);
  const { logger, lines } = captureLogs("debug");
  const receiver = await startWebhookReceiver({
    host: "127.0.0.1",
    port: options.port ?? 0,
    path: "/inter/pix-pagamento",
    tls: { cert: certs.serverCert, key: certs.serverKey, clientCa: certs.ca },
    clientFingerprints: options.clientFingerprints ?? (options.clientSubjects ? [] : [callbackFingerprint()]),
    ...(options.clientSubjects ? { clientSubjects: options.clientSubjects } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    redis,
    redisPrefix: options.redisPrefix,
    queueName: options.queueName,
    store: createCallbackStore(redis, options.redisPrefix, options.queueName),
    logger,
  });
  cleanupAfter(async () => {
    await receiver.close();
    if (!options.redis) redis.disconnect();
  });
  // The emulator's server certificate names localhost, not 127.0.0.1's reverse.
  return { ...receiver, url: receiver.url.replace("127.0.0.1", "localhost"), lines };
}

/** The SHA-256 fingerprint of the emulator's callback identity, as PIXOUT_WEBHOOK_CLIENT_FINGERPRINTS takes it. */
export function callbackFingerprint(): string {
  return new X509Certificate(testCerts().callbackCert).fingerprint256.replace(/:/g, "");
}

/** POSTs a callback body to the receiver as Inter would: mTLS with the emulator's callback identity. */
export async function postCallback(
  url: string,
  body: unknown,
  identity: { cert?: string; key?: string } = { cert: testCerts().callbackCert, key: testCerts().callbackKey },
): Promise<{ status: number; body: string }> {
  const agent = new Agent({ connect: { ca: testCerts().ca, ...identity } });
  try {
    const res = await request(url, {
      method: "POST",
      dispatcher: agent,
      headers: { "content-type": "application/json", "x-conta-corrente": "12345678" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: res.statusCode, body: await res.body.text() };
  } finally {
    await agent.close();
  }
}
