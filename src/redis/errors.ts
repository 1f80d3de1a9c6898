// Whether an error is Redis's (the link, the server, the cluster, a failover) rather than the bank's, a
// refusal of ours or a bug: such an error is the infrastructure's — it never ends a payment, never spends
// its bank attempts, and the payment simply runs its step again later. And what it means, with what to do.
//
// Judged by the error's class first: ioredis's server replies are ReplyErrors and its give-ups have their
// own classes; its link errors are plain `Error`s with fixed texts, recognised by how they begin. An error
// of any other class (a payment's final failure, the bank's, ours) is never one, whatever its message
// quotes — a failure reason may quote the bank's `ECONNREFUSED` or a bank's free text.
const REDIS_ERROR_NAMES = new Set([
  "ReplyError",
  "MaxRetriesPerRequestError",
  "ClusterAllFailedError",
  "RedisNotReplicatedError",
  "RedisUnavailableError",
  "RedisSetupError",
]);
const LINK_MESSAGES =
  /^(Connection is closed|Command timed out|Stream isn't writeable|Redis discarded the transaction|connect E[A-Z]+|read E[A-Z]+|write E[A-Z]+|Failed to refresh slots cache|Too many Cluster redirections|None of startup nodes is available|All sentinels are unreachable|Cluster isn't ready)/;

/** Redis did not answer (down, unreachable, not ready in time). */
export class RedisUnavailableError extends Error {
  override readonly name: string = "RedisUnavailableError";
}

/** A write Redis took but fewer replicas than PIXOUT_REDIS_WAIT_REPLICAS confirmed in time: it does not count. */
export class RedisNotReplicatedError extends Error {
  override readonly name = "RedisNotReplicatedError";
}

/** Redis answers, but is not what the settings say (a cluster node at REDIS_URL, a Sentinel, a replica). */
export class RedisSetupError extends RedisUnavailableError {
  override readonly name = "RedisSetupError";
}

export function isRedisError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (REDIS_ERROR_NAMES.has(err.name) && err.constructor.name === err.name) return true;
  return Object.getPrototypeOf(err) === Error.prototype && LINK_MESSAGES.test(err.message);
}

export type RedisProblemKind =
  | "wrong-mode"
  | "replica"
  | "loading"
  | "cluster-down"
  | "cross-slot"
  | "credentials"
  | "permissions"
  | "not-replicated"
  | "unreachable"
  | "other";

export interface RedisProblem {
  kind: RedisProblemKind;
  /** What is wrong and what to do, for a log line or a readiness detail. */
  message: string;
  /** Whether it is a setting (nothing heals it by waiting) rather than a passing state. */
  setting: boolean;
}

/**
 * What a Redis error means, in the user's words. `where` names the setting pointing at Redis
 * (REDIS_URL, REDIS_SENTINELS…), for the fixes.
 */
export function classifyRedisError(err: unknown, where = "REDIS_URL"): RedisProblem {
  const text = err instanceof Error ? err.message : String(err);
  const first = text.split(/\s/)[0] ?? "";
  const said = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  switch (first) {
    case "MOVED":
    case "ASK":
      return {
        kind: "wrong-mode",
        setting: true,
        message: `Redis answered ${first}: it is a cluster node — set REDIS_CLUSTER_NODES=host:port,… (and unset REDIS_URL) (${said})`,
      };
    case "CROSSSLOT":
      return {
        kind: "cross-slot",
        setting: false,
        message: `Redis refused a command over keys of several cluster slots (${said}): a key outside the prefix's hash tag — a bug of pixout, please report it`,
      };
    case "READONLY":
      return {
        kind: "replica",
        setting: false,
        message: `Redis answered READONLY: the node pixout writes to is a replica (a failover?) — with Sentinel set REDIS_SENTINELS and REDIS_SENTINEL_NAME so that pixout follows the master, else point ${where} at the master; waiting meanwhile`,
      };
    case "MASTERDOWN":
      return {
        kind: "replica",
        setting: false,
        message: `Redis answered MASTERDOWN: the replica lost its master; waiting for a failover or the master (${said})`,
      };
    case "LOADING":
      return {
        kind: "loading",
        setting: false,
        message: "Redis is loading its data after a restart; waiting until it is done",
      };
    case "CLUSTERDOWN":
      return {
        kind: "cluster-down",
        setting: false,
        message: `the Redis cluster is down (a master without a replica failed?): ${said}; waiting until every slot is served`,
      };
    case "TRYAGAIN":
      return {
        kind: "cluster-down",
        setting: false,
        message: `the Redis cluster is moving a slot (${said}); trying again`,
      };
    case "NOAUTH":
    case "WRONGPASS":
      return {
        kind: "credentials",
        setting: true,
        message: `Redis refused pixout's credentials (${first}): set the user and password in ${where === "REDIS_URL" ? "REDIS_URL (redis://user:password@host:port) or " : ""}REDIS_USERNAME and REDIS_PASSWORD`,
      };
    case "NOPERM":
      return {
        kind: "permissions",
        setting: true,
        message: `Redis refuses one of pixout's commands (${said}): give the user every command on the keys of {PIXOUT_REDIS_PREFIX} and of pixout:integration:* (docs/operating/redis.md "ACL")`,
      };
    default:
      break;
  }
  if (err instanceof Error && err.name === "RedisSetupError")
    return { kind: "wrong-mode", setting: true, message: said };
  if (err instanceof Error && err.name === "RedisNotReplicatedError")
    return { kind: "not-replicated", setting: false, message: said };
  if (
    err instanceof Error &&
    (err.name === "RedisUnavailableError" ||
      LINK_MESSAGES.test(text) ||
      err.name === "MaxRetriesPerRequestError" ||
      err.name === "ClusterAllFailedError")
  ) {
    return {
      kind: "unreachable",
      setting: false,
      message: `Redis does not answer (${said}): start it, or check ${where}; waiting meanwhile`,
    };
  }
  return { kind: "other", setting: false, message: `Redis failed: ${said}` };
}
