// Redis's errors are the infrastructure's, told apart from the bank's and said with what to do.
import { Redis } from "ioredis";
import { afterAll, describe, expect, inject, it } from "vitest";
import { classifyRedisError, isRedisError, RedisNotReplicatedError, RedisSetupError } from "../../src/redis/errors.js";

const redis = new Redis(inject("redisUrl"));
afterAll(() => {
  redis.disconnect();
});

/** The error ioredis gives for a server answering `text` (a real reply, from a real Redis). */
async function replyError(text: string): Promise<Error> {
  return (await redis.eval("return redis.error_reply(ARGV[1])", 0, text).then(
    () => undefined,
    (err: unknown) => err,
  )) as Error;
}

describe("Redis errors", () => {
  it("each server answer a failover, a cluster or an ACL gives has its own meaning and fix", async () => {
    const kinds = Object.fromEntries(
      await Promise.all(
        [
          "MOVED 3439 127.0.0.1:7101",
          "ASK 3439 127.0.0.1:7101",
          "CROSSSLOT Keys in request don't hash to the same slot",
          "READONLY You can't write against a read only replica.",
          "LOADING Redis is loading the dataset in memory",
          "CLUSTERDOWN The cluster is down",
          "NOAUTH Authentication required.",
          "WRONGPASS invalid username-password pair or user is disabled.",
          "NOPERM this user has no permissions to run the 'evalsha' command",
          "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
        ].map(async (text) => {
          const err = await replyError(text);
          expect(err.name).toBe("ReplyError");
          expect(isRedisError(err)).toBe(true);
          const p = classifyRedisError(err);
          return [text.split(" ")[0] ?? text, `${p.kind}/${String(p.setting)}`] as const;
        }),
      ),
    );
    expect(kinds).toEqual({
      MOVED: "wrong-mode/true",
      ASK: "wrong-mode/true",
      CROSSSLOT: "cross-slot/false",
      READONLY: "replica/false",
      LOADING: "loading/false",
      CLUSTERDOWN: "cluster-down/false",
      NOAUTH: "credentials/true",
      WRONGPASS: "credentials/true",
      NOPERM: "permissions/true",
      MASTERDOWN: "replica/false",
    });
    expect(classifyRedisError(await replyError("MOVED 3439 127.0.0.1:7101")).message).toMatch(
      /set REDIS_CLUSTER_NODES=host:port/,
    );
    expect(classifyRedisError(await replyError("READONLY You can't write"), "REDIS_URL").message).toMatch(
      /REDIS_SENTINELS and REDIS_SENTINEL_NAME/,
    );
  });

  it("link losses, an unconfirmed write and a wrong kind of node are Redis's; a bank's text quoting them is not", () => {
    expect(isRedisError(new Error("Connection is closed."))).toBe(true);
    expect(isRedisError(new Error("connect ECONNREFUSED 127.0.0.1:6379"))).toBe(true);
    expect(isRedisError(new Error("All sentinels are unreachable. Retrying from scratch after 10ms."))).toBe(true);
    expect(isRedisError(new RedisNotReplicatedError("only 0 of 1"))).toBe(true);
    expect(
      classifyRedisError(new RedisSetupError("Redis at redis://x is a cluster node: set REDIS_CLUSTER_NODES")).kind,
    ).toBe("wrong-mode");
    class BankError extends Error {}
    expect(isRedisError(new BankError("READONLY You can't write"))).toBe(false);
    expect(isRedisError(new TypeError("connect ECONNREFUSED"))).toBe(false);
  });
});
