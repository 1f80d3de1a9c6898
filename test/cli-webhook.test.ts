// `pixout webhook serve|register|show|delete`, run as the built command.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { describe, expect, inject, it } from "vitest";
import { freePort } from "../src/cli/demo/redis-server.js";
import { removeQueueKeys } from "../src/queue/cleanup.js";
import { clientEnvFor } from "./helpers/bank.js";
import { testCertPaths } from "./helpers/certs.js";
import { cleanupAfter } from "./helpers/cleanup.js";
import { runCli } from "./helpers/cli.js";
import { NO_LIMITS, startTestEmulator } from "./helpers/emulator.js";
import { bankFor } from "./helpers/bank.js";
import { postCallback, startTestReceiver } from "./helpers/webhook.js";

const bin = fileURLToPath(new URL("../bin/pixout.js", import.meta.url));

/**
 * Redis for the fleet's budgets, under a prefix of the test's own (removed after it), with the per-minute
 * budgets lifted so that a test does not wait 6 s between two calls (src/queue/worker/bank-gate.ts is tested on its own).
 */
function fleetEnv(): Record<string, string> {
  const prefix = `pixout-test-${randomUUID().slice(0, 8)}`;
  cleanupAfter(() => removeQueueKeys(inject("redisUrl"), prefix).then(() => undefined));
  return {
    REDIS_URL: inject("redisUrl"),
    PIXOUT_REDIS_PREFIX: prefix,
    PIXOUT_TOKEN_PER_MINUTE: "600",
    PIXOUT_WEBHOOK_PER_MINUTE: "600",
    PIXOUT_CALLBACKS_PER_MINUTE: "600",
  };
}

