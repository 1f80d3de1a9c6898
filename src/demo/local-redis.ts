// Redis for the demo: REDIS_URL if something answers there; otherwise a private, throwaway
// redis-server on a free port when one is installed; otherwise a clear message on how to get Redis.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { safeRedisUrl } from "../queue/redis-connection.js";

export interface DemoRedis {
  url: string;
  /** True when the demo started its own redis-server. */
  private: boolean;
  stop(): Promise<void>;
}

async function answers(url: string): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null, connectTimeout: 1_000 });
  probe.on("error", () => undefined);
  try {
    await probe.connect();
    await probe.ping();
    return true;
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (address === null || typeof address === "string") throw new Error("no free port");
  return address.port;
}

export async function demoRedis(url: string): Promise<DemoRedis> {
  if (await answers(url)) return { url, private: false, stop: () => Promise.resolve() };
  const port = await freePort();
  let child: ChildProcess;
  try {
    child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
    await Promise.race([once(child, "spawn"), once(child, "error").then(([e]) => Promise.reject(e as Error))]);
  } catch {
    throw new Error(
      `nothing answers at ${safeRedisUrl(url)} and redis-server is not installed. Start Redis ` +
        `(e.g. "redis-server --daemonize yes --save '' --appendonly no", or "docker run -p 6379:6379 redis:7") or set REDIS_URL.`,
    );
  }
  const privateUrl = `redis://127.0.0.1:${String(port)}`;
  for (let i = 0; i < 100 && !(await answers(privateUrl)); i++) await sleep(50);
  return {
    url: privateUrl,
    private: true,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        await once(child, "exit");
      }
    },
  };
}
