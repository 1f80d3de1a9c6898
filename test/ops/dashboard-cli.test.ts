// `pixout dashboard` and `pixout dashboard hash-password` as a user runs them (the built bin/pixout.js).
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { describe, expect, inject, it } from "vitest";
import { parsePasswordHash, verifyPassword } from "../../src/ops/dashboard/password.js";
import { removeQueueKeys } from "../../src/queue/cleanup.js";
import { cleanupAfter } from "../helpers/cleanup.js";
import { runCli } from "../helpers/cli.js";

const bin = fileURLToPath(new URL("../../bin/pixout.js", import.meta.url));
const root = fileURLToPath(new URL("../..", import.meta.url));

/** Runs `pixout args…` with `input` on stdin (not a terminal). */
function runWithInput(args: string[], input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: { PATH: process.env["PATH"] }, stdio: ["pipe", "pipe", "pipe"] }); // eslint-disable-line no-restricted-properties -- a clean environment for the child
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(input);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

describe("pixout dashboard", () => {
  const queueEnv = { REDIS_URL: inject("redisUrl"), PIXOUT_QUEUE: `test-${randomUUID().slice(0, 8)}`, PIXOUT_REDIS_PREFIX: `pixout-test-${randomUUID().slice(0, 8)}` };

  it("refuses to start without users (exit 78, saying how to add one), and --no-auth off loopback", async () => {
    const noUsers = await runCli(["dashboard"], { env: queueEnv });
    expect(noUsers.code).toBe(78);
    expect(noUsers.stderr).toMatch(/PIXOUT_DASHBOARD_USERS: is required: .*pixout dashboard hash-password/);
    const open = await runCli(["dashboard", "--no-auth", "--host", "0.0.0.0"], { env: queueEnv });
    expect(open.code).toBe(78);
    expect(open.stderr).toMatch(/--no-auth: is allowed only on a loopback host/);
    const plain = await runCli(["dashboard"], { env: { ...queueEnv, PIXOUT_DASHBOARD_USERS: "ana:operator:my-secret-password" } });
    expect(plain.code).toBe(78);
    expect(plain.stderr).toMatch(/entry 1 \(ana\): the password is in plain text/);
    expect(plain.stderr).not.toContain("my-secret-password");
  });

  it("hash-password reads stdin and prints a hash that verifies; --user and --role print the whole entry", async () => {
    const bare = await runWithInput(["dashboard", "hash-password"], "a long enough password\n");
    expect(bare).toMatchObject({ code: 0, stderr: "" });
    const hash = parsePasswordHash(bare.stdout.trim());
    if ("problem" in hash) throw new Error(hash.problem);
    expect(await verifyPassword("a long enough password", hash)).toBe(true);
    expect(await verifyPassword("a long enough password\n", hash)).toBe(false);
    const entry = await runWithInput(["dashboard", "hash-password", "--user", "ana", "--role", "operator"], "another long password");
    expect(entry.code).toBe(0);
    expect(entry.stdout).toMatch(/^ana:operator:scrypt\.32768\.8\.1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$/);
    const short = await runWithInput(["dashboard", "hash-password"], "short\n");
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/at least 12 characters/);
    expect(short.stdout).toBe("");
    expect((await runWithInput(["dashboard", "hash-password", "--role", "admin"], "")).code).toBe(2);
  });

  it("serves, logs its URL, and stops cleanly on SIGTERM", async () => {
    cleanupAfter(async () => {
      await removeQueueKeys(queueEnv.REDIS_URL, queueEnv.PIXOUT_REDIS_PREFIX);
    });
    const child = spawn(process.execPath, [bin, "dashboard", "--no-auth", "--port", "0"], { cwd: root, env: { PATH: process.env["PATH"], ...queueEnv }, stdio: ["ignore", "pipe", "pipe"] }); // eslint-disable-line no-restricted-properties -- a clean environment for the child
    const lines: string[] = [];
    const exited = once(child, "exit");
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).on("line", (line) => {
        lines.push(line);
        const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)".*"msg":"dashboard listening"/.exec(line);
        if (m?.[1]) resolve(m[1]);
      });
      void exited.then(() => {
        reject(new Error(`exited before listening: ${lines.join("\n")}`));
      });
    });
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: "ok" });
    child.kill("SIGTERM");
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
    expect(lines.some((l) => l.includes('"msg":"dashboard stopped"'))).toBe(true);
  });
});
