// Real Redis topologies of a test's own — a Cluster, or a master with replicas watched by Sentinels — on
// free loopback ports, in a fresh temporary folder (never the machine's shared Redis). Their processes
// are tracked: stop() ends them (SIGTERM, then SIGKILL) and removes the folder; if a test fails before
// that, they are killed when the test process ends (exit, SIGTERM/SIGINT/SIGHUP — vitest stops its forks
// with SIGTERM — and, through `setpriv --pdeathsig`, even when it is SIGKILLed).
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { freePort } from "../../src/cli/demo/redis-server.js";

export interface Endpoint {
  host: string;
  port: number;
}

export interface RedisClusterSet {
  /** Every node, masters first (in slot order), then the replicas (master 0's, master 1's…). */
  nodes: Endpoint[];
  /** The masters as started (after a failover, ask ownerOfSlot). */
  masters: Endpoint[];
  /** `127.0.0.1:p1,127.0.0.1:p2,…`: every node, as REDIS_CLUSTER_NODES takes it. */
  nodesSetting: string;
  /** The folder of the nodes' logs and nodes-<port>.conf files. */
  dir: string;
  /** SIGKILLs the node (a crash); resolves once it is gone. */
  killNode(port: number): Promise<void>;
  /**
   * Starts a killed node again on its ports with its nodes-<port>.conf (same node id; its data is gone:
   * no persistence — unless serverArgs turned AOF on, then it loads what its AOF kept). Resolves when it answers and, if no node is down, when the whole cluster is healthy
   * again (state ok, all slots served, every replica linked).
   */
  restartNode(port: number): Promise<void>;
  /** The master serving `slot` now, as a running node's CLUSTER SLOTS says. */
  ownerOfSlot(slot: number): Promise<Endpoint>;
  stop(): Promise<void>;
}

export interface RedisSentinelSet {
  masterName: string;
  sentinels: Endpoint[];
  /** `127.0.0.1:p1,127.0.0.1:p2,…`, as REDIS_SENTINELS takes it. */
  sentinelsSetting: string;
  /** The data nodes: the first master, then the replicas. */
  servers: Endpoint[];
  /** The folder of the logs and the sentinels' config files. */
  dir: string;
  /** The master as a sentinel names it (SENTINEL GET-MASTER-ADDR-BY-NAME). */
  master(): Promise<Endpoint>;
  /** SIGKILLs the current master's process; resolves with its address once it is gone. */
  killMaster(): Promise<Endpoint>;
  /**
   * Until every running sentinel names the same master other than `old`, and it answers ROLE as a master;
   * resolves with it. Default timeout: downAfterMs + 3 × failoverTimeoutMs + 5 s (a failed election is
   * tried again after 2 × failoverTimeoutMs).
   */
  waitForFailover(old: Endpoint, timeoutMs?: number): Promise<Endpoint>;
  /**
   * Asks a running sentinel to fail over now (SENTINEL FAILOVER), as an operator would when the sentinels
   * have not agreed by themselves (a starved machine); resolves with its answer.
   */
  forceFailover(): Promise<unknown>;
  /**
   * Starts a killed data node again on its port, with its first arguments (the first master comes back
   * as a master — with what its AOF kept, if serverArgs turned AOF on — until the sentinels, after a
   * failover, make it a replica of the new master; restart it only once waitForFailover resolved).
   * Resolves when it answers.
   */
  restartServer(port: number): Promise<void>;
  stop(): Promise<void>;
}

const HOST = "127.0.0.1";
const SLOTS = 16_384;
const NODE_TIMEOUT_MS = 2_000;
const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 1_500;

// ---------------------------------------------------------------------------------------------------
// Processes and folders, tracked so that nothing outlives the test process.

const livingChildren = new Set<ChildProcess>();
const livingDirs = new Set<string>();
const FATAL_SIGNALS = ["SIGTERM", "SIGINT", "SIGHUP"] as const;
let hooked = false;

