import { defineConfig } from "vitest/config";

/**
 * Tests whose subject is a date: the payment rules, the calendar, the send preview, the CLI's dry runs and
 * the emulator's scheduling. Besides the normal run, each runs again with the wall clock moved to every
 * moment below (test/clock/moved-clock.mjs), so that a test that would break on another day breaks today.
 */
const DATE_SENSITIVE = [
  "test/payments/**/*.test.ts",
  "test/cli-dry-run.test.ts",
  "test/emulator/lifecycle.test.ts",
  "test/emulator/pix.test.ts",
  "test/emulator/validation.test.ts",
  "test/emulator/webhooks.test.ts",
  "test/emulator/payment-state.test.ts",
  "test/notifications/rules.test.ts",
  "test/tls/certificate-status.test.ts",
];

/** São Paulo is UTC−3 (no daylight saving since 2019). */
const MOVED_CLOCKS = {
  // Five minutes before midnight on New Year's Eve in São Paulo: UTC says it is already 2027.
  "year-end": "2026-12-31T23:55:00-03:00",
  "leap-day": "2028-02-29T10:00:00-03:00",
  // The last evening of a month, years ahead (UTC is on the same day, 23:00).
  "2031": "2031-01-31T20:00:00-03:00",
};

export default defineConfig({
  test: {
    globalSetup: ["test/global-setup.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests share one machine's two cores and one Redis; keep parallelism modest.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: "all", include: ["test/**/*.test.ts"] } },
      ...Object.entries(MOVED_CLOCKS).map(([name, at]) => ({
        extends: true as const,
        test: {
          name: `clock ${name}`,
          include: DATE_SENSITIVE,
          // Loads settings with the run's certificates, made on the real clock (test/global-setup.ts).
          exclude: ["test/payments/safety-limits.test.ts"],
          env: { PIXOUT_TEST_CLOCK_AT: at },
          setupFiles: ["test/clock/moved-clock.mjs"],
        },
      })),
    ],
  },
});
