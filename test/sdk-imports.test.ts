// What a producer loads when it imports the package (the built entry point, as installed): the SDK's own
// pieces, never node-forge (only a .pfx needs it) nor OpenTelemetry's SDK or exporter (only a worker with
// PIXOUT_TRACING does). Less code loaded is less code that can hurt the producer's process.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

describe("the package's entry point", () => {
  it("loads neither node-forge nor OpenTelemetry's SDK or exporters", () => {
    const script = `
      import { createRequire } from "node:module";
      const sdk = await import("pixout");
      if (typeof sdk.createPayoutProducer !== "function" || typeof sdk.createRedeliveryFilter !== "function") throw new Error("not the SDK");
      const loaded = Object.keys(createRequire(import.meta.url)("module")._cache);
      process.stdout.write(JSON.stringify(loaded));`;
    const loaded = JSON.parse(
      execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: root, encoding: "utf8" }),
    ) as string[];
    expect(loaded.some((p) => p.includes("/node_modules/bullmq/"))).toBe(true);
    for (const unwanted of [
      "/node_modules/node-forge/",
      "/node_modules/@opentelemetry/sdk-",
      "/node_modules/@opentelemetry/exporter-",
    ]) {
      expect(
        loaded.filter((p) => p.includes(unwanted)),
        unwanted,
      ).toEqual([]);
    }
  });
});
