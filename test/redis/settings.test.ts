// Where Redis is: one node, a Sentinel set or a cluster — and every wrong combination refused with the setting
// to change, as a user meets them (the URL forms other tools accept, several URLs, a missing master name).
import { describe, expect, it } from "vitest";
import { ConfigError, loadQueueSettings, type Environment } from "../../src/config.js";
import { testCerts } from "../helpers/certs.js";

function problemsOf(env: Environment): string[] {
  try {
    loadQueueSettings(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.map((p) => `${p.setting}: ${p.message}`);
  }
  throw new Error("expected a ConfigError");
}

describe("Redis settings", () => {
  it("one node by default, a URL with its credentials, REDIS_PASSWORD and TLS with a CA", () => {
    expect(loadQueueSettings({}).redis).toEqual({
      target: { kind: "single", url: "redis://127.0.0.1:6379" },
      waitReplicas: 0,
      waitTimeoutMs: 1_000,
    });
    const ca = testCerts().paths.caCert;
    const tls = loadQueueSettings({
      REDIS_URL: "rediss://pixout:s3cret@redis.internal:6380/2",
      REDIS_TLS_CA_FILE: ca,
      REDIS_PASSWORD: "other",
    }).redis.target;
    // A comma in a password is not several nodes.
    expect(loadQueueSettings({ REDIS_URL: "redis://pixout:a,b@redis.internal:6379" }).redis.target).toMatchObject({
      url: "redis://pixout:a,b@redis.internal:6379",
    });
    expect(tls).toMatchObject({
      kind: "single",
      url: "rediss://pixout:s3cret@redis.internal:6380/2",
      auth: { password: "other" },
      tls: { ca: expect.stringContaining("BEGIN CERTIFICATE") as unknown },
    });
  });

  it("a Sentinel set: addresses, master name, ACL users for the data nodes and the sentinels, TLS", () => {
    const s = loadQueueSettings({
      REDIS_SENTINELS: "10.0.0.1:26379, 10.0.0.2:26379,[::1]:26380",
      REDIS_SENTINEL_NAME: "pixout-main",
      REDIS_USERNAME: "pixout",
      REDIS_PASSWORD: "data-secret",
      REDIS_SENTINEL_PASSWORD: "sentinel-secret",
      REDIS_TLS: "true",
      PIXOUT_REDIS_WAIT_REPLICAS: "1",
    }).redis;
    expect(s).toEqual({
      target: {
        kind: "sentinel",
        sentinels: [
          { host: "10.0.0.1", port: 26379 },
          { host: "10.0.0.2", port: 26379 },
          { host: "::1", port: 26380 },
        ],
        name: "pixout-main",
        auth: { username: "pixout", password: "data-secret" },
        sentinelAuth: { password: "sentinel-secret" },
        tls: {},
      },
      waitReplicas: 1,
      waitTimeoutMs: 1_000,
    });
  });

  it("a cluster: its seed nodes", () => {
    expect(loadQueueSettings({ REDIS_CLUSTER_NODES: "127.0.0.1:7000,127.0.0.1:7001" }).redis.target).toEqual({
      kind: "cluster",
      nodes: [
        { host: "127.0.0.1", port: 7000 },
        { host: "127.0.0.1", port: 7001 },
      ],
    });
  });

  it("refuses what other tools accept, saying which setting to use", () => {
    expect(problemsOf({ REDIS_URL: "redis+sentinel://10.0.0.1:26379/pixout-main" })).toEqual([
      "REDIS_URL: a Sentinel set is configured with REDIS_SENTINELS=host:port,… and REDIS_SENTINEL_NAME=<master name>, not a URL: unset REDIS_URL",
    ]);
    expect(problemsOf({ REDIS_URL: "redis://127.0.0.1:7000,redis://127.0.0.1:7001" })).toEqual([
      "REDIS_URL: several nodes are a cluster: set REDIS_CLUSTER_NODES=host:port,host:port (and unset REDIS_URL)",
    ]);
    expect(problemsOf({ REDIS_URL: "127.0.0.1:6379" })[0]).toMatch(
      /^REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/,
    );
    expect(problemsOf({ REDIS_SENTINELS: "10.0.0.1:26379" })).toEqual([
      "REDIS_SENTINEL_NAME: is required with REDIS_SENTINELS: the master's name the sentinels monitor (`sentinel monitor <name> …`)",
    ]);
    expect(problemsOf({ REDIS_SENTINEL_NAME: "main" })).toEqual([
      "REDIS_SENTINELS: is required with REDIS_SENTINEL_NAME: the sentinels' addresses, host:port,…",
    ]);
    expect(problemsOf({ REDIS_SENTINELS: "redis://10.0.0.1:26379", REDIS_SENTINEL_NAME: "main" })[0]).toMatch(
      /^REDIS_SENTINELS: "redis:\/\/10.0.0.1:26379": list host:port pairs, without a scheme/,
    );
    expect(problemsOf({ REDIS_CLUSTER_NODES: "10.0.0.1" })).toEqual([
      'REDIS_CLUSTER_NODES: "10.0.0.1" is not host:port (e.g. 10.0.0.1:26379); e.g. 10.0.0.1:6379,10.0.0.2:6379,10.0.0.3:6379',
    ]);
    expect(
      problemsOf({ REDIS_CLUSTER_NODES: "10.0.0.1:7000", REDIS_SENTINELS: "10.0.0.1:26379", REDIS_SENTINEL_NAME: "m" }),
    ).toContain(
      "REDIS_CLUSTER_NODES: set either REDIS_SENTINELS (a Sentinel set) or REDIS_CLUSTER_NODES (a cluster), not both",
    );
    expect(problemsOf({ REDIS_CLUSTER_NODES: "10.0.0.1:7000", REDIS_URL: "redis://10.0.0.1:7000" })).toEqual([
      "REDIS_URL: leave it unset with REDIS_CLUSTER_NODES: credentials go in REDIS_USERNAME and REDIS_PASSWORD, TLS in REDIS_TLS",
    ]);
    expect(problemsOf({ REDIS_SENTINEL_PASSWORD: "x" })).toEqual([
      "REDIS_SENTINEL_PASSWORD: applies only with REDIS_SENTINELS",
    ]);
    expect(problemsOf({ REDIS_TLS: "true", REDIS_TLS_CA_FILE: "/nonexistent/ca.crt" })).toEqual([
      "REDIS_TLS_CA_FILE: file not found: /nonexistent/ca.crt",
    ]);
    expect(problemsOf({ PIXOUT_REDIS_WAIT_REPLICAS: "one" })).toEqual([
      "PIXOUT_REDIS_WAIT_REPLICAS: must be a whole number of replicas, 0 to 99 (0: no WAIT)",
    ]);
    expect(problemsOf({ PIXOUT_REDIS_WAIT_TIMEOUT_MS: "6000" })).toEqual([
      "PIXOUT_REDIS_WAIT_TIMEOUT_MS: must be a whole number of milliseconds, 1 to 2000",
    ]);
    // TLS settings that would leave the link in plain text, or contradict each other.
    expect(problemsOf({ REDIS_TLS_CA_FILE: testCerts().paths.caCert })).toEqual([
      "REDIS_TLS_CA_FILE: is set but TLS is off: set REDIS_TLS=true (or a rediss:// REDIS_URL), else the connection stays in plain text",
    ]);
    expect(problemsOf({ REDIS_URL: "rediss://redis.internal:6380", REDIS_TLS: "false" })).toEqual([
      "REDIS_TLS: is false but REDIS_URL is rediss:// (TLS): use redis:// or drop REDIS_TLS",
    ]);
  });
});
