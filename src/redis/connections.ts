// Every Redis connection pixout opens, for each role, from one description of where Redis is
// (src/redis/target.ts): one node, a Sentinel set or a Cluster. Configured the way BullMQ recommends for each
// role ("Going to production"): producers fail fast when Redis is down (no silent offline queue), workers
// wait for it forever, fenced writes never resend what may have landed.
import { once } from "node:events";
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from "ioredis";
import { classifyRedisError, RedisSetupError, RedisUnavailableError } from "./errors.js";
import {
  describeRedis,
  redisSettingName,
  redisTarget,
  safeRedisUrl,
  type RedisTarget,
  type RedisTargetInput,
} from "./target.js";

export { RedisUnavailableError } from "./errors.js";
export { describeRedis, safeRedisUrl } from "./target.js";

/** A connection to a single node or Sentinel-managed master (`Redis`) or to a cluster (`Cluster`). */
export type RedisClient = Redis | Cluster;

export function isCluster(client: RedisClient): client is Cluster {
  return (client as Cluster).isCluster;
}

/** A node's connection: each master of a cluster, or the one connection itself. */
export function masters(client: RedisClient): Redis[] {
  return isCluster(client) ? client.nodes("master") : [client];
}

/** Role options, as for one node (`lazyConnect` and `enableOfflineQueue` also apply to a cluster as a whole). */
type RoleOptions = Pick<
  RedisOptions,
  | "lazyConnect"
  | "enableOfflineQueue"
  | "maxRetriesPerRequest"
  | "connectTimeout"
  | "commandTimeout"
  | "autoResendUnfulfilledCommands"
  | "connectionName"
>;

function tlsOf(tls: { ca?: string } | undefined): RedisOptions["tls"] {
  return tls === undefined ? undefined : tls.ca === undefined ? {} : { ca: tls.ca };
}

function authOf(
  auth: { username?: string; password?: string } | undefined,
): Pick<RedisOptions, "username" | "password"> {
  return {
    ...(auth?.username === undefined ? {} : { username: auth.username }),
    ...(auth?.password === undefined ? {} : { password: auth.password }),
  };
}

/** A connection for `role`; errors are reported through the failing calls (and ensureReady) unless a listener is added. */
export function connect(input: RedisTargetInput, role: RoleOptions): RedisClient {
  const target = redisTarget(input);
  const tls = tlsOf(target.tls);
  const common = { ...role, ...authOf(target.auth), ...(tls === undefined ? {} : { tls }) };
  let client: RedisClient;
  switch (target.kind) {
    case "single": {
      // REDIS_USERNAME / REDIS_PASSWORD win over the URL's own credentials (ioredis would let the URL's win).
      let url = target.url;
      if (target.auth !== undefined) {
        const parsed = new URL(target.url);
        if (target.auth.username !== undefined) parsed.username = encodeURIComponent(target.auth.username);
        if (target.auth.password !== undefined) parsed.password = encodeURIComponent(target.auth.password);
        url = parsed.toString();
      }
      const { username: _u, password: _p, ...rest } = common;
      // A managed Redis that fails over behind one address leaves this connection on the demoted node: READONLY
      // reconnects (to whatever the address names now). The command that met it fails: the step runs again.
      client = new Redis(url, { ...rest, reconnectOnError: (err) => (err.message.startsWith("READONLY") ? 1 : false) });
      break;
    }
    case "sentinel": {
      const sentinelTls = tlsOf(target.sentinelTls);
      client = new Redis({
        ...common,
        sentinels: target.sentinels,
        name: target.name,
        ...(target.sentinelAuth?.username === undefined ? {} : { sentinelUsername: target.sentinelAuth.username }),
        ...(target.sentinelAuth?.password === undefined ? {} : { sentinelPassword: target.sentinelAuth.password }),
        ...(sentinelTls === undefined ? {} : { sentinelTLS: sentinelTls }),
        enableTLSForSentinelMode: tls !== undefined,
        // Told by the sentinels of a failover at once, instead of finding out from a dead or demoted master.
        failoverDetector: true,
        // The old master came back as a replica before this connection noticed: reconnect, asking the
        // sentinels again. The command that met READONLY fails (a Redis error: the step runs again later).
        reconnectOnError: (err) => (err.message.startsWith("READONLY") ? 1 : false),
      });
      break;
    }
    case "cluster": {
      const { lazyConnect, enableOfflineQueue, ...nodeOptions } = common;
      const options: ClusterOptions = {
        redisOptions: nodeOptions,
        ...(lazyConnect === undefined ? {} : { lazyConnect }),
        ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
        // TLS certificates name the hosts given, not the addresses the cluster announces.
        ...(tls === undefined
          ? {}
          : {
              dnsLookup: (address: string, done: (err: null, address: string) => void) => {
                done(null, address);
              },
            }),
      };
      client = new Cluster(target.nodes, options);
      break;
    }
  }
  return client;
}

