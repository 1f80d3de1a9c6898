// `npm run package:check`: the package as npm would publish it. Packs it (`npm pack`, whose prepack builds
// dist/), then checks the tarball:
//   - every dist/ file comes from a source of today's src/ (a stale file of a renamed module is not shipped);
//   - every file the built code names to its user (docs/…, .env.example, certs/README.md) is in the package;
//   - publint (package.json's fields, exports and files) and Are the Types Wrong (each entry point's types
//     resolve as its JavaScript does; ESM-only, as pixout is).
// test/package/install.test.ts installs the same tarball into an empty project and uses both entry points.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = (name: string): string => join(root, "node_modules", ".bin", name);

interface PackResult {
  filename: string;
  files: { path: string }[];
}

function run(command: string, args: string[], cwd = root): string {
  return execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
}

/**
 * Files the built code names to its user (in its strings: messages, help, metric descriptions; comments are
 * for readers of the source), read from the unpacked package: they must ship with it.
 */
function namedFiles(unpacked: string, shipped: Set<string>): Set<string> {
  const named = new Set<string>();
  const pattern = /(?<![\w/.-])(docs\/[\w/.-]*[\w-]\.(?:md|json)|\.env\.example|certs\/README\.md)/g;
  for (const path of shipped) {
    if (!path.endsWith(".js")) continue;
    const file = join(unpacked, path);
    const source = ts.createSourceFile(
      file,
      readFileSync(file, "utf8"),
      ts.ScriptTarget.Latest,
      false,
      ts.ScriptKind.JS,
    );
    const visit = (node: ts.Node): void => {
      if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node))
        for (const m of node.text.matchAll(pattern)) named.add(m[1] ?? "");
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return named;
}

const dir = mkdtempSync(join(tmpdir(), "pixout-pack-"));
try {
  const [packed] = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", dir])) as PackResult[];
  if (packed === undefined) throw new Error("npm pack wrote no tarball");
  const tarball = join(dir, packed.filename);
  const shipped = new Set(packed.files.map((f) => f.path));
  const problems: string[] = [];

  for (const path of shipped) {
    const m = /^dist\/(.+?)\.(?:js|d\.ts|js\.map|d\.ts\.map)$/.exec(path);
    if (m !== null && !existsSync(join(root, "src", `${m[1] ?? ""}.ts`)))
      problems.push(`${path} has no source in src/ (stale: remove dist/ and build again)`);
  }
  run("tar", ["-xzf", tarball, "-C", dir]);
  const named = namedFiles(join(dir, "package"), shipped);
  for (const file of named) {
    if (!shipped.has(file)) problems.push(`the built code names ${file}, which the package does not ship`);
  }
  if (problems.length > 0) throw new Error(problems.join("\n"));
  process.stdout.write(
    `${packed.filename}: ${String(shipped.size)} files, every dist/ file built from src/, the ${String(named.size)} files its messages name shipped (${[...named].sort().join(", ")})\n`,
  );

  run(bin("publint"), ["run", "--strict", tarball]);
  process.stdout.write("publint: no problem\n");
  // No @types lookup on the registry: pixout ships its own types.
  process.stdout.write(run(bin("attw"), ["--profile", "esm-only", "--no-definitely-typed", tarball]));
} catch (err) {
  process.stderr.write(`package:check: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
