// The Redis settings of every role: where Redis is (REDIS_URL, or REDIS_SENTINELS + REDIS_SENTINEL_NAME, or
// REDIS_CLUSTER_NODES), its credentials and TLS, and how many replicas must confirm a write before it counts
// (PIXOUT_REDIS_WAIT_REPLICAS). Two phases: the values are parsed by zod with the other settings, then
// redisTargetOf checks how they combine and reads the CA file. docs/operating/redis.md.
import { readFileSync } from "node:fs";
import { z } from "zod";
import type { CredentialProblem } from "../tls/client-credentials.js";
import { parseAddresses, type RedisAddress, type RedisAuth, type RedisTarget } from "./target.js";

export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

const flag = z.enum(["true", "false"], { error: "must be true or false" }).optional();

/** The host part of a URL — after the credentials, whatever a password holds — up to its path. */
function hostsOf(url: string): string {
  const authority = url.replace(/^[a-z+]+:\/\//i, "");
  const end = authority.search(/[/?#]/);
  const upToPath = end < 0 ? authority : authority.slice(0, end);
  return upToPath.slice(upToPath.lastIndexOf("@") + 1);
}

const redisUrl = z
  .string()
  .optional()
  .superRefine((v, ctx) => {
    if (v === undefined) return;
    if (/^(redis\+sentinel|sentinel|redis-sentinel|rediss\+sentinel):/i.test(v) || /[?&]sentinel/i.test(v)) {
      ctx.addIssue({
        code: "custom",
        message:
          "a Sentinel set is configured with REDIS_SENTINELS=host:port,… and REDIS_SENTINEL_NAME=<master name>, not a URL: unset REDIS_URL",
      });
    } else if (/,/.test(hostsOf(v)) || /^(redis\+cluster|cluster):/i.test(v)) {
      ctx.addIssue({
        code: "custom",
        message: "several nodes are a cluster: set REDIS_CLUSTER_NODES=host:port,host:port (and unset REDIS_URL)",
      });
    } else if (!/^rediss?:\/\/[^\s]+$/.test(v)) {
      ctx.addIssue({
        code: "custom",
        message:
          "must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379 (Sentinel: REDIS_SENTINELS; Cluster: REDIS_CLUSTER_NODES)",
      });
    }
  });

const addresses = (example: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx): RedisAddress[] | undefined => {
      if (v === undefined) return undefined;
      const parsed = parseAddresses(v);
      if ("problem" in parsed) {
        ctx.addIssue({ code: "custom", message: `${parsed.problem}; e.g. ${example}` });
        return z.NEVER;
      }
      return parsed.addresses;
    });

export const redisFields = z.object({
  /** One node (the default). */
  REDIS_URL: redisUrl,
  REDIS_SENTINELS: addresses("10.0.0.1:26379,10.0.0.2:26379,10.0.0.3:26379"),
  REDIS_SENTINEL_NAME: z
    .string()
    .optional()
    .refine(
      (v) => v === undefined || /^[A-Za-z0-9._-]{1,64}$/.test(v),
      "must be the master's name as the sentinels monitor it (letters, digits, . _ -)",
    ),
  REDIS_SENTINEL_USERNAME: z.string().optional(),
  REDIS_SENTINEL_PASSWORD: z.string().optional(),
  REDIS_SENTINEL_TLS: flag,
  REDIS_CLUSTER_NODES: addresses("10.0.0.1:6379,10.0.0.2:6379,10.0.0.3:6379"),
  REDIS_USERNAME: z.string().optional(),
  REDIS_PASSWORD: z.string().optional(),
  REDIS_TLS: flag,
  REDIS_TLS_CA_FILE: z.string().optional(),
  PIXOUT_REDIS_WAIT_REPLICAS: z
    .string()
    .optional()
    .refine((v) => v === undefined || /^\d{1,2}$/.test(v), "must be a whole number of replicas, 0 to 99 (0: no WAIT)")
    .transform((v) => (v === undefined ? 0 : Number(v))),
  PIXOUT_REDIS_WAIT_TIMEOUT_MS: z
    .string()
    .optional()
    // Below the fail-fast connections' 5 s command timeout, which a WAIT holds up for the commands queued behind it.
    .refine(
      (v) => v === undefined || (/^\d{1,4}$/.test(v) && Number(v) > 0 && Number(v) <= 2_000),
      "must be a whole number of milliseconds, 1 to 2000",
    )
    .transform((v) => (v === undefined ? 1_000 : Number(v))),
});

export type RedisFields = z.infer<typeof redisFields>;

/** What a role needs of Redis: where, and the replication a write waits for. */
export interface RedisSettings {
  target: RedisTarget;
  /** PIXOUT_REDIS_WAIT_REPLICAS: replicas that must confirm an enqueue and each state write before a send (0: none). */
  waitReplicas: number;
  waitTimeoutMs: number;
}

function authOf(username: string | undefined, password: string | undefined): RedisAuth | undefined {
  if (username === undefined && password === undefined) return undefined;
  return { ...(username === undefined ? {} : { username }), ...(password === undefined ? {} : { password }) };
}

/** The second phase: how the values combine, and the CA file. `problems` empty ⇔ `settings` set. */
export function redisSettingsOf(e: RedisFields): { settings?: RedisSettings; problems: CredentialProblem[] } {
  const problems: CredentialProblem[] = [];
  const modes = [e.REDIS_SENTINELS && "REDIS_SENTINELS", e.REDIS_CLUSTER_NODES && "REDIS_CLUSTER_NODES"].filter(
    (m): m is string => typeof m === "string",
  );
  if (modes.length > 1)
    problems.push({
      setting: "REDIS_CLUSTER_NODES",
      message: "set either REDIS_SENTINELS (a Sentinel set) or REDIS_CLUSTER_NODES (a cluster), not both",
    });
  if (modes.length > 0 && e.REDIS_URL !== undefined) {
    problems.push({
      setting: "REDIS_URL",
      message: `leave it unset with ${modes[0] ?? ""}: credentials go in REDIS_USERNAME and REDIS_PASSWORD, TLS in REDIS_TLS`,
    });
  }
  if (e.REDIS_SENTINELS !== undefined && e.REDIS_SENTINEL_NAME === undefined) {
    problems.push({
      setting: "REDIS_SENTINEL_NAME",
      message:
        "is required with REDIS_SENTINELS: the master's name the sentinels monitor (`sentinel monitor <name> …`)",
    });
  }
  if (e.REDIS_SENTINEL_NAME !== undefined && e.REDIS_SENTINELS === undefined) {
    problems.push({
      setting: "REDIS_SENTINELS",
      message: "is required with REDIS_SENTINEL_NAME: the sentinels' addresses, host:port,…",
    });
  }
  const sentinelOnly = ["REDIS_SENTINEL_USERNAME", "REDIS_SENTINEL_PASSWORD", "REDIS_SENTINEL_TLS"] as const;
  if (e.REDIS_SENTINELS === undefined) {
    for (const name of sentinelOnly)
      if (e[name] !== undefined) problems.push({ setting: name, message: "applies only with REDIS_SENTINELS" });
  }
  let ca: string | undefined;
  if (e.REDIS_TLS_CA_FILE !== undefined) {
    try {
      ca = readFileSync(e.REDIS_TLS_CA_FILE, "utf8");
      if (!ca.includes("-----BEGIN CERTIFICATE-----"))
        problems.push({ setting: "REDIS_TLS_CA_FILE", message: `${e.REDIS_TLS_CA_FILE} holds no PEM certificate` });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      problems.push({
        setting: "REDIS_TLS_CA_FILE",
        message:
          code === "ENOENT"
            ? `file not found: ${e.REDIS_TLS_CA_FILE}`
            : `cannot read ${e.REDIS_TLS_CA_FILE} (${code ?? String(err)})`,
      });
    }
  }
  const url = e.REDIS_URL ?? DEFAULT_REDIS_URL;
  const tlsOn = e.REDIS_TLS === "true" || (modes.length === 0 && url.startsWith("rediss:"));
  if (modes.length === 0 && url.startsWith("rediss:") && e.REDIS_TLS === "false")
    problems.push({
      setting: "REDIS_TLS",
      message: "is false but REDIS_URL is rediss:// (TLS): use redis:// or drop REDIS_TLS",
    });
  if (e.REDIS_TLS_CA_FILE !== undefined && !tlsOn && e.REDIS_SENTINEL_TLS !== "true") {
    problems.push({
      setting: "REDIS_TLS_CA_FILE",
      message:
        "is set but TLS is off: set REDIS_TLS=true (or a rediss:// REDIS_URL), else the connection stays in plain text",
    });
  }
  if (problems.length > 0) return { problems };
  const tls = tlsOn ? (ca === undefined ? {} : { ca }) : undefined;
  const auth = authOf(e.REDIS_USERNAME, e.REDIS_PASSWORD);
  const common = { ...(auth === undefined ? {} : { auth }), ...(tls === undefined ? {} : { tls }) };
  let target: RedisTarget;
  if (e.REDIS_SENTINELS !== undefined && e.REDIS_SENTINEL_NAME !== undefined) {
    const sentinelAuth = authOf(e.REDIS_SENTINEL_USERNAME, e.REDIS_SENTINEL_PASSWORD);
    target = {
      kind: "sentinel",
      sentinels: e.REDIS_SENTINELS,
      name: e.REDIS_SENTINEL_NAME,
      ...common,
      ...(sentinelAuth === undefined ? {} : { sentinelAuth }),
      ...(e.REDIS_SENTINEL_TLS === "true" ? { sentinelTls: ca === undefined ? {} : { ca } } : {}),
    };
  } else if (e.REDIS_CLUSTER_NODES !== undefined) {
    target = { kind: "cluster", nodes: e.REDIS_CLUSTER_NODES, ...common };
  } else {
    target = { kind: "single", url, ...common };
  }
  return {
    settings: { target, waitReplicas: e.PIXOUT_REDIS_WAIT_REPLICAS, waitTimeoutMs: e.PIXOUT_REDIS_WAIT_TIMEOUT_MS },
    problems,
  };
}
