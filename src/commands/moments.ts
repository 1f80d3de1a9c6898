// `--since` / `--until` of the webhook commands: an instant given as a time ago (`90m`, `2h`, `3d`), a
// São Paulo calendar date (its first instant), or a date-time with its offset. Pure: `now` is a parameter.
import { isIsoDate, parseOffsetDateTime, saoPauloStartOfDay } from "../payments/calendar.js";

const AGO = /^(\d{1,6})([smhd])$/;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export const MOMENT_FORMS = "a time ago (90m, 2h, 3d), a São Paulo date (2026-12-04) or a date-time with its offset (2026-12-04T09:30-03:00)";

/** Epoch ms of `text` at instant `now`, or undefined when it is none of the accepted forms. */
export function parseMoment(text: string, now: number): number | undefined {
  const ago = AGO.exec(text.trim());
  if (ago) return now - Number(ago[1]) * UNIT_MS[ago[2] as keyof typeof UNIT_MS];
  if (isIsoDate(text)) return saoPauloStartOfDay(text);
  return parseOffsetDateTime(text);
}
