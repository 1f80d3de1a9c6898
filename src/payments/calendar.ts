// Dates and times the way Banco Inter writes them. Pure functions: every one takes the instant as a
// parameter (epoch milliseconds), so tests need no fake timers (docs/design.md §4).
//
// Inter is a Brazilian bank and its dates are São Paulo dates: `dataPagamento` is today when absent, and the
// callback examples, such as `2023-09-30T17:34:00.663504`, carry no zone (docs/reference/inter-api.md §3.2,
// §5.1). Brazil has had no daylight saving time since 2019, but we still ask the time-zone database instead of
// hard-coding -03:00 so that historical instants come out right.

export const SAO_PAULO_TIME_ZONE = "America/Sao_Paulo";

/** Wall-clock fields of an instant in São Paulo, plus the UTC offset in force then. */
export interface LocalDateTime {
  year: number;
  month: number; // 1–12
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  /** Minutes east of UTC (São Paulo today: -180). */
  offsetMinutes: number;
}

// An Intl formatter is immutable once built; sharing one is not shared mutable state.
const OFFSET_FORMAT = new Intl.DateTimeFormat("en-US", {
  timeZone: SAO_PAULO_TIME_ZONE,
  hourCycle: "h23",
  year: "numeric",
  month: "numeric",
  day: "numeric",
  hour: "numeric",
  minute: "numeric",
  second: "numeric",
});

/** UTC offset of São Paulo at `epochMs`, in minutes (e.g. -180). */
export function saoPauloOffsetMinutes(epochMs: number): number {
  const parts: Record<string, number> = {};
  for (const part of OFFSET_FORMAT.formatToParts(new Date(epochMs))) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  const wallAsUtc = Date.UTC(
    parts["year"] ?? 1970,
    (parts["month"] ?? 1) - 1,
    parts["day"] ?? 1,
    parts["hour"] ?? 0,
    parts["minute"] ?? 0,
    parts["second"] ?? 0,
  );
  const wholeSecond = epochMs - (((epochMs % 1000) + 1000) % 1000);
  return Math.round((wallAsUtc - wholeSecond) / 60_000);
}

/** Looks up São Paulo's UTC offset at an instant; the formatters below take one as their last parameter. */
export type OffsetLookup = (epochMs: number) => number;

/**
 * An OffsetLookup that asks the time-zone database once per UTC hour (offsets only change on the
 * hour) — the Intl call costs microseconds and the emulator formats several dates per request.
 * Each call makes its own memo: no state is shared between callers.
 */
export function createOffsetLookup(): OffsetLookup {
  let hour = Number.NaN;
  let offset = 0;
  return (epochMs) => {
    const h = Math.floor(epochMs / 3_600_000);
    if (h !== hour) {
      offset = saoPauloOffsetMinutes(epochMs);
      hour = h;
    }
    return offset;
  };
}

export function saoPauloDateTime(epochMs: number, offsetOf: OffsetLookup = saoPauloOffsetMinutes): LocalDateTime {
  const offsetMinutes = offsetOf(epochMs);
  const shifted = new Date(epochMs + offsetMinutes * 60_000);
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    hour: shifted.getUTCHours(),
    minute: shifted.getUTCMinutes(),
    second: shifted.getUTCSeconds(),
    millisecond: shifted.getUTCMilliseconds(),
    offsetMinutes,
  };
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, "0");
}

function datePart(t: LocalDateTime): string {
  return `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}`;
}

function timePart(t: LocalDateTime): string {
  return `${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`;
}

function offsetPart(offsetMinutes: number): string {
  const sign = offsetMinutes < 0 ? "-" : "+";
  const abs = Math.abs(offsetMinutes);
  return `${sign}${pad(Math.trunc(abs / 60))}:${pad(abs % 60)}`;
}

/** Today's date in São Paulo, `YYYY-MM-DD`, as in `dataPagamento` (docs/reference/inter-api.md §3.3). */
export function saoPauloToday(epochMs: number, offsetOf?: OffsetLookup): string {
  return datePart(saoPauloDateTime(epochMs, offsetOf));
}

/**
 * `2023-09-30T17:34:00.527` — São Paulo wall time without a zone, as in `dataHoraSolicitacao`
 * (docs/reference/inter-api.md §5.1).
 * `micros` gives six fractional digits, as in `dataHoraMovimento` (`2023-09-30T17:34:00.663504`); we
 * only know milliseconds, so the last three digits are zero.
 */
export function formatInterDateTime(
  epochMs: number,
  precision: "millis" | "micros" = "millis",
  offsetOf?: OffsetLookup,
): string {
  const t = saoPauloDateTime(epochMs, offsetOf);
  const fraction = pad(t.millisecond, 3) + (precision === "micros" ? "000" : "");
  return `${datePart(t)}T${timePart(t)}.${fraction}`;
}

