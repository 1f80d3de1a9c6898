// Doctor: Redis reachable, of the kind the settings say (one node, a Sentinel set, a cluster), and configured
// as a database, not a cache (docs/operating/redis.md): an accepted payment lives only in Redis until a worker takes it,
// so `maxmemory-policy` must be `noeviction` (any other policy may delete queued payments under memory
// pressure) and persistence must be on (AOF, or at least RDB snapshots) — on every master of a cluster.
// Managed Redis often refuses CONFIG: then INFO is read instead, and what neither shows is a warning "could
// not check".
import type { Redis } from "ioredis";
import type { RedisClient } from "../../redis/connections.js";
import {
  describeRedis,
  ensureReady,
  infoField,
  isCluster,
  masters,
  producerConnection,
  RedisUnavailableError,
} from "../../redis/connections.js";
import { RedisSetupError } from "../../redis/errors.js";
import type { RedisSettings } from "../../redis/settings.js";
import { redisSettingName, type RedisTarget } from "../../redis/target.js";
import { failure, ok, skipped, warning, type Check } from "./check.js";

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
    return warning(
      id,
      title,
      `could not check maxmemory-policy (CONFIG GET refused: ${refused ?? "no answer"})`,
      "make sure maxmemory-policy is noeviction in your Redis provider's settings",
    );
  }
  const source = refused === undefined ? "" : " (from INFO; CONFIG GET is refused)";
  if (policy === "noeviction")
    return ok(id, title, `maxmemory-policy is noeviction${source}: Redis never deletes queued payments to make room`);
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
    const [aof, fsync, save] = await Promise.all([
      configGet(redis, "appendonly"),
      configGet(redis, "appendfsync"),
      configGet(redis, "save"),
    ]);
    if (aof === "yes") return ok(id, title, `AOF on (appendfsync ${fsync ?? "?"})`);
    if (save !== undefined && save.trim() !== "") {
      // docs/design.md §2.2: an accepted enqueue must survive a Redis crash; a snapshot may be an hour old.
      return warning(
        id,
        title,
        `RDB snapshots only (save ${save.trim()}), AOF off: a crash loses the payments enqueued since the last snapshot`,
        off,
      );
    }
    return warning(
      id,
      title,
      "persistence is off (appendonly no, no save schedule): a Redis restart loses every queued payment",
      off,
    );
  } catch (err) {
    const aofEnabled = infoField(await redis.info("persistence").catch(() => ""), "aof_enabled");
    if (aofEnabled === "1") return ok(id, title, "AOF on (from INFO; CONFIG GET is refused)");
    return warning(
      id,
      title,
      `could not check persistence (CONFIG GET refused: ${reason(err)}; INFO shows no AOF)`,
      "make sure AOF (appendonly yes) or RDB snapshots are on in your Redis provider's settings",
    );
  }
}

export interface RedisFindings {
  /** An open connection when Redis answered (the caller disconnects it). */
  redis?: RedisClient;
  checks: Check[];
}

/** Where a node's connection goes (with Sentinel, the master it was told of, not the options' default host). */
const nodeName = (node: Redis): string => {
  const socket = node.stream as { remoteAddress?: string; remotePort?: number } | undefined;
  return socket?.remoteAddress !== undefined
    ? `${socket.remoteAddress}:${String(socket.remotePort ?? "?")}`
    : `${node.options.host ?? "?"}:${String(node.options.port ?? "?")}`;
};

/**
 * One check over every master: ok when each is; otherwise the worst status, each master's finding named.
 * With one master, that master's check as is.
 */
async function everyMaster(nodes: Redis[], check: (node: Redis) => Promise<Check>): Promise<Check> {
  const found = await Promise.all(nodes.map(async (node) => ({ node, check: await check(node) })));
  const first = found[0]?.check;
  if (!first || found.length === 1) return first ?? skipped("redis", "redis", "no master answered");
  const worst = found.find((f) => f.check.status === "error") ?? found.find((f) => f.check.status === "warning");
  if (!worst) return { ...first, detail: `every master (${String(found.length)}): ${first.detail}` };
  const detail = found.map((f) => `${nodeName(f.node)}: ${f.check.detail}`).join("; ");
  return { ...worst.check, detail };
}

