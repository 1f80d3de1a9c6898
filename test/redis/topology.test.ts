// The test helpers' own Redis topologies (test/helpers/redis-topology.ts), checked with ioredis: a Cluster
// whose keys land on different masters and whose master can fail over, and a Sentinel set whose client
// follows the master through a failover. Never the machine's shared Redis.
import { Cluster, Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { cleanupAfter } from "../helpers/cleanup.js";
import { startRedisCluster, startRedisSentinelSet, type Endpoint } from "../helpers/redis-topology.js";
import { until } from "../helpers/until.js";

/** A plain (not cluster-aware, not sentinel-aware) connection to one node. */
function direct(node: Endpoint): Redis {
  const redis = new Redis({ host: node.host, port: node.port, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on("error", () => undefined);
  cleanupAfter(() => {
    redis.disconnect();
  });
  return redis;
}

function clusterClient(nodes: Endpoint[]): Cluster {
  const client = new Cluster(nodes, { redisOptions: { connectTimeout: 1_000 } });
  client.on("error", () => undefined); // the failover's dropped links, retried
  cleanupAfter(() => {
    client.disconnect();
  });
  return client;
}

const portOf = async (redis: Redis | Cluster): Promise<number> =>
  Number(((await redis.call("CONFIG", "GET", "port")) as string[])[1]);

describe("a Redis Cluster of the test's own", () => {
  it("serves keys from different masters, and ownerOfSlot names the master that holds a key", async () => {
    const cluster = await startRedisCluster();
    cleanupAfter(() => cluster.stop());
    expect(cluster.nodes).toHaveLength(3);
    expect(cluster.masters).toEqual(cluster.nodes);
    expect(cluster.nodesSetting).toBe(cluster.nodes.map((n) => `127.0.0.1:${n.port}`).join(","));

    const client = clusterClient(cluster.nodes);
    // One key per master: {0}, {1}… until every master holds one.
    const keyOf = new Map<number, { key: string; slot: number }>();
    for (let i = 0; keyOf.size < 3; i++) {
      const key = `topology:{${i}}`;
      const slot = Number(await client.call("CLUSTER", "KEYSLOT", key));
      const owner = await cluster.ownerOfSlot(slot);
      if (!keyOf.has(owner.port)) keyOf.set(owner.port, { key, slot });
    }
    expect([...keyOf.keys()].sort()).toEqual(cluster.masters.map((m) => m.port).sort());

    for (const [port, { key, slot }] of keyOf) {
      expect(await client.set(key, `on ${port}`)).toBe("OK");
      expect(await client.get(key)).toBe(`on ${port}`);
      expect(client.slots[slot]).toEqual([`127.0.0.1:${port}`]); // ioredis agrees on the owner
      // The owner holds it; another master sends the client there.
      expect(await direct({ host: "127.0.0.1", port }).get(key)).toBe(`on ${port}`);
      const other = cluster.masters.find((m) => m.port !== port);
      if (!other) throw new Error("one master only");
      await expect(direct(other).get(key)).rejects.toThrow(`MOVED ${slot} 127.0.0.1:${port}`);
    }
  });

  it("fails over when a master with a replica is killed, and takes the old master back as a replica", async () => {
    const cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1 });
    cleanupAfter(() => cluster.stop());
    expect(cluster.nodes).toHaveLength(6);
    const client = clusterClient(cluster.nodes);
    const key = "topology:{failover}";
    const slot = Number(await client.call("CLUSTER", "KEYSLOT", key));
    const before = await cluster.ownerOfSlot(slot);
    await client.set(key, "before");
    await client.call("WAIT", 1, 2_000); // on the replica too, so that it survives the failover

    await cluster.killNode(before.port);
    const after = await until("a replica to take the slot over", async () => {
      const owner = await cluster.ownerOfSlot(slot);
      return owner.port === before.port ? undefined : owner;
    });
    expect(cluster.nodes.slice(3).map((n) => n.port)).toContain(after.port); // one of the replicas
    // The client finds the new owner (retrying while it learns the new slot map).
    await until("the client to write to the new master", () => client.set(key, "after").catch(() => undefined));
    expect(await client.get(key)).toBe("after");
    expect(await direct(after).get(key)).toBe("after");

    await cluster.restartNode(before.port); // resolves once the cluster is healthy again
    const role = (await direct(before).call("ROLE")) as unknown[];
    expect(role.slice(0, 3)).toEqual(["slave", "127.0.0.1", after.port]);
  });
});

describe("a Redis Sentinel set of the test's own", () => {
  it("lets a sentinel-aware client write, then write again to the new master after a failover", async () => {
    const set = await startRedisSentinelSet();
    cleanupAfter(() => set.stop());
    expect(set.masterName).toBe("pixout-main");
    expect(set.sentinels).toHaveLength(3);
    expect(set.servers).toHaveLength(2);
    expect(set.sentinelsSetting).toBe(set.sentinels.map((s) => `127.0.0.1:${s.port}`).join(","));
    const first = await set.master();
    expect(first).toEqual(set.servers[0]);

    const client = new Redis({ sentinels: set.sentinels, name: set.masterName, connectTimeout: 1_000 });
    client.on("error", () => undefined); // the dead master's refusals while it reconnects
    cleanupAfter(() => {
      client.disconnect();
    });
    await client.set("topology:before", "1");
    expect(await client.call("WAIT", 1, 2_000)).toBe(1); // the replica has it
    expect(await portOf(client)).toBe(first.port);

    const killed = await set.killMaster();
    expect(killed).toEqual(first);
    const promoted = await set.waitForFailover(killed);
    expect(promoted).toEqual(set.servers[1]);
    expect(await set.master()).toEqual(promoted);

    // The same client, without being told, now writes to the promoted replica.
    expect(await client.set("topology:after", "2")).toBe("OK");
    expect(await portOf(client)).toBe(promoted.port);
    const onPromoted = direct(promoted);
    expect(await onPromoted.mget("topology:before", "topology:after")).toEqual(["1", "2"]);
  });
});
