import { fileURLToPath } from "node:url";

const preload = fileURLToPath(new URL("../clock/moved-clock.mjs", import.meta.url));

/**
 * Environment that moves a child process's clock to this process's (moved) now, when this test runs in a
 * moved-clock project (vitest.config.ts); empty otherwise. Child and test then agree on what today is.
 */
export function movedClockEnv(): Record<string, string> {
  // eslint-disable-next-line no-restricted-properties -- set by the vitest project, not a setting of pixout
  if (!process.env["PIXOUT_TEST_CLOCK_AT"]) return {};
  // Quoted (a path with spaces), after whatever NODE_OPTIONS the test run itself has.
  const inherited = process.env["NODE_OPTIONS"] ?? ""; // eslint-disable-line no-restricted-properties -- the test run's own
  return {
    PIXOUT_TEST_CLOCK_AT: new Date().toISOString(),
    NODE_OPTIONS: `${inherited} --import=${JSON.stringify(preload)}`.trim(),
  };
}
