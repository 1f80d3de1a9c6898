// `--since` / `--until` of the webhook commands: an instant given as a time ago (`90m`, `2h`, `3d`), a
// São Paulo calendar date (its first instant), or a date-time with its offset. Pure: `now` is a parameter.
import { isIsoDate, parseOffsetDateTime, saoPauloStartOfDay } from "../../payments/calendar.js";

const AGO = /^(\d{1,6})([smhd])$/;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export const MOMENT_FORMS =
  "a time ago (90m, 2h, 3d), a São Paulo date (2026-12-04) or a date-time with its offset (2026-12-04T09:30-03:00)";

/** Nothing of Pix (2020) or of pixout is older: an earlier instant is a typo. */
const EARLIEST = Date.UTC(2020, 0, 1);

/** Epoch ms of `text` at instant `now`, or undefined when it is none of the accepted forms. */
export function parseMoment(text: string, now: number): number | undefined {
  const trimmed = text.trim();
  const ago = AGO.exec(trimmed);
  const at = ago
    ? now - Number(ago[1]) * UNIT_MS[ago[2] as keyof typeof UNIT_MS]
    : isIsoDate(trimmed)
      ? saoPauloStartOfDay(trimmed)
      : parseOffsetDateTime(trimmed);
  return at === undefined || at < EARLIEST ? undefined : at;
}
