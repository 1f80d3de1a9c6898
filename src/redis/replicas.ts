// PIXOUT_REDIS_WAIT_REPLICAS: a write counts once N replicas have it. Redis replicates asynchronously — a
// master that acknowledged a write and died before its replica copied it makes the promoted replica forget
// it (docs/operating/redis.md). WAIT, sent on the connection that wrote, right after the write, blocks until N
// replicas acknowledged every earlier write of that connection, or the timeout: fewer than N is an
// infrastructure error (the enqueue is not acknowledged; the step does not send) — never the payment's.
import calculateSlot from "cluster-key-slot";
import type { Redis } from "ioredis";
import { isCluster, type RedisClient } from "./connections.js";
import { RedisNotReplicatedError } from "./errors.js";

export interface ReplicaWait {
  /** Replicas that must confirm (0: none, no WAIT sent). */
  count: number;
  timeoutMs: number;
}

export const NO_REPLICA_WAIT: ReplicaWait = { count: 0, timeoutMs: 0 };

/** The connection that serves `key`: on a cluster, the master of its slot (the one that took the write). */
function nodeOf(client: RedisClient, key: string): Redis {
  if (!isCluster(client)) return client;
  const owner = client.slots[calculateSlot(key)]?.[0];
  const node = client.nodes("master").find((n) => `${n.options.host ?? ""}:${String(n.options.port ?? "")}` === owner);
  if (!node)
    throw new RedisNotReplicatedError(
      `no known master serves the slot of ${key} (the cluster is changing): the write is not confirmed`,
    );
  return node;
}

/** Resolves once `wait.count` replicas confirmed the writes made on `client` for `key`'s slot; throws otherwise. */
export async function confirmReplicas(client: RedisClient, key: string, wait: ReplicaWait): Promise<void> {
  if (wait.count <= 0) return;
  const acknowledged = Number(await nodeOf(client, key).call("WAIT", String(wait.count), String(wait.timeoutMs)));
  if (acknowledged < wait.count) {
    throw new RedisNotReplicatedError(
      `only ${String(acknowledged)} of the ${String(wait.count)} replicas PIXOUT_REDIS_WAIT_REPLICAS asks for confirmed a write within ${String(wait.timeoutMs)} ms — check the replicas (INFO replication), or lower PIXOUT_REDIS_WAIT_REPLICAS`,
    );
  }
}
