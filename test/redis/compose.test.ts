// docker-compose.ha.yml cannot run here (no Docker engine): what can be checked is that it says what pixout
// reads — the fleet's settings load as a Sentinel set with one replica to wait for, the Sentinels monitor the
// master name the fleet asks for, and every pixout service of the main file is pointed at them.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadQueueSettings } from "../../src/config.js";

interface Service {
  image?: string;
  build?: string;
  environment?: Record<string, string>;
  entrypoint?: string[];
  command?: string[];
}
const load = (file: string): { services: Record<string, Service> } =>
  parse(readFileSync(new URL(`../../${file}`, import.meta.url), "utf8")) as { services: Record<string, Service> };
/** Compose's interpolation of `${VAR:?…}` and `$$`, for the one variable these files use. */
const interpolate = (value: string): string =>
  value.replace(/\$\{REDIS_PASSWORD:\?[^}]*\}/g, "secret-pw").replace(/\$\$/g, "$");

describe("docker-compose.ha.yml", () => {
  const main = load("docker-compose.yml");
  const ha = load("docker-compose.ha.yml");

  it("points every pixout service at the Sentinels, with one replica to wait for", () => {
    const pixout = Object.entries(main.services)
      .filter(([, s]) => s.build !== undefined && s.command?.[0] !== "emulator")
      .map(([name]) => name);
    expect(pixout.sort()).toEqual(["dashboard", "webhook", "worker"]);
    for (const name of pixout) {
      const env = Object.fromEntries(
        Object.entries({ ...main.services[name]?.environment, ...ha.services[name]?.environment }).map(([k, v]) => [
          k,
          interpolate(v),
        ]),
      );
      const settings = loadQueueSettings(env).redis;
      expect(settings).toMatchObject({
        target: { kind: "sentinel", name: "pixout-main", auth: { password: "secret-pw" } },
        waitReplicas: 1,
      });
      if (settings.target.kind !== "sentinel") throw new Error("not a Sentinel set");
      for (const { host } of settings.target.sentinels) expect(ha.services[host]?.image).toBe("redis:7");
    }
  });

  it("runs three Sentinels monitoring that master with a quorum of two, and a replica of it", () => {
    for (const name of ["sentinel-1", "sentinel-2", "sentinel-3"]) {
      const script = interpolate(ha.services[name]?.entrypoint?.join(" ") ?? "");
      expect(script).toMatch(/^\s*sentinel monitor pixout-main redis 6379 2$/m);
      expect(script).toMatch(/sentinel auth-pass pixout-main \$\{REDIS_PASSWORD\}/);
      expect(script).toMatch(/exec redis-server \/data\/sentinel.conf --sentinel/);
    }
    expect(ha.services["redis-replica"]?.command?.join(" ")).toMatch(/--replicaof redis 6379/);
    for (const node of ["redis", "redis-replica"])
      expect(ha.services[node]?.command?.join(" ")).toMatch(/--masterauth \$\{REDIS_PASSWORD/);
  });
});
