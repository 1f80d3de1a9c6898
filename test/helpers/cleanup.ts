import { afterAll, onTestFinished } from "vitest";

/**
 * Runs `fn` when the current test ends, or after the file's tests when called outside a test. (An
 * `afterAll` registered from inside a test never runs.)
 */
export function cleanupAfter(fn: () => Promise<void> | void): void {
  try {
    onTestFinished(async () => {
      await fn();
    });
  } catch {
    afterAll(async () => {
      await fn();
    });
  }
}
