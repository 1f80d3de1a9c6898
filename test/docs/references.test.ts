// scripts/check-references.ts: every reference in the repository resolves inside it (docs/design.md §4), and in a
// small made-up repository each kind of bad reference is reported at its file and line — and nothing else is.
// The made-up files are written from pieces, so that this file holds no bad reference itself.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { findProblems, formatProblem, numberedSections, repositoryFiles } from "../../scripts/check-references.js";
import { tempDir } from "../helpers/temp-dir.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const script = join(root, "scripts", "check-references.ts");

/** A path from its parts; `S` a section sign; names joined at run time: kept out of this file's own text. */
const p = (...parts: string[]): string => parts.join("/");
const S = "\u00a7";
const DESIGN_NAME = ["DESIGN", "md"].join(".");
const API_NAME = ["inter-api", "md"].join(".");
const ISSUE = ["issue", "#7"].join(" ");
const IGNORE = ["check-references", "ignore"].join(": ");
const DESIGN_PAGE = p("docs", "design.md");
const API_PAGE = p("docs", "reference", API_NAME);

function write(dir: string, file: string, lines: string[]): void {
  mkdirSync(dirname(join(dir, file)), { recursive: true });
  writeFileSync(join(dir, file), `${lines.join("\n")}\n`);
}

/** A repository with a design page, an API page, a README and one source file, each bad reference known. */
function madeUpRepository(): { dir: string; expected: string[] } {
  const dir = tempDir("references");
  execFileSync("git", ["init", "-q"], { cwd: dir });
  write(dir, DESIGN_PAGE, [
    "# Design",
    "## 2. Invariants",
    "### 2.5 Logs",
    `Its own sections: ${S}2.5 and ${S}2 resolve, ${S}7.7 does not.`,
    "[the API](reference/inter-api.md) resolves, [a page](nope.md) does not.",
    "```",
    `## 9. A heading in a code block, and ${S}9 in it: neither counts`,
    "```",
  ]);
  write(dir, API_PAGE, ["# Inter", "## 4. Query", "### 4.1 Status values", `See ${p("..", "design.md")} for why.`]);
  write(dir, "README.md", [`[design](${DESIGN_PAGE}#2-invariants) and [missing](${p("docs", "missing.md")})`]);
  write(dir, p("src", "a.ts"), [
    `// good: ${DESIGN_PAGE} ${S}2.5, ${API_PAGE} ${S}4.1 and ${S}4; RFC 9110 ${S}10.2.3, ${S}10.2.4`,
    `// good: https://example.com/${p("src", "nope.ts")}, @opentelemetry/api, unfoldingcx/inter.js/${p("src", "core.ts")}`,
    `// good: ${p("dist", "a.js")} (built from src), ${p("src", "a.js")} (an ESM import), ${p("docs", "x", "*.md")}, allgood/APInter-PHP#14`,
    `// bad: ${DESIGN_PAGE} ${S}9.9`,
    `// bad: ${p("src", "missing.ts")} and ${p(".ci", "run")}`,
    `// bad: ${DESIGN_NAME} and ${API_NAME}`,
    `// bad: ${p("..", "shared", "notes.md")}`,
    `// bad: ${ISSUE}`,
    `// bad: a bare ${S}4.1`,
    `// ignored: ${p("src", "missing.ts")} ${IGNORE}`,
    `// continued (${API_PAGE}`,
    `// ${S}4.1, ${S}8.8)`,
  ]);
  const expected = [
    `${DESIGN_PAGE}:4 ${S}7.7`,
    `${DESIGN_PAGE}:5 nope.md`,
    `README.md:1 ${p("docs", "missing.md")}`,
    `${p("src", "a.ts")}:4 ${DESIGN_PAGE} ${S}9.9`,
    `${p("src", "a.ts")}:5 ${p("src", "missing.ts")}`,
    `${p("src", "a.ts")}:5 ${p(".ci", "run")}`,
    `${p("src", "a.ts")}:6 ${DESIGN_NAME}`,
    `${p("src", "a.ts")}:6 ${API_NAME}`,
    `${p("src", "a.ts")}:7 ${p("..", "shared")}`,
    `${p("src", "a.ts")}:8 ${ISSUE}`,
    `${p("src", "a.ts")}:9 ${S}4.1`,
    `${p("src", "a.ts")}:12 ${API_PAGE} ${S}8.8`,
  ];
  return { dir, expected };
}

describe("check-references", () => {
  it("finds every reference of the repository resolved", () => {
    const problems = findProblems(root, repositoryFiles(root));
    expect(problems.map(formatProblem)).toEqual([]);
  });

  it("reports each kind of bad reference at its file and line, and nothing else", () => {
    const { dir, expected } = madeUpRepository();
    const problems = findProblems(dir, repositoryFiles(dir));
    expect(problems.map((q) => `${q.file}:${String(q.line)} ${q.reference}`).sort()).toEqual([...expected].sort());
  });

  it("reads numbered headings, outside code blocks only", () => {
    const sections = numberedSections(
      ["## 2. Invariants", "### 2.5 Logs", "## Layout", "```", "## 9. no", "```"].join("\n"),
    );
    expect([...sections]).toEqual(["2", "2.5"]);
  });

  it("as a command: exit 1 with file:line for each bad reference; exit 0 on a clean repository", () => {
    const { dir, expected } = madeUpRepository();
    const bad = spawnSync(process.execPath, ["--import", "tsx", script, "--root", dir], {
      cwd: root,
      encoding: "utf8",
    });
    expect(bad.status).toBe(1);
    for (const line of expected) expect(bad.stderr).toContain(line.replace(" ", ": "));
    expect(bad.stderr).toMatch(new RegExp(`${String(expected.length)} bad references`));

    const clean = tempDir("references-clean");
    execFileSync("git", ["init", "-q"], { cwd: clean });
    write(clean, DESIGN_PAGE, ["## 1. What it is", `See ${S}1.`]);
    write(clean, p("src", "b.ts"), [`// ${DESIGN_PAGE} ${S}1`]);
    const good = spawnSync(process.execPath, ["--import", "tsx", script, "--root", clean], {
      cwd: root,
      encoding: "utf8",
    });
    expect(good.stderr).toBe("");
    expect(good.stdout).toMatch(/every reference resolves \(2 files\)/);
    expect(good.status).toBe(0);
  });
});
