// The date formats of Inter's answers (calendar.ts), bound to one memoised São Paulo offset lookup so a
// request that formats several dates asks the time-zone database at most once an hour.
import { createOffsetLookup, formatInterDateTime, formatOffsetDateTime, saoPauloToday } from "../payments/calendar.js";

export interface InterDates {
  /** `YYYY-MM-DD`, São Paulo. */
  today(epochMs: number): string;
  /** `2023-09-30T17:34:00.527` (dataHoraSolicitacao, historico). */
  dateTime(epochMs: number): string;
  /** `2023-09-30 17:34:00.527`: a space instead of the `T` (statement `dataInclusao`). */
  spacedDateTime(epochMs: number): string;
  /** `2023-09-30T17:34:00.663000` (dataHoraMovimento). */
  dateTimeMicros(epochMs: number): string;
  /** `2023-09-30T17:34:00.527-03:00` (webhook criacao, callback dispatch dates). */
  offsetDateTime(epochMs: number): string;
}

export function createInterDates(): InterDates {
  const offsetOf = createOffsetLookup();
  return {
    today: (ms) => saoPauloToday(ms, offsetOf),
    dateTime: (ms) => formatInterDateTime(ms, "millis", offsetOf),
    spacedDateTime: (ms) => formatInterDateTime(ms, "millis", offsetOf).replace("T", " "),
    dateTimeMicros: (ms) => formatInterDateTime(ms, "micros", offsetOf),
    offsetDateTime: (ms) => formatOffsetDateTime(ms, offsetOf),
  };
}
