import { z } from 'zod';
import { zonedDayWindow } from '../../activities/recon/business-day';

/**
 * A report's period: local dates `from` (inclusive) to `to` (exclusive) in a declared IANA time zone, cut on UTC
 * instants (`fromUtc`, `toUtc`, ISO with milliseconds and `Z`, the form every fact's time is written in, so a string
 * comparison is a time comparison). Half-open: a fact at local midnight of `to` belongs to the next period.
 */
export interface Period {
  from: string;
  to: string;
  timezone: string;
  fromUtc: string;
  toUtc: string;
  /** The UTC days whose partitions can hold facts of the period (a local day spans at most two UTC days). */
  utcDays: string[];
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const MAX_DAYS = 366;
const DAY_MS = 86_400_000;

const isDate = (s: string) => DATE.test(s) && new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s;
const knownZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

export const periodSchema = z
  .object({
    from: z.string().refine(isDate, { error: 'from must be a date written YYYY-MM-DD' }),
    to: z.string().refine(isDate, { error: 'to must be a date written YYYY-MM-DD (exclusive)' }),
    tz: z
      .string()
      .max(64)
      .default('UTC')
      .refine(knownZone, { error: 'tz must be an IANA time zone (e.g. Europe/Berlin) or UTC' }),
  })
  .refine((p) => p.from < p.to, { error: 'from must be before to (to is exclusive)', path: ['to'] })
  .refine((p) => Date.parse(p.to) - Date.parse(p.from) <= MAX_DAYS * DAY_MS, {
    error: `a period spans at most ${MAX_DAYS} days`,
    path: ['to'],
  });

/** The UTC instant of local midnight starting `date` in `tz` (DST-safe; the rule the reconciliation's days use). */
const localMidnightUtc = (date: string, tz: string): number => zonedDayWindow(date, tz).fromMs;

export const iso = (ms: number) => new Date(ms).toISOString();

/** The period a parsed request asks for. */
export function periodOf(p: { from: string; to: string; tz: string }): Period {
  const fromMs = localMidnightUtc(p.from, p.tz);
  const toMs = localMidnightUtc(p.to, p.tz);
  const utcDays: string[] = [];
  for (let d = Date.parse(iso(fromMs).slice(0, 10)); d < toMs; d += DAY_MS) utcDays.push(iso(d).slice(0, 10));
  return { from: p.from, to: p.to, timezone: p.tz, fromUtc: iso(fromMs), toUtc: iso(toMs), utcDays };
}

/** The first day of each local month that starts inside the period, plus the period's own edges (budget months). */
export function monthEdges(period: Period): Array<{ month: string; fromUtc: string; toUtc: string }> {
  const out: Array<{ month: string; fromUtc: string; toUtc: string }> = [];
  let cursor = period.from;
  while (cursor < period.to) {
    const [y, m] = cursor.split('-').map(Number) as [number, number];
    const next = new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
    const end = next < period.to ? next : period.to;
    out.push({
      month: cursor.slice(0, 7),
      fromUtc: iso(localMidnightUtc(cursor, period.timezone)),
      toUtc: iso(localMidnightUtc(end, period.timezone)),
    });
    cursor = end;
  }
  return out;
}
