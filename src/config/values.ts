// The kinds of value settings take, as zod schemas from the text of a variable to a typed value. Each
// carries, in its metadata, how the settings reference (docs/operating/settings.md) names what it takes:
// `.meta({ takes })`, and `.meta({ unset })` where what applies when unset is not a fixed default.
import { z } from "zod";

/**
 * A number as a setting is written: digits, and a decimal point where a fraction makes sense. `1e3`, `0x10`,
 * `Infinity` or `1_000` are refused rather than read as something the operator may not have meant.
 */
export function digits(decimal = false) {
  return z
    .string()
    .trim()
    .regex(
      decimal ? /^\d{1,15}(\.\d{1,6})?$/ : /^\d{1,15}$/,
      decimal
        ? "must be a number written in digits, like 2 or 0.5"
        : "must be a whole number written in digits, like 4",
    )
    .transform(Number);
}

export const wholeNumber = () => digits().pipe(z.number().int()).meta({ takes: "whole number" });
export const decimalNumber = () => digits(true).pipe(z.number()).meta({ takes: "number" });
export const positiveInt = (fallback: number) =>
  wholeNumber().pipe(z.number().positive()).default(fallback).meta({ takes: "whole number ≥ 1" });
export const nonNegativeInt = (fallback: number) => wholeNumber().default(fallback);
const positive = () => decimalNumber().pipe(z.number().positive()).meta({ takes: "number > 0" });
export const positiveNumber = (fallback: number) => positive().default(fallback);
export const optionalPositiveNumber = () => positive().optional();
/** A "true" / "false" setting, as a boolean. */
export const flag = (fallback: boolean) =>
  z
    .enum(["true", "false"], { error: "must be true or false" })
    .default(fallback ? "true" : "false")
    .transform((v) => v === "true");
/** The path of a file, read in the second phase (load.ts). */
export const filePath = () => z.string().min(1).optional().meta({ takes: "path of a file" });

/** A setting's line in the settings reference, for settings whose schema is not in src/config/. */
export interface SettingNotes {
  description: string;
  /** What it takes, when the schema does not say it plainly. */
  takes?: string;
  /** What applies when it is unset (markdown: a value in backticks, or words). */
  unset?: string;
}
