import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanupAfter } from "./cleanup.js";

/** A temporary folder removed after the file's tests. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `pixout-${prefix}-`));
  cleanupAfter(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}
