// A reader that stops reading (`pixout --help | head -1`) closes the pipe: pixout ends as it would have,
// without an EPIPE stack trace.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../bin/pixout.js", import.meta.url));

describe("a closed output pipe", () => {
  it("ends the command as usual, with no stack trace", async () => {
    // The completion script is long: it is still being written when the reader has gone.
    const child = spawn(process.execPath, [bin, "completion", "bash"], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, "exit")) as [number | null];
    expect(stderr).not.toMatch(/EPIPE|Error/);
    expect(code).toBe(0);
  });
});
