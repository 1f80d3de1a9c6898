// Checks that every reference in the repository's text files resolves inside the repository, so that a
// maintainer who clones it can follow each "why" a comment or a page points at (docs/design.md §4):
// - a path of the repository (`src/…`, `test/…`, `scripts/…`, `docs/…`, `bin/…`, `.ci/…`, `.github/…`) that
//   exists — `dist/…` counts as existing when the `src/…` it is built from does;
// - a relative markdown link, resolved from the linking file;
// - a numbered section — a page's path followed by `§N.N`, or in a page a bare `§N.N`, meaning that page —
//   whose numbered heading (`## N. …`, `### N.N …`) exists;
// - no design or inter-api page named without its docs/ path, no path to the project's old shared folder
//   outside the repository, no issue numbers (the reason must be written out instead).
// URLs, npm package names, other repositories' paths (`owner/repo/path`), RFC sections and placeholders (`*`,
// `<…>`, `{…}`, `…`) are not references to this repository. A line with `check-references: ignore` is skipped.
//
// Usage: tsx scripts/check-references.ts [--root DIR]. Exit 0 when every reference resolves; 1, listing each
// bad one as file:line, otherwise; 2 when the files cannot be listed.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, posix, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export interface Problem {
  file: string;
  line: number;
  reference: string;
  why: string;
}

const IGNORE_MARKER = "check-references: ignore";
const SECTION = "\u00a7";

/** The files whose text is checked: by extension, plus a few named ones. */
export function isCheckedFile(path: string): boolean {
  if (path === "package-lock.json") return false;
  if (path === ".env.example" || path === ".ci/run") return true;
  return /\.(?:ts|js|mjs|md|ya?ml|json|sh)$/.test(path);
}

/** The repository's files: tracked ones and new ones git does not ignore, as long as they exist. */
export function repositoryFiles(root: string): string[] {
  const out = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const files = out
    .split("\0")
    .filter((f) => f !== "" && existsSync(join(root, f)) && statSync(join(root, f)).isFile());
  return [...new Set(files)].sort();
}

/** What exists: every file, and every folder that holds one. */
function existing(files: readonly string[]): Set<string> {
  const known = new Set<string>();
  for (const file of files) {
    known.add(file);
    let dir = posix.dirname(file);
    while (dir !== "." && !known.has(dir)) {
      known.add(dir);
      dir = posix.dirname(dir);
    }
  }
  return known;
}

/** The numbered headings of a markdown text: `## 2. Invariants` → "2", `### 2.5 …` → "2.5". */
export function numberedSections(markdown: string): Set<string> {
  const sections = new Set<string>();
  let fenced = false;
  for (const line of markdown.split("\n")) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (fenced) continue;
    const m = /^#{1,6}\s+(\d+(?:\.\d+)*)\.?\s/.exec(line);
    if (m?.[1] !== undefined) sections.add(m[1]);
  }
  return sections;
}

// A path of this repository, at the start of a word (not inside a URL or another repository's path).
const PREFIXES = "src|test|scripts|docs|bin|dist|\\.ci|\\.github";
const PATH = new RegExp(`(?<![\\w/.@~$:#-])(?:\\./)?((?:${PREFIXES})/[\\w.\\-/]*\\w)`, "g");
// A markdown link's target: `](target)`.
const LINK = /\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g;
// Sections right after a reference: ` §N.N`, and more after a comma, a slash, `and` or `or`.
const CHAIN = new RegExp(`^(?:\\s*(?:,|/|and|or)?\\s*${SECTION}(\\d+(?:\\.\\d+)*))+`);
const CHAIN_ITEM = new RegExp(`${SECTION}(\\d+(?:\\.\\d+)*)`, "g");
const BARE_SECTION = new RegExp(`${SECTION}(\\d+(?:\\.\\d+)*)`, "g");
const OUTSIDE_DOC = /(?<![\w/.-])(DESIGN\.md|inter-api\.md)\b/g;
const SHARED = /(?:\.\.\/)+shared\b|\/work\/shared\b/g;
const ISSUE = /\b[Ii]ssues?\s*#?\s*\d+/g;
const PLACEHOLDER = /[*<>{}…$[\]]|\.\.\./;

