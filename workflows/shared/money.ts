import { z } from 'zod';

/** Minor units per currency (ISO 4217 exponent). A currency absent here is rejected as unknown. */
export const CURRENCY_EXPONENT = {
  USD: 2,
  EUR: 2,
  GBP: 2,
  CAD: 2,
  AUD: 2,
  CHF: 2,
  SEK: 2,
  NOK: 2,
  DKK: 2,
  PLN: 2,
  BRL: 2,
  MXN: 2,
  INR: 2,
  JPY: 0,
  KRW: 0,
} as const;
export type Currency = keyof typeof CURRENCY_EXPONENT;
const CURRENCIES = Object.keys(CURRENCY_EXPONENT) as [Currency, ...Currency[]];

export const currencySchema = z.enum(CURRENCIES, {
  error: (issue) => `unknown currency ${JSON.stringify(issue.input)}; expected one of ${CURRENCIES.join(', ')}`,
});

/** A positive amount in minor units: an integer, never a float. */
export const amountMinorSchema = z
  .number({ error: 'must be a number of minor units' })
  .int({ error: 'must be a whole number of minor units (no fractions)' })
  .positive({ error: 'must be greater than zero' })
  .max(Number.MAX_SAFE_INTEGER);

/** Money is `{ amountMinor, currency }`: integer minor units and an ISO 4217 code. */
export const moneySchema = z.object({ amountMinor: amountMinorSchema, currency: currencySchema });
export type Money = z.infer<typeof moneySchema>;

/** Human-readable amount for summaries and notifications, e.g. `EUR 12.50`. */
export function formatMoney({ amountMinor, currency }: Money): string {
  const exp = CURRENCY_EXPONENT[currency];
  const sign = amountMinor < 0 ? '-' : '';
  const abs = Math.abs(amountMinor);
  if (exp === 0) return `${currency} ${sign}${abs}`;
  const unit = 10 ** exp;
  return `${currency} ${sign}${Math.floor(abs / unit)}.${String(abs % unit).padStart(exp, '0')}`;
}
