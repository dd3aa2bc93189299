/**
 * A reconciliation account's business day as a window of instants: [00:00 of D, 00:00 of D+1) in the account's
 * timezone. Stripe's `created` is whole seconds, so a balance transaction booked at 23:59:59.999 local time carries
 * 23:59:59 and belongs to D, while the same instant is already D+1 (or still D) in UTC: which day a line belongs to is
 * decided here, once, from the timezone, never from the UTC date of the timestamp.
 */

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `YYYY-MM-DD` → the UTC instants (ms) where that day starts and the next one starts in `timeZone`. */
export function zonedDayWindow(date: string, timeZone: string): { fromMs: number; toMs: number } {
  const m = DATE.exec(date);
  if (!m) throw new RangeError(`date must be YYYY-MM-DD, got ${JSON.stringify(date)}`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]) - 1, Number(m[3])];
  return { fromMs: zonedMidnight(y, mo, d, timeZone), toMs: zonedMidnight(y, mo, d + 1, timeZone) };
}

/** The calendar date (`YYYY-MM-DD`) of an instant in `timeZone`. */
export function zonedDate(ms: number, timeZone: string): string {
  const parts = formatter(timeZone).formatToParts(new Date(ms));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** Local midnight of (y, mo, d) as a UTC instant: the offset is read twice so a DST change that day is honoured. */
function zonedMidnight(y: number, mo: number, d: number, timeZone: string): number {
  const wall = Date.UTC(y, mo, d);
  const first = wall - offsetMs(wall, timeZone);
  return wall - offsetMs(first, timeZone);
}

/** How far `timeZone`'s wall clock is ahead of UTC at instant `ms`. */
function offsetMs(ms: number, timeZone: string): number {
  const parts = formatter(timeZone).formatToParts(new Date(ms));
  const n = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const asUtc = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour') % 24, n('minute'), n('second'));
  return asUtc - Math.floor(ms / 1000) * 1000;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    // Throws RangeError for an unknown zone: a misconfigured account fails loudly instead of defaulting to UTC.
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}