/** `2023-01-01T00:00:00.000000000-03:00`: the `timestamp` of Inter's `Problema` (docs/reference/inter-api.md §6.1). */
export function formatProblemTimestamp(epochMs: number, offsetOf?: OffsetLookup): string {
  const t = saoPauloDateTime(epochMs, offsetOf);
  return `${datePart(t)}T${timePart(t)}.${pad(t.millisecond, 3)}000000${offsetPart(t.offsetMinutes)}`;
}

/**
 * RFC 3339 with São Paulo's offset, e.g. `2023-06-01T10:00:00.000-03:00`: the webhook's `criacao`
 * (docs/reference/inter-api.md §5).
 */
export function formatOffsetDateTime(epochMs: number, offsetOf?: OffsetLookup): string {
  const t = saoPauloDateTime(epochMs, offsetOf);
  return `${datePart(t)}T${timePart(t)}.${pad(t.millisecond, 3)}${offsetPart(t.offsetMinutes)}`;
}

/** `yyyyMMddHHmm` in UTC: the time part of a Pix end-to-end id (Bacen's rule: UTC, not local time). */
export function formatE2eTimestamp(epochMs: number): string {
  const d = new Date(epochMs);
  return (
    pad(d.getUTCFullYear(), 4) +
    pad(d.getUTCMonth() + 1) +
    pad(d.getUTCDate()) +
    pad(d.getUTCHours()) +
    pad(d.getUTCMinutes())
  );
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date written `YYYY-MM-DD` (rejects `2023-02-30`). */
export function isIsoDate(text: string): boolean {
  const m = ISO_DATE.exec(text);
  if (!m) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1) return false;
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/**
 * The first instant of São Paulo calendar day `isoDate` (`YYYY-MM-DD`), in epoch ms: 00:00 local time
 * (today 03:00 UTC). When a daylight-saving change skipped midnight (Brazil's DST began at 00:00 until
 * 2018), the day starts at the first local time that existed, 01:00. Throws RangeError for a bad date.
 */
export function saoPauloStartOfDay(isoDate: string, offsetOf: OffsetLookup = saoPauloOffsetMinutes): number {
  const m = ISO_DATE.exec(isoDate);
  if (!m || !isIsoDate(isoDate)) throw new RangeError(`not a YYYY-MM-DD date: ${isoDate}`);
  const wallMidnightAsUtc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  // Midnight under the offset in force just before the day and the one in force early in it; the
  // earliest instant that really falls on that day wins.
  let start = Infinity;
  for (const probe of [wallMidnightAsUtc, wallMidnightAsUtc + 6 * 3_600_000]) {
    const candidate = wallMidnightAsUtc - offsetOf(probe) * 60_000;
    if (candidate < start && saoPauloToday(candidate, offsetOf) === isoDate) start = candidate;
  }
  // Unreachable for a real time zone (one of the two offsets is in force at the day's first instant).
  if (start === Infinity) throw new RangeError(`no start of day found for ${isoDate}`);
  return start;
}

/** The calendar date `days` after (or, negative, before) `YYYY-MM-DD` date `isoDate`. Throws RangeError for a bad date. */
export function shiftIsoDate(isoDate: string, days: number): string {
  const m = ISO_DATE.exec(isoDate);
  if (!m || !isIsoDate(isoDate) || !Number.isInteger(days))
    throw new RangeError(`cannot shift ${isoDate} by ${String(days)} days`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days)).toISOString().slice(0, 10);
}

/** Compares two `YYYY-MM-DD` dates (lexical order is calendar order for this format). */
export function compareIsoDates(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// `yyyy-MM-dd'T'HH:mm[:ss][.SSS]XXX` — the callbacks listing's query format (docs/reference/inter-api.md §5.3).
const OFFSET_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})$/;

/** Parses `2023-06-01T00:00Z` / `2023-06-01T10:00:00.000-03:00` to epoch ms; undefined when invalid. */
export function parseOffsetDateTime(text: string): number | undefined {
  const m = OFFSET_DATE_TIME.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  if (!isIsoDate(`${y ?? ""}-${mo ?? ""}-${d ?? ""}`)) return undefined;
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s ?? "0");
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const millis = Number((frac ?? "0").padEnd(3, "0").slice(0, 3));
  let offset = 0;
  if (zone !== undefined && zone !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const [zh, zm] = [Number(zone.slice(1, 3)), Number(zone.slice(4, 6))];
    // Real offsets run from -12:00 to +14:00.
    if (zm > 59 || zh * 60 + zm > 14 * 60) return undefined;
    offset = sign * (zh * 60 + zm);
  }
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), hour, minute, second, millis);
  return utc - offset * 60_000;
}