function killEverythingNow(): void {
  for (const child of livingChildren) {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
  livingChildren.clear();
  for (const dir of livingDirs) rmSync(dir, { recursive: true, force: true });
  livingDirs.clear();
}

function onFatalSignal(signal: NodeJS.Signals): void {
  killEverythingNow();
  unhook();
  // Ours was the only listener: die of the signal as the process would have without it.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on("exit", killEverythingNow);
  for (const s of FATAL_SIGNALS) process.on(s, onFatalSignal);
}

function unhook(): void {
  if (!hooked) return;
  hooked = false;
  process.off("exit", killEverythingNow);
  for (const s of FATAL_SIGNALS) process.off(s, onFatalSignal);
}

function unhookIfIdle(): void {
  if (livingChildren.size === 0 && livingDirs.size === 0) unhook();
}

function makeDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `pixout-${prefix}-`));
  livingDirs.add(dir);
  hook();
  return dir;
}

function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  livingDirs.delete(dir);
  unhookIfIdle();
}

// Ports handed out by this process, never handed out twice (a port may be free again between two calls).
const handedOut = new Set<number>();

async function newPort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

/** With util-linux's setpriv, redis-server gets SIGKILL when its parent dies, however it dies. */
const SETPRIV = ["/usr/bin/setpriv", "/bin/setpriv"].find((p) => existsSync(p));
const REDIS_SERVER = existsSync("/usr/bin/redis-server") ? "/usr/bin/redis-server" : "redis-server";

class LaunchError extends Error {
  constructor(
    message: string,
    readonly portTaken: boolean,
  ) {
    super(message);
  }
}

/** One redis-server (data node or sentinel) on its port; relaunchable with the same arguments. */
class RedisProcess {
  child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private output = "";

  constructor(
    readonly port: number,
    readonly argv: readonly string[],
    readonly logFile: string,
  ) {}

  get endpoint(): Endpoint {
    return { host: HOST, port: this.port };
  }

  get running(): boolean {
    return this.child?.pid !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts it; resolves once this very process (its pid) answers INFO on the port. */
  async launch(timeoutMs = 10_000): Promise<void> {
    if (this.running) throw new Error(`redis-server on port ${this.port} is already running`);
    this.output = "";
    const [command, args] = SETPRIV
      ? [SETPRIV, ["--pdeathsig", "KILL", REDIS_SERVER, ...this.argv]]
      : [REDIS_SERVER, this.argv];
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    const keep = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString()).slice(-4_000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    let spawnError: Error | undefined;
    let gone = (): void => undefined;
    this.exited = new Promise((resolve) => {
      gone = () => {
        livingChildren.delete(child);
        resolve();
      };
    });
    child.once("close", gone);
    child.on("error", (err) => {
      spawnError = err; // not started (or could not be signalled): nothing to wait for
      if (child.pid === undefined) gone();
    });
    this.child = child;
    livingChildren.add(child);
    hook();

    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (spawnError) throw new LaunchError(`cannot run ${command}: ${spawnError.message}`, false);
      if (child.exitCode !== null || child.signalCode !== null) {
        await this.exited;
        const said = `${this.output}\n${readTail(this.logFile)}`;
        throw new LaunchError(
          `redis-server on port ${this.port} exited (${String(child.exitCode ?? child.signalCode)}): ${said.trim()}`,
          /Address already in use/i.test(said),
        );
      }
      // Another test process's server may hold the port for a moment: only our pid counts.
      const info = await tryAsk(this.endpoint, ["INFO", "server"], 300);
      if (typeof info === "string" && parseInfo(info)["process_id"] === String(child.pid)) return;
      if (Date.now() > deadline) {
        await this.kill();
        throw new LaunchError(
          `redis-server on port ${this.port} did not answer within ${timeoutMs} ms: ${readTail(this.logFile)}`,
          false,
        );
      }
      await sleep(25);
    }
  }

