// One finding of `pixout doctor`: what was checked, how it stands, and the one thing to do about it.

/** `skipped`: could not run because an earlier check failed (that one carries the error). */
export type CheckStatus = "ok" | "warning" | "error" | "skipped";

export interface Check {
  /** Stable identifier, e.g. `certificate.key-permissions` (for scripts reading --json). */
  id: string;
  title: string;
  status: CheckStatus;
  /** What was found, one line. */
  detail: string;
  /** What to do, one line (every status but ok). */
  fix?: string;
}

export const ok = (id: string, title: string, detail: string): Check => ({ id, title, status: "ok", detail });
export const warning = (id: string, title: string, detail: string, fix: string): Check => ({
  id,
  title,
  status: "warning",
  detail,
  fix,
});
export const failure = (id: string, title: string, detail: string, fix: string): Check => ({
  id,
  title,
  status: "error",
  detail,
  fix,
});
export const skipped = (id: string, title: string, why: string): Check => ({
  id,
  title,
  status: "skipped",
  detail: "not checked",
  fix: why,
});
