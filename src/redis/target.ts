// Where pixout's Redis is and how to reach it: one node (REDIS_URL), a Sentinel set (REDIS_SENTINELS +
// REDIS_SENTINEL_NAME) or a Cluster (REDIS_CLUSTER_NODES) — one description every role connects with
// (src/redis/connections.ts). docs/operating/redis.md says what each means for the money.

export interface RedisAddress {
  host: string;
  port: number;
}

/** Credentials of an ACL user (Redis 6+) or, with `password` alone, of `requirepass`. */
export interface RedisAuth {
  username?: string;
  password?: string;
}

/** TLS on; `ca` (PEM) when the server's certificate is not from a public CA. */
export interface RedisTls {
  ca?: string;
}

export type RedisTarget =
  | { kind: "single"; url: string; auth?: RedisAuth; tls?: RedisTls }
  | {
      kind: "sentinel";
      sentinels: RedisAddress[];
      name: string;
      auth?: RedisAuth;
      tls?: RedisTls;
      sentinelAuth?: RedisAuth;
      sentinelTls?: RedisTls;
    }
  | { kind: "cluster"; nodes: RedisAddress[]; auth?: RedisAuth; tls?: RedisTls };

/** A URL (one node, as REDIS_URL) or a full description. */
export type RedisTargetInput = string | RedisTarget;

export function redisTarget(input: RedisTargetInput): RedisTarget {
  return typeof input === "string" ? { kind: "single", url: input } : input;
}

/** The URL without its password, for messages and logs. */
export function safeRedisUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");
}

const list = (addresses: RedisAddress[]): string => addresses.map((a) => `${a.host}:${String(a.port)}`).join(",");

/** Where, for logs and messages: never a password. */
export function describeRedis(input: RedisTargetInput): string {
  const t = redisTarget(input);
  switch (t.kind) {
    case "single":
      return safeRedisUrl(t.url);
    case "sentinel":
      return `Sentinel master "${t.name}" via ${list(t.sentinels)}`;
    case "cluster":
      return `cluster via ${list(t.nodes)}`;
  }
}

/** The setting a user changes to point pixout elsewhere, for the fix of an error. */
export function redisSettingName(input: RedisTargetInput): string {
  const t = redisTarget(input);
  return t.kind === "single"
    ? "REDIS_URL"
    : t.kind === "sentinel"
      ? "REDIS_SENTINELS and REDIS_SENTINEL_NAME"
      : "REDIS_CLUSTER_NODES";
}

/**
 * `host:port,host:port` → addresses; a problem for the first malformed entry. IPv6 in brackets
 * (`[::1]:6379`); the port is required (a Sentinel listens on 26379, a cluster node anywhere).
 */
export function parseAddresses(value: string): { addresses: RedisAddress[] } | { problem: string } {
  const addresses: RedisAddress[] = [];
  for (const raw of value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (/^[a-z+]+:\/\//i.test(raw))
      return { problem: `"${raw}": list host:port pairs, without a scheme (e.g. 10.0.0.1:26379,10.0.0.2:26379)` };
    const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(raw);
    const port = Number(m?.[3]);
    if (!m || !Number.isInteger(port) || port < 1 || port > 65_535)
      return { problem: `"${raw}" is not host:port (e.g. 10.0.0.1:26379)` };
    addresses.push({ host: m[1] ?? m[2] ?? "", port });
  }
  if (addresses.length === 0) return { problem: "must list at least one host:port" };
  return { addresses };
}
