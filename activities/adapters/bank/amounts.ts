import { CURRENCY_EXPONENT, type Currency } from '../../../workflows/shared/money';

/** ISO 20022 amounts: decimal text with the currency's exponent, converted without floating point. */

/** Minor units → ISO 20022 decimal text (`1250`, EUR → `12.50`). */
export function formatDecimal(amountMinor: number, currency: Currency): string {
  const exp = CURRENCY_EXPONENT[currency];
  if (exp === 0) return String(amountMinor);
  const s = String(Math.abs(amountMinor)).padStart(exp + 1, '0');
  return `${amountMinor < 0 ? '-' : ''}${s.slice(0, -exp)}.${s.slice(-exp)}`;
}

/** ISO 20022 decimal text → minor units, without floating point; undefined when malformed or too precise. */
export function parseDecimal(value: string, currency: Currency): number | undefined {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(value.trim());
  if (!m) return undefined;
  const exp = CURRENCY_EXPONENT[currency];
  const frac = (m[2] ?? '').replace(/0+$/, '');
  if (frac.length > exp) return undefined;
  const n = Number(`${m[1]}${frac.padEnd(exp, '0')}`);
  return Number.isSafeInteger(n) ? n : undefined;
}

export function isCurrency(s: string | undefined): s is Currency {
  return s !== undefined && Object.prototype.hasOwnProperty.call(CURRENCY_EXPONENT, s);
}
