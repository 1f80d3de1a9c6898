// `pixout completion bash|zsh|fish`: scripts generated from the command tree, checked by the shells
// themselves (bash always; zsh and fish where installed), and driven to complete real command lines.
import { execFileSync, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../src/cli/main.js";
import { allCommands, completionTree } from "../src/cli/completion/model.js";
import { runCli } from "./helpers/cli.js";
import { tempDir } from "./helpers/temp-dir.js";

const dir = tempDir("completion");
const has = (shell: string): boolean => spawnSync("sh", ["-c", `command -v ${shell}`]).status === 0;
const tree = completionTree(buildProgram());
const topLevel = tree.subcommands.map((c) => c.name);

async function script(shell: string): Promise<string> {
  const r = await runCli(["completion", shell]);
  expect(r).toMatchObject({ code: 0, stderr: "" });
  const path = join(dir, `pixout.${shell}`);
  writeFileSync(path, r.stdout);
  return path;
}

/** What bash's completion function offers for a command line (the last word is the one being completed). */
function bashComplete(path: string, words: string[]): string[] {
  const program = `source ${JSON.stringify(path)}; COMP_WORDS=(${words.map((w) => JSON.stringify(w)).join(" ")}); COMP_CWORD=${String(words.length - 1)}; _pixout; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return execFileSync("bash", ["-c", program], { encoding: "utf8", cwd: dir }).split("\n").filter(Boolean);
}

describe("pixout completion", () => {
  it("reads every command of the program, nested ones and their options included", () => {
    expect(topLevel).toEqual(
      expect.arrayContaining([
        "doctor",
        "worker",
        "pay",
        "enqueue",
        "status",
        "retry",
        "demo",
        "emulator",
        "certs",
        "webhook",
        "completion",
        "help",
      ]),
    );
    const paths = allCommands(tree).map((c) => c.path.join(" "));
    expect(paths).toEqual(expect.arrayContaining(["pixout certs show", "pixout certs dev", "pixout webhook serve"]));
    const pay = tree.subcommands.find((c) => c.name === "pay");
    expect(pay?.options.find((o) => o.long === "--account-type")?.value).toEqual({
      kind: "choices",
      choices: ["CONTA_CORRENTE", "CONTA_POUPANCA", "CONTA_SALARIO", "CONTA_PAGAMENTO"],
    });
    expect(pay?.options.find((o) => o.long === "--dry-run")?.value).toEqual({ kind: "none" });
  });

  it("bash: a valid script that lists the commands and completes commands, options, choices and files", async () => {
    const path = await script("bash");
    expect(spawnSync("bash", ["-n", path]).status).toBe(0);
    for (const name of topLevel)
      expect(
        execFileSync("bash", ["-c", `source ${path}; _pixout_subcommands pixout`], { encoding: "utf8" }).split(/\s+/),
      ).toContain(name);
    expect(bashComplete(path, ["pixout", ""])).toEqual(topLevel);
    expect(bashComplete(path, ["pixout", "ce"])).toEqual(["certs"]);
    expect(bashComplete(path, ["pixout", "certs", ""])).toEqual(["show", "dev", "help"]);
    expect(bashComplete(path, ["pixout", "pay", "--dr"])).toEqual(["--dry-run"]);
    expect(bashComplete(path, ["pixout", "pay", "--account-type", "CONTA_P"])).toEqual([
      "CONTA_POUPANCA",
      "CONTA_PAGAMENTO",
    ]);
    // An option's value is not taken for a command: "certs" here is a paymentId.
    expect(bashComplete(path, ["pixout", "pay", "--id", "certs", "--js"])).toEqual(["--json"]);
    expect(bashComplete(path, ["pixout", "completion", ""])).toEqual(["bash", "zsh", "fish"]);
    writeFileSync(join(dir, "payouts.jsonl"), "");
    expect(bashComplete(path, ["pixout", "enqueue", "payo"])).toEqual(["payouts.jsonl"]);
  });

  it.skipIf(!has("zsh"))("zsh: a valid script", async () => {
    const path = await script("zsh");
    expect(spawnSync("zsh", ["-n", path]).status).toBe(0);
    const text = execFileSync("cat", [path], { encoding: "utf8" });
    expect(text).toMatch(/^#compdef pixout\n/);
    // Function names use "_" for "-" (dashboard hash-password → _pixout__dashboard__hash_password).
    for (const c of allCommands(tree))
      expect(text).toContain(`_${c.path.map((p) => p.replace(/-/g, "_")).join("__")}() {`);
  });

  it.skipIf(!has("fish"))("fish: a valid script that completes commands, options and choices", async () => {
    const path = await script("fish");
    expect(spawnSync("fish", ["--no-execute", path]).status).toBe(0);
    const complete = (line: string): string[] =>
      execFileSync("fish", ["-c", `source ${path}; complete -C ${JSON.stringify(line)}`], { encoding: "utf8" })
        .split("\n")
        .filter(Boolean)
        .map((l) => l.split("\t")[0] ?? "");
    expect(complete("pixout ce")).toEqual(["certs"]);
    expect(complete("pixout certs ")).toEqual(["dev", "help", "show"]);
    expect(complete("pixout pay --account-type CONTA_S")).toEqual(["CONTA_SALARIO"]);
    expect(complete("pixout pay --id certs --js")).toEqual(["--json"]);
  });

  it("refuses a shell it does not know (exit 2)", async () => {
    const r = await runCli(["completion", "powershell"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /value 'powershell' is invalid for argument 'shell'\. Allowed choices are bash, zsh, fish/,
    );
  });
});