/** For producers and CLI commands: commands fail at once while disconnected. */
export function producerConnection(target: RedisTargetInput): RedisClient {
  const redis = connect(target, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 5_000,
    connectionName: "pixout-producer",
  });
  redis.on("error", () => undefined); // reported through the failing calls instead
  return redis;
}

/**
 * For the webhook receiver: a command fails within 2 s while Redis is away, so that a callback is answered
 * 503 (Inter delivers it again later) instead of being held open.
 */
export function receiverConnection(target: RedisTargetInput): RedisClient {
  return connect(target, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 2_000,
    connectionName: "pixout-webhook",
  });
}

/** For the dashboard's pages: a page answers 503 within 5 s while Redis is away. */
export function dashboardConnection(target: RedisTargetInput): RedisClient {
  return connect(target, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 5_000,
    connectionName: "pixout-dashboard",
  });
}

/**
 * For a worker's fenced writes (src/queue/worker/fenced-store.ts) and its budgets: a command that cannot be
 * confirmed within 5 s fails, nothing is queued while disconnected, and nothing unanswered is sent again
 * after a reconnect — a step must stop rather than go on after a frozen link, and a write it gave up on must
 * not land later (each is also fenced by the lock token, so a late one could only land for its own run).
 */
export function fenceConnection(target: RedisTargetInput): RedisClient {
  return connect(target, {
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 5_000,
    // Not auto-pipelined, though it saved ~7 % of the worker's CPU (`npm run bench`): ioredis sends one batch
    // per node at a time, so behind a frozen link every fenced write and gate call waited unsent — the window
    // between a send-in-flight mark and its send grew, and the chaos `partition` scenario's untrusting workers
    // parked 97 of 125 payments instead of 0–3.
    connectionName: "pixout-worker-fence",
  });
}

/** For workers: BullMQ needs maxRetriesPerRequest null; commands wait while Redis comes back. */
export function workerConnection(target: RedisTargetInput): RedisClient {
  return connect(target, { maxRetriesPerRequest: null, connectionName: "pixout-worker" });
}

/** For housekeeping (the demo's and tests' clean-up): one retry, then the error. */
export function adminConnection(target: RedisTargetInput): RedisClient {
  const redis = connect(target, { maxRetriesPerRequest: 1, connectionName: "pixout-admin" });
  redis.on("error", () => undefined); // reported through the failing calls
  return redis;
}

/** `field:value` of an INFO answer. */
export function infoField(info: string, field: string): string | undefined {
  return new RegExp(`^${field}:(.*)$`, "m").exec(info)?.[1]?.trim();
}

/**
 * What a node answering at a one-node REDIS_URL is, when pixout cannot use it that way: a cluster node
 * (every key of another slot would answer MOVED), a Sentinel (no data commands) or a replica (READONLY).
 */
async function singleNodeProblem(redis: Redis): Promise<string | undefined> {
  const [server, cluster, replication] = await Promise.all(
    ["server", "cluster", "replication"].map((s) => redis.info(s).catch(() => "")),
  );
  if (infoField(server ?? "", "redis_mode") === "sentinel") {
    return "is a Sentinel, not a data node: set REDIS_SENTINELS=host:port,… and REDIS_SENTINEL_NAME=<master name> (and unset REDIS_URL)";
  }
  if (infoField(cluster ?? "", "cluster_enabled") === "1")
    return "is a cluster node: set REDIS_CLUSTER_NODES=host:port,… (and unset REDIS_URL)";
  if (infoField(replication ?? "", "role") === "slave") {
    return "is a replica (read-only): point REDIS_URL at the master, or with Sentinel set REDIS_SENTINELS and REDIS_SENTINEL_NAME";
  }
  return undefined;
}

