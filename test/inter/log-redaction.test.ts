// Everything a client run logs — successes and failures, and errors logged the way callers log them —
// is captured and searched for the secrets and personal data used in the run: nothing secret or personal may
// reach a log (docs/design.md §2.5).
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, describe, expect, inject, it } from "vitest";
import { DEV_INTEGRATION } from "../../src/emulator/integration.js";
import type { PixOrder } from "../../src/payments/pix-request.js";
import { integrationKeyPrefix } from "../../src/inter/integration-keys.js";
import { removeIntegrationKeys, removeQueueKeys } from "../../src/queue/cleanup.js";
import { bankFor } from "../helpers/bank.js";
import { testCerts } from "../helpers/certs.js";
import { tempDir } from "../helpers/temp-dir.js";
import { toPfx } from "../../src/tls/dev-certs.js";
import { NO_LIMITS, startTestEmulator } from "../helpers/emulator.js";

const redis = new Redis(inject("redisUrl"));
afterAll(() => {
  redis.disconnect();
});

const EMAIL = "fornecedor.secreto@example.com";
const CPF = "52998224725";
const NAME = "Maria Aparecida Silva";
const PHONE = "+5511987654321";
const PFX_PASSPHRASE = "pfx-passphrase-of-the-test";

describe("logs of a client run", () => {
  it("contain no secret and no full personal data, even when things fail", async () => {
    const emulator = await startTestEmulator({ limits: NO_LIMITS });
    const prefix = `pixout-test-${randomUUID()}`;
    const bank = bankFor(emulator, { redis, redisPrefix: prefix });
    const { client, logger, lines } = bank;
    const byKey: PixOrder = { amountCents: 100, description: "pagamento", recipient: { type: "key", key: EMAIL } };
    const byBank: PixOrder = {
      amountCents: 200,
      recipient: {
        type: "bank",
        ispb: "00416968",
        branch: "0001",
        account: "998877",
        accountType: "CONTA_CORRENTE",
        document: CPF,
        name: NAME,
      },
    };
    const caught: unknown[] = [];
    const attempt = async (p: Promise<unknown>): Promise<void> => {
      await p.catch((err: unknown) => caught.push(err));
    };

    await attempt(client.sendPix(byKey, randomUUID()));
    await attempt(client.sendPix(byBank, randomUUID()));
    await attempt(client.sendPix({ ...byKey, recipient: { type: "key", key: `${PHONE}x` } }, randomUUID())); // 400 quoting the key
    emulator.revokeTokens();
    await attempt(client.sendPix(byKey, randomUUID())); // 401 → refresh
    emulator.faults.add({ method: "POST", path: "/banking/v2/pix", times: 1, fault: { type: "status", status: 503 } });
    await attempt(client.sendPix(byBank, randomUUID()));
    emulator.faults.add({ method: "POST", path: "/banking/v2/pix", times: 1, fault: { type: "reset-after" } });
    await attempt(client.sendPix(byBank, randomUUID()));
    const wrong = bankFor(emulator, { env: { INTER_CLIENT_SECRET: "another-wrong-secret" } });
    await attempt(wrong.client.sendPix(byKey, randomUUID()));
    // A .pfx user: the passphrase must never show, even if something logs it.
    const pfx = join(tempDir("log-pfx"), "client.pfx");
    writeFileSync(pfx, toPfx({ certPem: testCerts().clientCert, keyPem: testCerts().clientKey }, PFX_PASSPHRASE), {
      mode: 0o600,
    });
    const pfxBank = bankFor(emulator, {
      env: {
        INTER_CERT_FILE: undefined,
        INTER_KEY_FILE: undefined,
        INTER_PFX_FILE: pfx,
        INTER_PFX_PASSPHRASE: PFX_PASSPHRASE,
      },
    });
    await attempt(pfxBank.client.sendPix(byKey, randomUUID()));
    pfxBank.logger.info({ note: `configured with ${PFX_PASSPHRASE}` }, "careless line");
    expect(caught.length).toBeGreaterThanOrEqual(4);

    // Callers log errors and payments like this; the logger must protect them anyway.
    for (const err of caught) logger.error({ err }, "payment failed");
    logger.info({ recipient: byBank.recipient, amountCents: 200 }, "payment details");
    logger.info({ recipient: byKey.recipient }, "payment details");
    logger.info({ destinatario: { chave: EMAIL, cpfCnpj: CPF, nome: NAME } }, "bank body");
    logger.info({ headers: { authorization: "Bearer leaked-by-mistake-123" } }, "headers");
    wrong.logger.error({ err: caught.at(-1) }, "token failed");

    const tokens: string[] = [];
    for (const key of await redis.keys(
      `${integrationKeyPrefix({ baseUrl: emulator.url, clientId: DEV_INTEGRATION.clientId })}:token:*`,
    )) {
      const value = await redis.get(key);
      if (value?.startsWith("{")) tokens.push((JSON.parse(value) as { accessToken: string }).accessToken);
    }
    expect(tokens.length).toBeGreaterThan(0);

    const text = [...lines, ...wrong.lines, ...pfxBank.lines].join("\n");
    expect(lines.length).toBeGreaterThan(5);
    const keyBody = testCerts().clientKey.split("\n")[1] ?? "unreachable";
    const forbidden = [
      DEV_INTEGRATION.clientSecret,
      "another-wrong-secret",
      PFX_PASSPHRASE,
      ...tokens,
      "leaked-by-mistake-123",
      keyBody,
      EMAIL,
      CPF,
      NAME,
      PHONE,
    ];
    for (const value of forbidden) expect(text, `log contains ${value.slice(0, 4)}…`).not.toContain(value);
    // …while staying useful: masked forms are there.
    expect(text).toContain("f***@e***.com");
    expect(text).toContain("***.982.247-**");
    await removeQueueKeys(inject("redisUrl"), prefix);
    await removeIntegrationKeys(inject("redisUrl"), { baseUrl: emulator.url, clientId: DEV_INTEGRATION.clientId });
  });
});
