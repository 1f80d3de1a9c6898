/** Exit codes of `pixout` (documented in docs/operating/cli.md and `pixout --help`). */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  /** sysexits EX_CONFIG: a setting is wrong; the message lists every one. */
  config: 78,
} as const;

/** An expected failure with a message for the user (no stack trace). */
export class UserError extends Error {
  override readonly name = "UserError";
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
  }
}
