// rediss:// end to end, on a redis-server of this test's own that speaks TLS only: a payment paid through it with
// REDIS_TLS_CA_FILE, and without the CA a message that says what to set — not "does not answer".
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { freePort, redisAnswers } from "../../src/cli/demo/redis-server.js";
import { runDoctor } from "../../src/ops/doctor/run-doctor.js";
import { testCerts } from "../helpers/certs.js";
import { cleanupAfter } from "../helpers/cleanup.js";
import { runCli } from "../helpers/cli.js";
import { startPipeline } from "../helpers/pipeline.js";
import { until } from "../helpers/until.js";

describe("Redis over TLS", () => {
  it("pays through rediss:// with REDIS_TLS_CA_FILE; without the CA the refusal names the certificate", async () => {
    const { paths, ca } = testCerts();
    const port = await freePort();
    const server = spawn(
      "redis-server",
      [
        "--port",
        "0",
        "--tls-port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--tls-cert-file",
        paths.serverCert,
        "--tls-key-file",
        paths.serverKey,
        "--tls-ca-cert-file",
        paths.caCert,
        "--tls-auth-clients",
        "no",
        "--save",
        "",
        "--appendonly",
        "no",
      ],
      { stdio: "ignore" },
    );
    cleanupAfter(() => void server.kill("SIGKILL"));
    const url = `rediss://127.0.0.1:${String(port)}`;
    await until("the TLS redis-server", async () => ((await redisAnswers(url, 1_000, { ca })) ? true : undefined));
    const p = await startPipeline({ env: { REDIS_URL: url, REDIS_TLS_CA_FILE: paths.caCert } });
    await p.producer.enqueue({
      paymentId: "tls-1",
      amount: "4.00",
      recipient: { type: "key", key: "fornecedor@example.com" },
    });
    expect((await p.producer.waitForResult("tls-1", { timeoutMs: 20_000 })).outcome).toBe("paid");
    expect(
      (await runDoctor({ env: p.env, redisTimeoutMs: 5_000 })).checks.find((c) => c.id === "redis.connection")?.status,
    ).toBe("ok");

    const env = { REDIS_URL: url, PIXOUT_QUEUE: p.config.queueName, PIXOUT_REDIS_PREFIX: p.config.redisPrefix };
    const status = await runCli(["status", "tls-1"], { env });
    expect(status.code).not.toBe(0);
    expect(status.stderr).toMatch(
      /its TLS certificate was refused \(self-signed certificate in certificate chain\): set REDIS_TLS_CA_FILE to the CA that signed it/,
    );
  }, 40_000);
});
