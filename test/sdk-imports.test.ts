// What a producer loads when it imports the package (the built entry point, as installed): the SDK's own
// pieces, never node-forge (only a .pfx needs it), undici (the bank client's, the notification deliveries'
// and the emulator's) nor any of OpenTelemetry (the bank client's spans, and the SDK a worker with
// PIXOUT_TRACING loads; a producer that wants spans passes its own telemetry). Less code loaded is less code
// that can hurt the producer's process. These packages are CommonJS: Node's require cache lists them even
// when they are imported.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

describe("the package's entry point", () => {
  it("loads neither node-forge, undici nor OpenTelemetry", () => {
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
    for (const unwanted of ["/node_modules/node-forge/", "/node_modules/undici/", "/node_modules/@opentelemetry/"]) {
      expect(
        loaded.filter((p) => p.includes(unwanted)),
        unwanted,
      ).toEqual([]);
    }
  });
});