/** The replicas each master has, and whether PIXOUT_REDIS_WAIT_REPLICAS can be met. */
async function replicationCheck(nodes: Redis[], target: RedisTarget, waitReplicas: number): Promise<Check> {
  const id = "redis.replication";
  const title = "redis replication";
  const read = await Promise.all(
    nodes.map(async (node) => infoField(await node.info("replication").catch(() => ""), "connected_slaves")),
  );
  if (read.some((n) => n === undefined)) {
    return warning(
      id,
      title,
      "could not read INFO replication (refused?): the replicas are not counted",
      "allow INFO to pixout's Redis user (+info), or check the replicas in your provider's console",
    );
  }
  const counts = read.map(Number);
  const fewest = Math.min(...counts);
  const described =
    nodes.length === 1
      ? `${String(fewest)} connected replica(s)`
      : `connected replicas per master: ${nodes.map((n, i) => `${nodeName(n)}=${String(counts[i] ?? 0)}`).join(", ")}`;
  if (waitReplicas > fewest) {
    return failure(
      id,
      title,
      `PIXOUT_REDIS_WAIT_REPLICAS=${String(waitReplicas)} but ${described}: every enqueue and every send would wait in vain and fail`,
      `add replicas, or lower PIXOUT_REDIS_WAIT_REPLICAS to ${String(fewest)}`,
    );
  }
  if (target.kind === "sentinel" && fewest === 0) {
    return warning(
      id,
      title,
      `${described}: Sentinel has no replica to promote if the master fails`,
      "run at least one replica (replicaof <master> <port>) watched by the sentinels",
    );
  }
  if (target.kind === "cluster" && fewest === 0) {
    return warning(
      id,
      title,
      `${described}: a master that fails takes its slots (and the queues in them) down until it is back`,
      "give each master a replica (redis-cli --cluster add-node … --cluster-slave)",
    );
  }
  const waits =
    waitReplicas > 0
      ? `; enqueues and state writes before a send wait for ${String(waitReplicas)}`
      : target.kind === "single"
        ? ""
        : "; PIXOUT_REDIS_WAIT_REPLICAS is 0: a failover may forget the last writes (docs/operating/redis.md)";
  return ok(id, title, `${described}${waits}`);
}

/** What answers, said plainly: one node, the master a Sentinel set names, or a cluster and its masters. */
async function connectionCheck(redis: RedisClient, target: RedisTarget): Promise<Check> {
  const where = describeRedis(target);
  const nodes = masters(redis);
  const version =
    infoField((await nodes[0]?.info("server").catch(() => "")) ?? "", "redis_version") ?? "(version unknown)";
  if (isCluster(redis)) {
    const state = infoField(await redis.cluster("INFO").catch(() => ""), "cluster_state");
    if (state !== "ok")
      return failure(
        "redis.connection",
        "redis",
        `the cluster at ${where} says cluster_state:${state ?? "?"}: some slots are not served`,
        "fix the cluster (redis-cli --cluster check <node>) until it says ok",
      );
    return ok(
      "redis.connection",
      "redis",
      `Redis ${version}: a cluster of ${String(nodes.length)} masters (${nodes.map(nodeName).join(", ")}) answers via ${where}`,
    );
  }
  if (target.kind === "sentinel") {
    const role = infoField(await redis.info("replication").catch(() => ""), "role");
    return ok(
      "redis.connection",
      "redis",
      `Redis ${version}: the master ${nodeName(redis)} (role ${role ?? "?"}) answers for ${where}`,
    );
  }
  return ok("redis.connection", "redis", `Redis ${version} answers at ${where}`);
}

export async function checkRedis(settings: RedisSettings | RedisTarget, timeoutMs = 5_000): Promise<RedisFindings> {
  const target = "target" in settings ? settings.target : settings;
  const waitReplicas = "target" in settings ? settings.waitReplicas : 0;
  const where = describeRedis(target);
  const redis = producerConnection(target);
  try {
    await ensureReady(redis, target, timeoutMs);
  } catch (err) {
    redis.disconnect();
    // A node that answers but is not what the settings say (a cluster node at REDIS_URL, a replica), or that
    // refuses the credentials: the fix is a setting, said after the colon.
    const setup = err instanceof RedisSetupError ? err.message : undefined;
    const detail =
      setup ??
      (err instanceof RedisUnavailableError
        ? `Redis does not answer at ${where}`
        : `Redis at ${where}: ${reason(err)}`);
    const fix =
      setup !== undefined
        ? setup.slice(setup.indexOf(": ") + 2)
        : `start Redis, or set ${redisSettingName(target)} to where it runs`;
    const why = "needs Redis (see above)";
    return {
      checks: [
        failure("redis.connection", "redis", detail, fix),
        skipped("redis.eviction", "redis eviction policy", why),
        skipped("redis.persistence", "redis persistence", why),
        skipped("redis.replication", "redis replication", why),
      ],
    };
  }
  const nodes = masters(redis);
  return {
    redis,
    checks: [
      await connectionCheck(redis, target),
      await everyMaster(nodes, evictionCheck),
      await everyMaster(nodes, persistenceCheck),
      await replicationCheck(nodes, target, waitReplicas),
    ],
  };
}
