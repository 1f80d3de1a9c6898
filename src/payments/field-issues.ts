// Field-level problems of an input, in the words producers and operators read (docs/design.md §2.6).
import type { z } from "zod";

export interface FieldIssue {
  /** Dotted path of the field, e.g. `recipient.key` (empty for the whole document). */
  field: string;
  message: string;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; issues: FieldIssue[] };

/** zod 4 does not keep the input on issues; a missing field is an invalid_type that received undefined. */
export function isMissing(issue: z.core.$ZodIssue): boolean {
  return issue.code === "invalid_type" && /received undefined$/.test(issue.message);
}

export function issuesOf(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => {
    const field = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") {
      return {
        field,
        message: `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`,
      };
    }
    if (isMissing(issue)) return { field, message: "is required" };
    if (issue.code === "invalid_union" && field === "recipient") {
      return { field: "recipient.type", message: 'must be "key", "bank" or "brcode"' };
    }
    return { field, message: issue.message };
  });
}

export function describeIssues(issues: readonly FieldIssue[]): string {
  return issues.map((i) => (i.field === "" ? i.message : `${i.field}: ${i.message}`)).join("; ");
}
