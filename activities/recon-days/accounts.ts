import { z } from 'zod';
import { isValidIban } from '../adapters/bank/identifiers';
import { PROVIDER_IDS } from '../../workflows/routing/contract';
import { currencySchema } from '../../workflows/shared/money';
import type { PostingScope } from '../adapters/ledger/port';
import { reconAccountIdSchema } from '../../workflows/recon-days/contract';
import { failure, FailureType } from '../../workflows/shared/failures';
import type { ReconAccountFacts } from '../../workflows/recon-days/contract';
import { zonedDate, zonedDayWindow } from '../recon/business-day';

/**
 * A reconciliation account as configured (`RECON_ACCOUNTS`, workers/config-recon.ts): which rail's books it reads,
 * where (the IBAN: only here, never in history, IDs or logs), its currency and timezone (business days are cut
 * there), and how long after the day's end a missing statement becomes a break.
 */
export const reconAccountSchema = z
  .object({
    accountId: reconAccountIdSchema,
    rail: z.enum(['bank', 'psp'], { error: 'rail must be bank or psp' }),
    /**
     * Which PSP's books a `psp` account reads: `stripe` (the default: accounts configured before issue 25) reads
     * Stripe's balance transactions and the ledger's `psp` postings, `adyen` Adyen's balance account transactions and
     * the ledger's `psp-adyen` postings.
     */
    provider: z.enum(PROVIDER_IDS, { error: `provider must be one of ${PROVIDER_IDS.join(', ')}` }).optional(),
    iban: z.string().refine(isValidIban, { error: 'iban must be a valid IBAN' }).optional(),
    currency: currencySchema,
    timezone: z.string().refine(validZone, { error: 'timezone must be an IANA zone such as Europe/Berlin' }),
    /** Hours after the end of the business day (account time) until a missing statement is a break. */
    statementDeadlineHours: z
      .number()
      .min(0)
      .max(24 * 7),
    /** Minutes between two asks for a statement that is not there yet. */
    pollEveryMinutes: z
      .number()
      .positive()
      .max(24 * 60)
      .default(30),
  })
  .refine((a) => a.rail !== 'bank' || a.iban !== undefined, { error: 'a bank account needs its iban', path: ['iban'] })
  .refine((a) => a.rail === 'psp' || a.provider === undefined, {
    error: 'only a psp account names a provider',
    path: ['provider'],
  });
export type ReconAccount = z.infer<typeof reconAccountSchema>;

function validZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const DAY_MS = 86_400_000;
export const addDays = (date: string, n: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);

/** The configured account, or an `InvalidInput` failure naming the unknown ID (a run for it can never succeed). */
export function accountOf(accounts: readonly ReconAccount[], accountId: string): ReconAccount {
  const a = accounts.find((x) => x.accountId === accountId);
  if (!a) throw failure(FailureType.InvalidInput, `accountId: no reconciliation account ${accountId} is configured`);
  return a;
}

/**
 * The run's facts: the business date (given, or the day before `atMs` in the account's timezone: a Schedule's run),
 * the previous day, and the deadline (end of the business day + `statementDeadlineHours`), which is also the run's
 * SLA clock. Everything is a function of the configuration and the date, so a re-run sees the same facts.
 */
export function factsOf(a: ReconAccount, businessDate: string | undefined, atMs: number): ReconAccountFacts {
  const date = businessDate ?? addDays(zonedDate(atMs, a.timezone), -1);
  const { toMs } = zonedDayWindow(date, a.timezone);
  const deadlineAtMs = toMs + Math.round(a.statementDeadlineHours * 3_600_000);
  return {
    accountId: a.accountId,
    rail: a.rail,
    currency: a.currency,
    timezone: a.timezone,
    businessDate: date,
    previousDate: addDays(date, -1),
    deadlineAtMs,
    pollEveryMs: Math.round(a.pollEveryMinutes * 60_000),
    runAtMs: deadlineAtMs,
  };
}

/** The ledger day-index scope an account's expectations come from: its rail, and for Adyen its own `psp-adyen`. */
export function postingScopeOf(a: Pick<ReconAccount, 'rail' | 'provider'>): PostingScope {
  return a.rail === 'psp' && a.provider === 'adyen' ? 'psp-adyen' : a.rail;
}
