// Doctor: Redis reachable and configured as a database, not a cache (DESIGN.md §2.2): an accepted payment
// lives only in Redis until a worker takes it, so `maxmemory-policy` must be `noeviction` (any other policy
// may delete queued payments under memory pressure) and persistence must be on (AOF, or at least RDB
// snapshots). Managed Redis often refuses CONFIG: then INFO is read instead, and what neither shows is a
// warning "could not check".
import type { Redis } from "ioredis";
import { RedisUnavailableError, ensureReady, producerConnection, safeRedisUrl } from "../../queue/redis-connection.js";
import { failure, ok, skipped, warning, type Check } from "./check.js";

/** `field:value` lines of an INFO section. */
function infoField(info: string, field: string): string | undefined {
  return new RegExp(`^${field}:(.*)$`, "m").exec(info)?.[1]?.trim();
}

async function configGet(redis: Redis, name: string): Promise<string | undefined> {
  const answer = (await redis.call("CONFIG", "GET", name)) as string[];
  return answer[1];
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function evictionCheck(redis: Redis): Promise<Check> {
  const id = "redis.eviction";
  const title = "redis eviction policy";
  let policy: string | undefined;
  let refused: string | undefined;
  try {
    policy = await configGet(redis, "maxmemory-policy");
  } catch (err) {
    refused = reason(err);
    policy = infoField(await redis.info("memory").catch(() => ""), "maxmemory_policy");
  }
  if (policy === undefined) {
    return warning(id, title, `could not check maxmemory-policy (CONFIG GET refused: ${refused ?? "no answer"})`, "make sure maxmemory-policy is noeviction in your Redis provider's settings");
  }
  const source = refused === undefined ? "" : " (from INFO; CONFIG GET is refused)";
  if (policy === "noeviction") return ok(id, title, `maxmemory-policy is noeviction${source}: Redis never deletes queued payments to make room`);
  return warning(
    id,
    title,
    `maxmemory-policy is ${policy}${source}: under memory pressure Redis deletes keys, queued payments included`,
    "set maxmemory-policy noeviction (redis.conf, or your Redis provider's settings)",
  );
}

async function persistenceCheck(redis: Redis): Promise<Check> {
  const id = "redis.persistence";
  const title = "redis persistence";
  const off = "turn on AOF: appendonly yes with appendfsync everysec (redis.conf, or your Redis provider's settings)";
  try {
    const [aof, fsync, save] = await Promise.all([configGet(redis, "appendonly"), configGet(redis, "appendfsync"), configGet(redis, "save")]);
    if (aof === "yes") return ok(id, title, `AOF on (appendfsync ${fsync ?? "?"})`);
    if (save !== undefined && save.trim() !== "") {
      // DESIGN.md §2.2: an accepted enqueue must survive a Redis crash; a snapshot may be an hour old.
      return warning(id, title, `RDB snapshots only (save ${save.trim()}), AOF off: a crash loses the payments enqueued since the last snapshot`, off);
    }
    return warning(id, title, "persistence is off (appendonly no, no save schedule): a Redis restart loses every queued payment", off);
  } catch (err) {
    const aofEnabled = infoField(await redis.info("persistence").catch(() => ""), "aof_enabled");
    if (aofEnabled === "1") return ok(id, title, "AOF on (from INFO; CONFIG GET is refused)");
    return warning(id, title, `could not check persistence (CONFIG GET refused: ${reason(err)}; INFO shows no AOF)`, "make sure AOF (appendonly yes) or RDB snapshots are on in your Redis provider's settings");
  }
}

export interface RedisFindings {
  /** An open connection when Redis answered (the caller disconnects it). */
  redis?: Redis;
  checks: Check[];
}

export async function checkRedis(redisUrl: string, timeoutMs = 5_000): Promise<RedisFindings> {
  const where = safeRedisUrl(redisUrl);
  const redis = producerConnection(redisUrl);
  try {
    await ensureReady(redis, redisUrl, timeoutMs);
  } catch (err) {
    redis.disconnect();
    const detail = err instanceof RedisUnavailableError ? `Redis does not answer at ${where}` : `Redis at ${where}: ${reason(err)}`;
    const why = "needs Redis (see above)";
    return {
      checks: [
        failure("redis.connection", "redis", detail, "start Redis, or set REDIS_URL to where it runs"),
        skipped("redis.eviction", "redis eviction policy", why),
        skipped("redis.persistence", "redis persistence", why),
      ],
    };
  }
  const version = infoField(await redis.info("server").catch(() => ""), "redis_version");
  return {
    redis,
    checks: [
      ok("redis.connection", "redis", `Redis ${version ?? "(version unknown)"} answers at ${where}`),
      await evictionCheck(redis),
      await persistenceCheck(redis),
    ],
  };
}