  async kill(): Promise<void> {
    if (!this.running) return this.exited;
    this.child?.kill("SIGKILL");
    await this.exited;
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    if (!this.running) return this.exited;
    this.child?.kill("SIGTERM");
    const timer = setTimeout(() => this.child?.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

function readTail(file: string): string {
  try {
    return readFileSync(file, "utf8").slice(-2_000);
  } catch {
    return "";
  }
}

/**
 * Launches a process built by `build` on fresh ports (`portCount` of them), again on other ports when one
 * was taken meanwhile (by another test process).
 */
async function launchOnFreePorts(portCount: number, build: (ports: number[]) => RedisProcess): Promise<RedisProcess> {
  for (let attempt = 1; ; attempt++) {
    const ports: number[] = [];
    for (let i = 0; i < portCount; i++) ports.push(await newPort());
    const proc = build(ports);
    try {
      await proc.launch();
      return proc;
    } catch (err) {
      if (!(err instanceof LaunchError && err.portTaken) || attempt >= 8) throw err;
    }
  }
}

/** `count` launches at once; each launched process goes into `sink` (for the cleanup) even if another fails. */
async function launchMany(
  count: number,
  portCount: number,
  build: (ports: number[]) => RedisProcess,
  sink: RedisProcess[],
): Promise<RedisProcess[]> {
  const results = await Promise.allSettled(Array.from({ length: count }, () => launchOnFreePorts(portCount, build)));
  const launched: RedisProcess[] = [];
  for (const r of results) if (r.status === "fulfilled") launched.push(r.value);
  sink.push(...launched);
  const failed = results.find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
  return launched;
}

/** Stops every process, then removes the folder; never throws. */
async function stopAll(procs: Iterable<RedisProcess>, dir: string): Promise<void> {
  await Promise.allSettled([...procs].map((p) => p.stop()));
  removeDir(dir);
}

// ---------------------------------------------------------------------------------------------------
// Talking to a node: one short-lived connection per question.

type Command = [string, ...(string | number)[]];

async function ask(ep: Endpoint, command: Command, timeoutMs = 1_000): Promise<unknown> {
  const client = new Redis({
    host: ep.host,
    port: ep.port,
    lazyConnect: true,
    enableReadyCheck: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
  });
  client.on("error", () => undefined);
  try {
    await client.connect();
    const [name, ...args] = command;
    return await client.call(name, ...args);
  } finally {
    client.disconnect();
  }
}

async function tryAsk(ep: Endpoint, command: Command, timeoutMs = 1_000): Promise<unknown> {
  try {
    return await ask(ep, command, timeoutMs);
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(":");
    if (at > 0 && !line.startsWith("#")) out[line.slice(0, at)] = line.slice(at + 1);
  }
  return out;
}

/** A flat [k1, v1, k2, v2…] reply (SENTINEL MASTER, each of SENTINEL REPLICAS) → record. */
function pairs(reply: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(reply)) return out;
  for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = String(reply[i + 1]);
  return out;
}

/** A probe's "not yet", with why (for the error on timeout). */
class NotYet {
  constructor(readonly reason: string) {}
}
const notYet = (reason: string): NotYet => new NotYet(reason);

/** Polls `probe` every 50 ms until it returns something other than NotYet. */
async function waitUntil<T>(what: string, timeoutMs: number, probe: () => Promise<T | NotYet>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (!(value instanceof NotYet)) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${value.reason}`);
    await sleep(50);
  }
}

const setting = (eps: Endpoint[]): string => eps.map((e) => `${e.host}:${e.port}`).join(",");

/** Data nodes: no persistence, and replicas synced at once (Redis 7's diskless sync otherwise waits 5 s). */
const DATA_NODE_ARGS = ["--save", "", "--appendonly", "no", "--repl-diskless-sync-delay", "0"];

/**
 * A data node's arguments after the defaults: its own file names in the shared folder (the RDB a replica
 * receives, the AOF if `serverArgs` turn it on), then the caller's `serverArgs`, which win over both.
 */
const dataNodeArgs = (port: number, serverArgs: readonly string[] = []): string[] => [
  ...DATA_NODE_ARGS,
  "--dbfilename",
  `dump-${port}.rdb`,
  "--appenddirname",
  `appendonlydir-${port}`,
  ...serverArgs,
];

// ---------------------------------------------------------------------------------------------------
// Cluster

interface ClusterNodeLine {
  id: string;
  port: number;
  flags: string[];
  masterId: string;
  linkState: string;
  slots: string[];
}

function parseClusterNodes(text: string): ClusterNodeLine[] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line) => {
      const [id = "", addr = "", flags = "", masterId = "", , , , linkState = "", ...slots] = line.split(" ");
      const port = Number(/:(\d+)@/.exec(addr)?.[1]);
      return { id, port, flags: flags.split(","), masterId, linkState, slots };
    });
}

type SlotRange = [number, number, ...unknown[]];

async function clusterSlots(ep: Endpoint): Promise<SlotRange[]> {
  const reply = await ask(ep, ["CLUSTER", "SLOTS"]);
  if (!Array.isArray(reply)) throw new Error(`CLUSTER SLOTS answered ${String(reply)}`);
  return reply as SlotRange[];
}

function nodeOf(entry: unknown): Endpoint {
  const [ip, port] = Array.isArray(entry) ? (entry as unknown[]) : [];
  return { host: typeof ip === "string" && ip !== "" ? ip : HOST, port: Number(port) };
}

/** "0-5460>p1[p4],…": who serves which slots, with which replicas; the same on every node when settled. */
function slotMap(slots: SlotRange[]): string {
  return slots
    .map(
      ([start, end, master, ...replicas]) =>
        `${start}-${end}>${nodeOf(master).port}[${replicas
          .map((r) => nodeOf(r).port)
          .sort()
          .join(" ")}]`,
    )
    .sort()
    .join(",");
}

/** Why the cluster of `procs` is not healthy yet, or undefined if it is. */
async function clusterProblem(procs: RedisProcess[], masters: number): Promise<string | undefined> {
  let reference: string | undefined;
  for (const proc of procs) {
    const where = `node ${proc.port}`;
    try {
      const info = parseInfo(String(await ask(proc.endpoint, ["CLUSTER", "INFO"])));
      if (info["cluster_state"] !== "ok") return `${where}: cluster_state:${info["cluster_state"]}`;
      if (info["cluster_slots_ok"] !== String(SLOTS)) return `${where}: cluster_slots_ok:${info["cluster_slots_ok"]}`;
      if (info["cluster_known_nodes"] !== String(procs.length))
        return `${where}: cluster_known_nodes:${info["cluster_known_nodes"]}`;
      if (info["cluster_size"] !== String(masters)) return `${where}: cluster_size:${info["cluster_size"]}`;
      const lines = parseClusterNodes(String(await ask(proc.endpoint, ["CLUSTER", "NODES"])));
      const odd = lines.find(
        (l) =>
          l.linkState !== "connected" ||
          l.flags.some((f) => ["fail", "fail?", "handshake", "noaddr", "nofailover"].includes(f)),
      );
      if (odd) return `${where} sees ${odd.port} as ${odd.flags.join(",")} ${odd.linkState}`;
      const withSlots = lines.filter((l) => l.flags.includes("master") && l.slots.length > 0).length;
      const replicas = lines.filter((l) => l.flags.includes("slave")).length;
      if (withSlots !== masters || replicas !== procs.length - masters)
        return `${where} sees ${withSlots} masters with slots and ${replicas} replicas`;
      const map = slotMap(await clusterSlots(proc.endpoint));
      if (reference === undefined) reference = map;
      else if (map !== reference) return `${where} has another slot map: ${map} (vs ${reference})`;
      if (lines.find((l) => l.flags.includes("myself"))?.flags.includes("slave")) {
        const link = parseInfo(String(await ask(proc.endpoint, ["INFO", "replication"])))["master_link_status"];
        if (link !== "up") return `${where}: master_link_status:${String(link)}`;
      }
    } catch (err) {
      return `${where}: ${(err as Error).message}`;
    }
  }
  return undefined;
}

/**
 * `serverArgs`: more redis-server arguments for every node, after the defaults (no persistence), e.g.
 * `["--appendonly", "yes", "--appendfsync", "everysec"]` — each node has its own AOF folder, which
 * restartNode then loads.
 */
export async function startRedisCluster(
  options: { masters?: number; replicasPerMaster?: number; serverArgs?: string[] } = {},
): Promise<RedisClusterSet> {
  const masterCount = options.masters ?? 3;
  const replicasPerMaster = options.replicasPerMaster ?? 0;
  if (!Number.isInteger(masterCount) || masterCount < 1) throw new Error("masters must be a whole number ≥ 1");
  if (!Number.isInteger(replicasPerMaster) || replicasPerMaster < 0)
    throw new Error("replicasPerMaster must be a whole number ≥ 0");
  const total = masterCount * (1 + replicasPerMaster);
  const dir = makeDir("redis-cluster");
  const procs: RedisProcess[] = [];
  try {
    const launched = await launchMany(
      total,
      2,
      ([port = 0, busPort = 0]) => {
        const log = join(dir, `node-${port}.log`);
        const argv = [
          "--port",
          String(port),
          "--bind",
          HOST,
          "--dir",
          dir,
          "--logfile",
          log,
          ...dataNodeArgs(port, options.serverArgs),
          "--cluster-enabled",
          "yes",
          "--cluster-config-file",
          join(dir, `nodes-${port}.conf`),
          "--cluster-node-timeout",
          String(NODE_TIMEOUT_MS),
          // Its own bus port: port + 10000 may be taken, or above 65535 for an ephemeral port.
          "--cluster-port",
          String(busPort),
          "--cluster-announce-ip",
          HOST,
        ];
        return new RedisProcess(port, argv, log);
      },
      procs,
    );
    // Masters first, then master 0's replicas, master 1's…
    const ordered = launched;
    const busPortOf = (p: RedisProcess): string => p.argv[p.argv.indexOf("--cluster-port") + 1] ?? "";
    const masters = ordered.slice(0, masterCount);
    const replicas = ordered.slice(masterCount);
    await Promise.all(
      masters.map((m, i) => {
        const first = Math.floor((i * SLOTS) / masterCount);
        const last = Math.floor(((i + 1) * SLOTS) / masterCount) - 1;
        return ask(m.endpoint, ["CLUSTER", "ADDSLOTSRANGE", first, last]);
      }),
    );
    // Distinct config epochs before they meet, as redis-cli --cluster create does.
    await Promise.all(ordered.map((p, i) => ask(p.endpoint, ["CLUSTER", "SET-CONFIG-EPOCH", i + 1])));
    const [first] = ordered;
    if (!first) throw new Error("no node");
    for (const p of ordered.slice(1)) await ask(first.endpoint, ["CLUSTER", "MEET", HOST, p.port, busPortOf(p)]);
    const ids = new Map<number, string>();
    await waitUntil("the cluster's nodes to know each other", READY_TIMEOUT_MS, async () => {
      for (const p of ordered) {
        const reply = await tryAsk(p.endpoint, ["CLUSTER", "NODES"]);
        if (typeof reply !== "string") return notYet(`node ${p.port}: ${String(reply)}`);
        const lines = parseClusterNodes(reply);
        const known = lines.filter((l) => !l.flags.includes("handshake") && !l.flags.includes("noaddr")).length;
        if (known !== total) return notYet(`node ${p.port} knows ${known} of ${total} nodes`);
        for (const l of lines) ids.set(l.port, l.id);
      }
      return true;
    });
    await Promise.all(
      replicas.map((r, j) => {
        const master = masters[Math.floor(j / replicasPerMaster)];
        const id = master && ids.get(master.port);
        if (!id) throw new Error(`no node id for the master of ${r.port}`);
        return ask(r.endpoint, ["CLUSTER", "REPLICATE", id]);
      }),
    );
    const healthy = (): Promise<true> =>
      waitUntil("the cluster to be healthy", READY_TIMEOUT_MS, async () => {
        const running = ordered.filter((p) => p.running);
        const problem = await clusterProblem(running, masterCount);
        return problem === undefined ? true : notYet(problem);
      });
    await healthy();

    const byPort = (port: number): RedisProcess => {
      const p = ordered.find((x) => x.port === port);
      if (!p) throw new Error(`no node of this cluster on port ${port}`);
      return p;
    };
    const nodes = ordered.map((p) => p.endpoint);
    return {
      nodes,
      masters: masters.map((p) => p.endpoint),
      nodesSetting: setting(nodes),
      dir,
      async killNode(port) {
        await byPort(port).kill();
      },
      async restartNode(port) {
        await byPort(port).launch();
        if (ordered.every((p) => p.running)) await healthy();
      },
      async ownerOfSlot(slot) {
        if (!Number.isInteger(slot) || slot < 0 || slot >= SLOTS) throw new Error(`no slot ${slot}`);
        let last: unknown;
        for (const p of ordered.filter((x) => x.running)) {
          try {
            const range = (await clusterSlots(p.endpoint)).find(([start, end]) => start <= slot && slot <= end);
            if (range) return nodeOf(range[2]);
            last = new Error(`node ${p.port} knows no owner of slot ${slot}`);
          } catch (err) {
            last = err;
          }
        }
        throw last instanceof Error ? last : new Error("no running node");
      },
      stop: () => stopAll(ordered, dir),
    };
  } catch (err) {
    await stopAll(procs, dir);
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------
// Sentinel

/** `serverArgs`: more redis-server arguments for the data nodes (not the sentinels), as for startRedisCluster. */
export async function startRedisSentinelSet(
  options: {
    replicas?: number;
    sentinels?: number;
    masterName?: string;
    downAfterMs?: number;
    failoverTimeoutMs?: number;
    serverArgs?: string[];
  } = {},
): Promise<RedisSentinelSet> {
  const replicaCount = options.replicas ?? 1;
  const sentinelCount = options.sentinels ?? 3;
  const masterName = options.masterName ?? "pixout-main";
  const downAfterMs = options.downAfterMs ?? 1_000;
  const failoverTimeoutMs = options.failoverTimeoutMs ?? 5_000;
  if (!Number.isInteger(replicaCount) || replicaCount < 0) throw new Error("replicas must be a whole number ≥ 0");
  if (!Number.isInteger(sentinelCount) || sentinelCount < 1) throw new Error("sentinels must be a whole number ≥ 1");
  const quorum = Math.floor(sentinelCount / 2) + 1; // 2 of 3
  const dir = makeDir("redis-sentinel");
  const data: RedisProcess[] = [];
  const watchers: RedisProcess[] = [];
  const everything = (): RedisProcess[] => [...watchers, ...data];
  try {
    const dataNode =
      (replicaOf?: number) =>
      (ports: number[]): RedisProcess => {
        const port = ports[0] ?? 0;
        const log = join(dir, `redis-${port}.log`);
        const argv = [
          "--port",
          String(port),
          "--bind",
          HOST,
          "--dir",
          dir,
          "--logfile",
          log,
          ...dataNodeArgs(port, options.serverArgs),
        ];
        if (replicaOf !== undefined) argv.push("--replicaof", HOST, String(replicaOf));
        return new RedisProcess(port, argv, log);
      };
    const [first] = await launchMany(1, 1, dataNode(), data);
    if (!first) throw new Error("no master");
    await launchMany(replicaCount, 1, dataNode(first.port), data);
    // Replicas linked before the sentinels start: a sentinel learns the replicas from the master's INFO,
    // which it asks for once at first and then every 10 s.
    await waitUntil("the replicas to sync", READY_TIMEOUT_MS, async () => {
      for (const r of data.slice(1)) {
        const link = parseInfo(String(await tryAsk(r.endpoint, ["INFO", "replication"])))["master_link_status"];
        if (link !== "up") return notYet(`replica ${r.port}: master_link_status:${String(link)}`);
      }
      return true;
    });

    await launchMany(
      sentinelCount,
      1,
      ([port = 0]) => {
        const conf = join(dir, `sentinel-${port}.conf`);
        const log = join(dir, `sentinel-${port}.log`);
        // Sentinel rewrites its config file (its id, the replicas and sentinels it found, each failover):
        // one writable file per sentinel.
        writeFileSync(
          conf,
          [
            `port ${port}`,
            `bind ${HOST}`,
            `dir ${dir}`,
            `logfile ${log}`,
            "sentinel resolve-hostnames no",
            "sentinel announce-hostnames no",
            `sentinel monitor ${masterName} ${HOST} ${first.port} ${quorum}`,
            `sentinel down-after-milliseconds ${masterName} ${downAfterMs}`,
            `sentinel failover-timeout ${masterName} ${failoverTimeoutMs}`,
            `sentinel parallel-syncs ${masterName} 1`,
            "",
          ].join("\n"),
        );
        return new RedisProcess(port, [conf, "--sentinel"], log);
      },
      watchers,
    );

    await waitUntil("the sentinels to know the master, its replicas and each other", READY_TIMEOUT_MS, async () => {
      for (const s of watchers) {
        const where = `sentinel ${s.port}`;
        const master = pairs(await tryAsk(s.endpoint, ["SENTINEL", "MASTER", masterName]));
        if (master["flags"] !== "master" || master["port"] !== String(first.port))
          return notYet(`${where}: master ${master["port"] ?? "?"} flags ${master["flags"] ?? "?"}`);
        const replicasReply = await tryAsk(s.endpoint, ["SENTINEL", "REPLICAS", masterName]);
        const replicas = Array.isArray(replicasReply) ? replicasReply.map(pairs) : [];
        const good = replicas.filter((r) => r["flags"] === "slave" && r["master-link-status"] === "ok").length;
        if (good !== replicaCount) return notYet(`${where} sees ${good} of ${replicaCount} replicas linked`);
        const peersReply = await tryAsk(s.endpoint, ["SENTINEL", "SENTINELS", masterName]);
        const peers = Array.isArray(peersReply)
          ? peersReply.map(pairs).filter((p) => p["flags"] === "sentinel").length
          : 0;
        if (peers !== sentinelCount - 1)
          return notYet(`${where} sees ${peers} of ${sentinelCount - 1} other sentinels`);
      }
      return true;
    });

    const sentinels = watchers.map((s) => s.endpoint);
    const master = async (): Promise<Endpoint> => {
      let last: unknown;
      for (const s of watchers.filter((x) => x.running)) {
        const reply = await tryAsk(s.endpoint, ["SENTINEL", "GET-MASTER-ADDR-BY-NAME", masterName]);
        if (Array.isArray(reply) && reply.length === 2) return { host: String(reply[0]), port: Number(reply[1]) };
        last = reply;
      }
      throw new Error(`no sentinel names master ${masterName}: ${String(last)}`);
    };
    return {
      masterName,
      sentinels,
      sentinelsSetting: setting(sentinels),
      servers: data.map((p) => p.endpoint),
      dir,
      master,
      async killMaster() {
        const current = await master();
        const proc = data.find((p) => p.port === current.port && p.running);
        if (!proc) throw new Error(`the master ${current.host}:${current.port} is not a running server of this set`);
        await proc.kill();
        return current;
      },
      waitForFailover(old, timeoutMs = downAfterMs + 3 * failoverTimeoutMs + 5_000) {
        return waitUntil(`a failover away from ${old.host}:${old.port}`, timeoutMs, async () => {
          // Every running sentinel must name the same new master (they agree within ~2 s, through their
          // hello messages), so that master() and the clients' sentinel look-ups all see it.
          const named: Endpoint[] = [];
          for (const s of watchers.filter((x) => x.running)) {
            const reply = await tryAsk(s.endpoint, ["SENTINEL", "GET-MASTER-ADDR-BY-NAME", masterName]);
            if (!Array.isArray(reply) || reply.length !== 2)
              return notYet(`sentinel ${s.port} answered ${String(reply)}`);
            const ep = { host: String(reply[0]), port: Number(reply[1]) };
            if (ep.host === old.host && ep.port === old.port)
              return notYet(`sentinel ${s.port} still names the old master`);
            named.push(ep);
          }
          const [candidate] = named;
          if (!candidate) return notYet("no sentinel running");
          if (named.some((ep) => ep.host !== candidate.host || ep.port !== candidate.port))
            return notYet(`the sentinels name ${named.map((ep) => ep.port).join(", ")}`);
          const role = await tryAsk(candidate, ["ROLE"]);
          if (!Array.isArray(role) || role[0] !== "master")
            return notYet(`${candidate.port} answers ROLE ${Array.isArray(role) ? String(role[0]) : String(role)}`);
          return candidate;
        });
      },
      async forceFailover() {
        const s = watchers.find((x) => x.running);
        if (!s) throw new Error("no sentinel running");
        return tryAsk(s.endpoint, ["SENTINEL", "FAILOVER", masterName]);
      },
      async restartServer(port) {
        const proc = data.find((p) => p.port === port);
        if (!proc) throw new Error(`no data node of this set on port ${port}`);
        await proc.launch();
      },
      stop: () => stopAll(everything(), dir),
    };
  } catch (err) {
    await stopAll(everything(), dir);
    throw err;
  }
}
