// How wrong settings are reported: every problem found in one start, gathered into one ConfigError (the CLI
// exits 78 with it), each named by its setting and saying what to do.
import type { z } from "zod";
import { isMissing } from "../payments/field-issues.js";
import type { CredentialProblem } from "../tls/client-credentials.js";

/** The settings as the process got them: its environment over ./.env (readEnvironment), or a test's. */
export type Environment = Record<string, string | undefined>;

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: CredentialProblem[]) {
    super(
      `pixout cannot start: ${String(problems.length)} setting${problems.length === 1 ? " is" : "s are"} wrong\n` +
        problems.map((p) => `  ${p.setting}: ${p.message}`).join("\n") +
        "\nSee .env.example for every setting.",
    );
  }
}

/** Drops empty values: `INTER_ACCOUNT=` in a .env file means "not set". */
export function withoutEmpty(env: Environment): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ""),
  );
}

/** One problem per zod issue, named by its setting ("is required" for a missing one). */
export function zodProblems(error: z.ZodError): CredentialProblem[] {
  return error.issues.map((issue) => ({
    setting: issue.path.map(String).join(".") || "environment",
    message: isMissing(issue) ? "is required" : issue.message,
  }));
}