describe("pixout webhook", () => {
  it("serve refuses to start without its certificate settings, naming each (exit 78)", async () => {
    const r = await runCli(["webhook", "serve"], {
      env: { REDIS_URL: inject("redisUrl"), PIXOUT_WEBHOOK_KEY_FILE: "certs/missing.key" },
    });
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/PIXOUT_WEBHOOK_CERT_FILE: is required/);
    expect(r.stderr).toMatch(/PIXOUT_WEBHOOK_CLIENT_CA_FILE: is required: Inter's CA/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
  });

  it("serve receives Inter's callbacks over mTLS and stops cleanly on SIGTERM", async () => {
    const paths = testCertPaths();
    const prefix = `pixout-test-${randomUUID().slice(0, 8)}`;
    cleanupAfter(() => removeQueueKeys(inject("redisUrl"), prefix).then(() => undefined));
    const port = await freePort();
    const child = spawn(process.execPath, [bin, "webhook", "serve", "--host", "127.0.0.1", "--port", String(port)], {
      env: {
        PATH: process.env["PATH"], // eslint-disable-line no-restricted-properties -- children need PATH only
        REDIS_URL: inject("redisUrl"),
        PIXOUT_REDIS_PREFIX: prefix,
        PIXOUT_WEBHOOK_CERT_FILE: paths.serverCert,
        PIXOUT_WEBHOOK_KEY_FILE: paths.serverKey,
        PIXOUT_WEBHOOK_CLIENT_CA_FILE: paths.caCert,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    cleanupAfter(() => void child.kill("SIGKILL"));
    const lines = createInterface({ input: child.stdout });
    for await (const line of lines) if (line.includes("webhook receiver listening")) break;
    const answer = await postCallback(`https://localhost:${String(port)}/inter/pix-pagamento`, [
      { codigoSolicitacao: randomUUID(), status: "EFETIVADO", valor: "1.00" },
    ]);
    expect(answer.status).toBe(200);
    child.kill("SIGTERM");
    const [code] = (await once(child, "exit")) as [number | null];
    expect(code).toBe(0);
  });

  it("register, show and delete the pix-pagamento webhook at the bank; deleting none is not an error", async () => {
    const emulator = await startTestEmulator({ limits: NO_LIMITS });
    const env = { ...clientEnvFor(emulator), ...fleetEnv() };
    const url = "https://pixout.example.com:8443/inter/pix-pagamento";
    expect((await runCli(["webhook", "show"], { env })).code).toBe(1);
    const registered = await runCli(["webhook", "register", url], { env });
    expect(registered).toMatchObject({ code: 0 });
    expect(registered.stdout).toContain(url);
    const shown = await runCli(["webhook", "show", "--json"], { env });
    expect(JSON.parse(shown.stdout)).toMatchObject({ webhookUrl: url });
    expect(await runCli(["webhook", "delete"], { env })).toMatchObject({
      code: 0,
      stdout: "deleted: Inter no longer sends pix-pagamento callbacks\n",
    });
    expect(JSON.parse((await runCli(["webhook", "show", "--json"], { env })).stdout)).toBeNull();
    // Inter answers 404 when nothing is registered: said, and exit 0.
    expect(await runCli(["webhook", "delete"], { env })).toMatchObject({
      code: 0,
      stdout: "nothing to delete: no pix-pagamento webhook is registered\n",
    });
    const insecure = await runCli(["webhook", "register", "http://pixout.example.com/hook"], { env });
    expect(insecure.code).toBe(2);
    expect(insecure.stderr).toMatch(/must start with https:\/\//);
  });

  it("callbacks lists Inter's deliveries without personal data; replay asks Inter to deliver the failed ones again", async () => {
    const emulator = await startTestEmulator({ limits: NO_LIMITS, timing: { sentAfterMs: 0, paidAfterMs: 0 } });
    const fleet = fleetEnv();
    const env = { ...clientEnvFor(emulator), ...fleet, PIXOUT_CALLBACK_RETRY_PER_MINUTE: "600" };
    // Inter calls a URL where nothing listens yet: its first delivery fails.
    const port = await freePort();
    const url = `https://localhost:${String(port)}/inter/pix-pagamento?token=s3cret`;
    expect((await runCli(["webhook", "register", url], { env })).code).toBe(0);
    const bank = bankFor(emulator);
    const sent = await bank.client.sendPix(
      { amountCents: 1234, recipient: { type: "key", key: "maria.silva@example.com" } },
      randomUUID(),
    );
    while (emulator.payment(sent.codigoSolicitacao)?.status !== "PAGO") await new Promise((r) => setTimeout(r, 20));
    await emulator.callbacksIdle();

    const listed = await runCli(["webhook", "callbacks", "--since", "10m"], { env });
    expect(listed.code).toBe(1); // a payment never delivered
    expect(listed.stdout).toMatch(
      new RegExp(
        `attempt 1 {2}FAILED .*https://localhost:${String(port)}/inter/pix-pagamento\n {4}${sent.codigoSolicitacao} {2}EFETIVADO {2}12\\.34`,
      ),
    );
    expect(listed.stdout).toContain("1 deliveries, 1 failed; payments never delivered: 1");
    for (const secret of ["maria.silva", "s3cret"]) expect(listed.stdout).not.toContain(secret);
    const jsonText = (await runCli(["webhook", "callbacks", "--since", "10m", "--json"], { env })).stdout;
    for (const secret of ["maria.silva", "s3cret"]) expect(jsonText).not.toContain(secret);
    const json = JSON.parse(jsonText) as { neverDelivered: string[]; deliveries: unknown[] };
    expect(json.neverDelivered).toEqual([sent.codigoSolicitacao]);

    expect((await runCli(["webhook", "replay", "--since", "10m", "--dry-run"], { env })).stdout).toBe(
      `dry run: 1 payment(s) would be delivered again:\n  ${sent.codigoSolicitacao}\n`,
    );
    // Now a receiver listens there, and Inter is asked to deliver again.
    const receiver = await startTestReceiver({
      redisUrl: inject("redisUrl"),
      redisPrefix: fleet["PIXOUT_REDIS_PREFIX"] ?? "",
      queueName: "replayed",
      port,
    });
    const replayed = await runCli(["webhook", "replay", "--since", "10m"], { env });
    expect(replayed).toMatchObject({
      code: 0,
      stdout: "asked Inter to deliver again the callbacks of 1 payment(s); Inter found 1\n",
    });
    await emulator.callbacksIdle();
    expect(receiver.stats().items).toBe(1);
    const after = await runCli(["webhook", "callbacks", "--since", "10m"], { env });
    expect(after.code).toBe(0);
    expect(after.stdout).toContain("2 deliveries, 1 failed; payments never delivered: 0");
    expect((await runCli(["webhook", "replay", "--since", "10m"], { env })).stdout).toBe(
      "nothing to replay: every payment of the window was delivered (2 deliveries)\n",
    );
    expect((await runCli(["webhook", "callbacks", "--since", "yesterday"], { env })).stderr).toMatch(
      /--since: not an instant: yesterday; give a time ago/,
    );
  });

  it("replay says at once that Inter's sandbox has no re-send, and calls nothing", async () => {
    const emulator = await startTestEmulator({ environment: "sandbox", limits: NO_LIMITS });
    const env = { ...clientEnvFor(emulator, { INTER_ENV: "sandbox" }), ...fleetEnv() };
    const r = await runCli(["webhook", "replay", "--since", "1h"], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /Inter's sandbox has no callback re-send \(PIXOUT_CALLBACK_RETRY_PER_MINUTE=0\): it exists in production only/,
    );
    // Refused before any call: not even a token.
    expect(emulator.ledger.snapshot().requests).toEqual({});
    expect(emulator.ledger.snapshot().tokens.calls).toBe(0);
  });
});
