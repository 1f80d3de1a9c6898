// The Redis settings of every role. Their schema and checks are src/redis/settings.ts's (in two phases of
// their own: the values, then how they combine and the CA file); here each gets its line in the settings
// reference, the compiler keeping one line per field.
import { z } from "zod";
import { DEFAULT_REDIS_URL, redisFields as redisSchema } from "../redis/settings.js";
import type { SettingNotes } from "./values.js";

const NOTES: { [K in keyof typeof redisSchema.shape]: SettingNotes } = {
  REDIS_URL: {
    description:
      "One Redis node, credentials in the URL (redis://user:password@host:6379/0). Production: AOF on, noeviction, a replica.",
    takes: "redis:// or rediss:// URL",
    unset: `\`${DEFAULT_REDIS_URL}\` (unless REDIS_SENTINELS or REDIS_CLUSTER_NODES is set)`,
  },
  REDIS_SENTINELS: {
    description: "Or a Sentinel set (leave REDIS_URL unset): the sentinels' addresses.",
    takes: "host:port, comma-separated",
  },
  REDIS_SENTINEL_NAME: {
    description: "The master's name the sentinels monitor; required with REDIS_SENTINELS.",
    takes: "letters, digits, `.`, `_` or `-`",
  },
  REDIS_SENTINEL_USERNAME: { description: "The sentinels' own ACL user, when they have one." },
  REDIS_SENTINEL_PASSWORD: { description: "The sentinels' own ACL password, when they have one." },
  REDIS_SENTINEL_TLS: { description: "TLS to the sentinels.", unset: "off" },
  REDIS_CLUSTER_NODES: {
    description: "Or a Redis Cluster (leave REDIS_URL unset): some of its nodes (the rest are discovered).",
    takes: "host:port, comma-separated",
  },
  REDIS_USERNAME: { description: "The data nodes' ACL user (any mode; it wins over the URL's)." },
  REDIS_PASSWORD: { description: "The data nodes' ACL password (any mode; it wins over the URL's)." },
  REDIS_TLS: { description: "TLS to the data nodes.", unset: "off, unless REDIS_URL is rediss://" },
  REDIS_TLS_CA_FILE: {
    description: "A PEM CA for Redis's TLS certificate when it is not from a public CA.",
    takes: "path of a file",
  },
  PIXOUT_REDIS_WAIT_REPLICAS: {
    description:
      "Replicas that must confirm (WAIT) an enqueue and every state write before a send before it counts; 0 = none. With Sentinel or a cluster, 1 keeps a failover from forgetting an acknowledged payment or a send-in-flight mark.",
    takes: "whole number, 0 to 99",
  },
  PIXOUT_REDIS_WAIT_TIMEOUT_MS: {
    description:
      "How long a write waits for those replicas, in ms, before it fails (the step runs again later; nothing is sent).",
    takes: "whole number, 1 to 2000",
  },
};

/** src/redis/settings.ts's fields, each described: they parse exactly as there. */
export const redisFields = z.object(
  Object.fromEntries(
    Object.entries(redisSchema.shape).map(([name, field]) => {
      const { description, ...meta } = NOTES[name as keyof typeof NOTES];
      return [name, field.describe(description).meta(meta)];
    }),
  ),
) as unknown as typeof redisSchema;
