import { CURRENCY_EXPONENT } from '../../workflows/shared/money';

/**
 * RFC 4180 CSV, UTF-8, CRLF line ends, safe to open in a spreadsheet: a text cell starting with `=`, `+`, `-`, `@`,
 * a tab or a carriage return is prefixed with `'` (OWASP's CSV-injection rule), so no cell is read as a formula.
 * Numbers are written as numbers (a number is never a formula, and a negative amount must stay a number); a cell
 * with a comma, quote or line break is quoted.
 */
export type Cell = string | number | boolean | null;

const FORMULA = /^[=+\-@\t\r]/;

export function csvCell(v: Cell): string {
  if (v === null) return '';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error('a CSV number must be finite');
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  const text = FORMULA.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(header: readonly string[], rows: ReadonlyArray<readonly Cell[]>): string {
  const lines = [header.map(csvCell).join(',')];
  for (const r of rows) {
    if (r.length !== header.length) throw new Error(`a CSV row has ${r.length} cells, the header ${header.length}`);
    lines.push(r.map(csvCell).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** Minor units as a decimal in the currency's exponent (`12.50`, JPY `1250`): the CSV's major-unit column. */
export function major(minor: number, currency: string): string {
  const exp = (CURRENCY_EXPONENT as Record<string, number>)[currency] ?? 2;
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  if (exp === 0) return `${sign}${abs}`;
  const unit = 10 ** exp;
  return `${sign}${Math.floor(abs / unit)}.${String(abs % unit).padStart(exp, '0')}`;
}
