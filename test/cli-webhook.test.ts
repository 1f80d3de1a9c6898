// `pixout webhook serve|register|show|delete`, run as the built command.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { describe, expect, inject, it } from "vitest";
import { freePort } from "../src/demo/redis-server.js";
import { removeQueueKeys } from "../src/queue/cleanup.js";
import { clientEnvFor } from "./helpers/bank.js";
import { testCertPaths } from "./helpers/certs.js";
import { cleanupAfter } from "./helpers/cleanup.js";
import { runCli } from "./helpers/cli.js";
import { NO_LIMITS, startTestEmulator } from "./helpers/emulator.js";
import { postCallback } from "./helpers/webhook.js";

const bin = fileURLToPath(new URL("../bin/pixout.js", import.meta.url));

describe("pixout webhook", () => {
  it("serve refuses to start without its certificate settings, naming each (exit 78)", async () => {
    const r = await runCli(["webhook", "serve"], { env: { REDIS_URL: inject("redisUrl"), PIXOUT_WEBHOOK_KEY_FILE: "certs/missing.key" } });
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
    const answer = await postCallback(`https://localhost:${String(port)}/inter/pix-pagamento`, [{ codigoSolicitacao: randomUUID(), status: "EFETIVADO", valor: "1.00" }]);
    expect(answer.status).toBe(200);
    child.kill("SIGTERM");
    const [code] = (await once(child, "exit")) as [number | null];
    expect(code).toBe(0);
  });

  it("register, show and delete the pix-pagamento webhook at the bank", async () => {
    const emulator = await startTestEmulator({ limits: NO_LIMITS });
    const env = clientEnvFor(emulator);
    const url = "https://pixout.example.com:8443/inter/pix-pagamento";
    expect((await runCli(["webhook", "show"], { env })).code).toBe(1);
    const registered = await runCli(["webhook", "register", url], { env });
    expect(registered).toMatchObject({ code: 0 });
    expect(registered.stdout).toContain(url);
    const shown = await runCli(["webhook", "show", "--json"], { env });
    expect(JSON.parse(shown.stdout)).toMatchObject({ webhookUrl: url });
    expect((await runCli(["webhook", "delete"], { env })).code).toBe(0);
    expect(JSON.parse((await runCli(["webhook", "show", "--json"], { env })).stdout)).toBeNull();
    const insecure = await runCli(["webhook", "register", "http://pixout.example.com/hook"], { env });
    expect(insecure.code).toBe(2);
    expect(insecure.stderr).toMatch(/must start with https:\/\//);
  });
});