/**
 * Resolves once `redis` is ready — and, for a one-node REDIS_URL, once it is known to be a master that is
 * not a cluster node nor a Sentinel; rejects with a clear error otherwise, or if it is not within `timeoutMs`.
 */
export async function ensureReady(redis: RedisClient, target: RedisTargetInput, timeoutMs = 5_000): Promise<void> {
  const where = describeRedis(target);
  if (redis.status !== "ready") {
    // "end": ioredis gave the connection up — it does when a reconnect races a failover (the Sentinel connector
    // is told to disconnect while it resolves the new master) and never tries again by itself. A producer that
    // lives on (the chaos suite's, after two failovers) would otherwise refuse every enqueue until restarted.
    if (redis.status === "wait" || redis.status === "end") redis.connect().catch(() => undefined);
    const signal = AbortSignal.timeout(timeoutMs);
    // What Redis answered while connecting: a refusal of the credentials is not "does not answer".
    let refused: Error | undefined;
    let tlsRefused: Error | undefined;
    const onError = (err: Error): void => {
      if (/^(NOAUTH|WRONGPASS|NOPERM)/.test(err.message)) refused = err;
      const code = (err as { code?: unknown }).code;
      if (typeof code === "string" && /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ALTNAME/.test(code)) tlsRefused = err;
    };
    redis.on("error", onError);
    try {
      await Promise.race([
        once(redis, "ready", { signal }),
        once(redis, "end", { signal }).then(() => {
          throw new Error("connection closed");
        }),
      ]);
    } catch {
      if (refused !== undefined)
        throw new RedisSetupError(
          `Redis at ${where} ${classifyRedisError(refused, redisSettingName(target)).message.replace(/^Redis /, "")}`,
        );
      if (tlsRefused !== undefined) {
        throw new RedisSetupError(
          `Redis at ${where}: its TLS certificate was refused (${tlsRefused.message}): set REDIS_TLS_CA_FILE to the CA that signed it (PEM), and reach it by a name the certificate holds`,
        );
      }
      throw new RedisUnavailableError(
        `Redis does not answer at ${where}; start it, or set ${redisSettingName(target)}`,
      );
    } finally {
      redis.off("error", onError);
    }
  }
  const t: RedisTarget = redisTarget(target);
  if (t.kind === "single" && !isCluster(redis) && !checkedNodes.has(redis)) {
    const problem = await singleNodeProblem(redis);
    if (problem !== undefined) throw new RedisSetupError(`Redis at ${safeRedisUrl(t.url)} ${problem}`);
    // Checked once per connection: again after it reconnects (a failover behind one address).
    checkedNodes.add(redis);
    redis.once("close", () => checkedNodes.delete(redis));
  }
}

/** One-node connections already known to reach a master that is neither a cluster node nor a Sentinel. */
const checkedNodes = new WeakSet<Redis>();

/** What a producer or notifier is given: where Redis is (a URL or a description), or a connection of the caller's. */
export type RedisConnectionInput = RedisTargetInput | RedisClient;

export function isRedisClient(input: RedisConnectionInput): input is RedisClient {
  return (
    typeof input === "object" &&
    !("kind" in input) &&
    typeof (input as { duplicate?: unknown }).duplicate === "function"
  );
}

/**
 * The connection to use for `input`: the caller's own (never closed by us), or a new one made by `make` for a
 * description, which the caller then owns. `where` names it in messages.
 */
export function connectionFor(
  input: RedisConnectionInput,
  make: (target: RedisTargetInput) => RedisClient,
): { redis: RedisClient; owns: boolean; where: RedisTargetInput } {
  return isRedisClient(input)
    ? { redis: input, owns: false, where: "the given connection" }
    : { redis: make(input), owns: true, where: input };
}
