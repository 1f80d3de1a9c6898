// The `reason` an operator gives for an action that changes the fleet (a retry, a resume): it is kept (the
// audit, the log, an upstream event), so it is required, bounded and free of control and bidirectional
// characters. One rule for every action, and one way of saying what is wrong with a request body.
import { z } from "zod";
import { freeTextProblem } from "../../payments/text.js";

export const auditedReason = z
  .string({ error: "is required (it is audited)" })
  .trim()
  .min(1, "is required (it is audited)")
  .max(500, "must have at most 500 characters")
  .superRefine((text, ctx) => {
    const problem = freeTextProblem(text);
    if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
  });

/** Each issue as `field: what is wrong` (unknown fields named), for a 400's `problems`. */
export function bodyProblems(error: z.ZodError): string[] {
  return error.issues.map(
    (i) =>
      `${i.path.map(String).join(".") || "body"}: ${i.code === "unrecognized_keys" ? `unknown field${i.keys.length > 1 ? "s" : ""} ${i.keys.join(", ")}` : i.message}`,
  );
}
