// Tests that add up one São Paulo day of a real worker's outcomes (daily limits, the overview's day counters)
// run on the real clock, as the worker and the dashboard do: a run that crossed midnight in São Paulo would
// split its payments over two days. Such a test calls this first: within `marginMs` of midnight it waits
// for the new day, so what it adds up always falls on one day, whatever the date or hour CI runs at.
import { saoPauloStartOfDay, saoPauloToday, shiftIsoDate } from "../../src/payments/calendar.js";

/** How long until the next midnight in São Paulo, seen at `nowMs`. */
export function msUntilSaoPauloMidnight(nowMs: number): number {
  return saoPauloStartOfDay(shiftIsoDate(saoPauloToday(nowMs), 1)) - nowMs;
}

/** Resolves once at least `marginMs` of the São Paulo day is left (waiting out midnight when it is not). */
export async function clearOfSaoPauloMidnight(marginMs: number, now: () => number = Date.now): Promise<void> {
  const left = msUntilSaoPauloMidnight(now());
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 1_000));
}