/** The whole word a match sits in (up to spaces and quotes), to tell a placeholder from a path. */
function wordAround(line: string, start: number, end: number): string {
  let a = start;
  let b = end;
  while (a > 0 && !/[\s"'`(]/.test(line[a - 1] ?? " ")) a--;
  while (b < line.length && !/[\s"'`),;]/.test(line[b] ?? " ")) b++;
  return line.slice(a, b);
}

/** `dist/<x>.js` (or `.d.ts`, `.js.map`) is built from `src/<x>.ts`: it exists when that does. */
function builtFrom(path: string): string | undefined {
  if (!path.startsWith("dist/")) return undefined;
  const rest = path.slice("dist/".length).replace(/\.d\.ts$|\.js\.map$|\.js$/, "");
  return rest === path.slice("dist/".length) ? `src/${rest}` : `src/${rest}.ts`;
}

/** Spans of a line that are markdown link texts `[…](` or link targets `(…)`: bare page names there are fine. */
function linkSpans(line: string): [number, number][] {
  const spans: [number, number][] = [];
  for (const m of line.matchAll(/\[[^\]]*\]\([^)]*\)/g)) spans.push([m.index, m.index + m[0].length]);
  return spans;
}

export function findProblems(root: string, files: readonly string[]): Problem[] {
  const known = existing(files);
  const sectionCache = new Map<string, Set<string> | undefined>();
  const sectionsOf = (path: string): Set<string> | undefined => {
    if (!sectionCache.has(path))
      sectionCache.set(
        path,
        known.has(path) && path.endsWith(".md") ? numberedSections(readFileSync(join(root, path), "utf8")) : undefined,
      );
    return sectionCache.get(path);
  };
  const exists = (path: string): boolean => {
    const clean = path.replace(/\/+$/, "");
    if (known.has(clean)) return true;
    // ESM imports name a TypeScript file by its `.js` suffix.
    if (clean.endsWith(".js") && known.has(clean.replace(/\.js$/, ".ts"))) return true;
    const source = builtFrom(clean);
    return source !== undefined && known.has(source);
  };
  const problems: Problem[] = [];

  for (const file of files) {
    if (!isCheckedFile(file)) continue;
    const text = readFileSync(join(root, file), "utf8");
    const markdown = file.endsWith(".md");
    const ownSections = markdown ? numberedSections(text) : undefined;
    let fenced = false;
    // A page named at the end of the previous line, whose sections may begin this one.
    let pending: string | undefined;
    text.split("\n").forEach((line, index) => {
      const at = index + 1;
      if (markdown && /^\s*(```|~~~)/.test(line)) fenced = !fenced;
      const carried = pending;
      pending = undefined;
      if (line.includes(IGNORE_MARKER)) return;
      const reported = new Set<string>();
      const report = (reference: string, why: string): void => {
        // A path that is also a link's target is one reference.
        if (reported.has(reference)) return;
        reported.add(reference);
        problems.push({ file, line: at, reference, why });
      };
      // Where a § chain begins that belongs to a document named just before it.
      const claimed = new Set<number>();
      // The last page named on this line, and where its name ends.
      const last = { doc: "", end: -1 };
      const checkChain = (doc: string, after: number): void => {
        last.doc = doc;
        last.end = after;
        const chain = CHAIN.exec(line.slice(after));
        if (!chain) return;
        last.end = after + chain[0].length;
        const sections = sectionsOf(doc);
        for (const item of chain[0].matchAll(CHAIN_ITEM)) {
          claimed.add(after + item.index);
          const id = item[1] ?? "";
          if (sections !== undefined && !sections.has(id))
            report(`${doc} ${SECTION}${id}`, `${doc} has no numbered heading ${id}`);
        }
      };

      if (carried !== undefined) {
        const lead = /^\s*(?:\/\/|\*|#)?/.exec(line)?.[0].length ?? 0;
        checkChain(carried, lead);
        last.end = -1;
      }

      for (const m of line.matchAll(PATH)) {
        const path = m[1] ?? "";
        const word = wordAround(line, m.index, m.index + m[0].length);
        if (PLACEHOLDER.test(word)) continue;
        if (!exists(path)) {
          report(path, "no such file or folder in the repository");
          continue;
        }
        checkChain(path, m.index + m[0].length);
      }

      if (markdown) {
        for (const m of line.matchAll(LINK)) {
          const target = m[1] ?? "";
          if (/^[a-z][\w+.-]*:/i.test(target) || target.startsWith("#") || target.startsWith("<")) continue;
          const path = target.replace(/[#?].*$/, "");
          if (path === "" || PLACEHOLDER.test(path)) continue;
          const resolved = path.startsWith("/")
            ? path.slice(1)
            : posix.normalize(posix.join(posix.dirname(file), path));
          if (resolved.startsWith("../") || !exists(resolved)) {
            report(target, `the link resolves to ${resolved}, which is not in the repository`);
            continue;
          }
          checkChain(resolved, m.index + m[0].length);
        }
      }

      // A page at the end of the line, or a list of its sections that goes on: the next line may carry more.
      if (last.end >= 0 && last.doc.endsWith(".md") && /^[\s(]*(?:,|and|or)?\s*$/.test(line.slice(last.end)))
        pending = last.doc;

      // Bare § sections: in a page, its own; elsewhere (code), they must name their document — RFCs aside.
      for (const m of line.matchAll(BARE_SECTION)) {
        if (claimed.has(m.index)) continue;
        const before = line.slice(0, m.index);
        if (/\bRFC\s*\d+\s*$/.test(before)) continue;
        // A chain continued from an RFC: "RFC 8446 §6.2, §7".
        if (/\bRFC\s*\d+\s*(?:\u00a7[\d.]+\s*(?:,|and|or|\/)\s*)+$/.test(before)) continue;
        const id = m[1] ?? "";
        if (markdown && !fenced) {
          if (!ownSections?.has(id)) report(`${SECTION}${id}`, `this page has no numbered heading ${id}`);
        } else if (!markdown) {
          report(`${SECTION}${id}`, "a section without its document: write docs/<page>.md before it");
        }
      }

      const links = markdown ? linkSpans(line) : [];
      for (const m of line.matchAll(OUTSIDE_DOC)) {
        if (links.some(([a, b]) => m.index >= a && m.index < b)) continue;
        report(m[1] ?? "", "a page named without its path: write docs/design.md or docs/reference/inter-api.md");
      }
      for (const m of line.matchAll(SHARED))
        report(m[0], "a path outside the repository: point at the docs page that says it");
      for (const m of line.matchAll(ISSUE)) report(m[0], "an issue number: write the reason out instead");
    });
  }
  return problems;
}

export function formatProblem(p: Problem): string {
  return `${p.file}:${String(p.line)}: ${p.reference} — ${p.why}`;
}

function main(argv: string[]): number {
  const at = argv.indexOf("--root");
  const given = at >= 0 ? argv[at + 1] : undefined;
  const root = resolve(given ?? join(dirname(fileURLToPath(import.meta.url)), ".."));
  let files: string[];
  try {
    files = repositoryFiles(root);
  } catch {
    console.error(
      `check-references: cannot list the files of ${root} with git ls-files: run it inside a git checkout, or pass --root DIR`,
    );
    return 2;
  }
  const problems = findProblems(root, files);
  const checked = files.filter(isCheckedFile).length;
  if (problems.length === 0) {
    console.log(`check-references: every reference resolves (${String(checked)} files)`);
    return 0;
  }
  for (const p of problems) console.error(formatProblem(p));
  console.error(
    `check-references: ${String(problems.length)} bad references in ${String(new Set(problems.map((p) => p.file)).size)} of ${String(checked)} files (${relative(process.cwd(), root) || "."})`,
  );
  return 1;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
