// `scheduledFor`: a São Paulo calendar date, today or later when the payment is written (a payment for a
// past day would silently pay now). The worker reads jobs long after they were written, so it checks the
// format only: `today` is a parameter, given by producers. Pure.
import { compareIsoDates, isIsoDate } from "./calendar.js";

/** Why `date` cannot be a payment's `scheduledFor` on São Paulo day `today`, or undefined when it can. */
export function scheduledForProblem(date: string, today?: string): string | undefined {
  if (!isIsoDate(date)) return "must be a date as YYYY-MM-DD";
  if (today !== undefined && compareIsoDates(date, today) < 0) {
    return `must not be in the past: today is ${today} in São Paulo (America/Sao_Paulo); leave it out to pay now`;
  }
  return undefined;
}
