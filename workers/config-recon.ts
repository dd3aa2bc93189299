import { z } from 'zod';
import { reconAccountSchema, type ReconAccount } from '../activities/recon-days/accounts';

/**
 * The reconciliation part of the process environment (read only through workers/config.ts's schema): which accounts
 * are reconciled every day. The IBAN stays here, on the activity side: workflows know an account by its ID only.
 */
export const reconEnv = {
  /**
   * The reconciliation accounts as JSON (`[{accountId, rail, iban?, currency, timezone, statementDeadlineHours,
   * pollEveryMinutes}]`); absent: `bank-main` (BANK_DEBTOR_IBAN) and `psp-platform` (the PSP platform balance).
   */
  RECON_ACCOUNTS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return undefined;
      try {
        return JSON.parse(v) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON array of reconciliation accounts' });
        return z.NEVER;
      }
    })
    .pipe(z.array(reconAccountSchema).min(1, { error: 'must name at least one account' }).optional()),
};

/**
 * The accounts every day is reconciled for: the configured list, or the defaults built from the rails' config: the
 * bank account, Stripe's platform balance and, where the deployment has Adyen (an `ADYEN_API_KEY`, always in local
 * mode where it is the sandbox's, or its `ADYEN_BALANCE_ACCOUNT_ID`: the decision service holds no key but names the
 * same accounts as the workers), Adyen's balance account. Without either Adyen is left out rather than failing every
 * day's run.
 */
export function reconAccounts(config: {
  RECON_ACCOUNTS?: ReconAccount[] | undefined;
  BANK_DEBTOR_IBAN: string;
  ADYEN_API_KEY?: string | undefined;
  ADYEN_BALANCE_ACCOUNT_ID?: string | undefined;
}): ReconAccount[] {
  if (config.RECON_ACCOUNTS) return config.RECON_ACCOUNTS;
  return [
    reconAccountSchema.parse({
      accountId: 'bank-main',
      rail: 'bank',
      iban: config.BANK_DEBTOR_IBAN,
      currency: 'EUR',
      timezone: 'Europe/Berlin',
      // SEPA statements of D arrive early on D+1; by noon a missing one is a break.
      statementDeadlineHours: 12,
    }),
    reconAccountSchema.parse({
      accountId: 'psp-platform',
      rail: 'psp',
      // The platform balance the creators' PSP payouts leave from (the sandbox's creators are paid in USD).
      currency: 'USD',
      timezone: 'UTC',
      // Stripe's balance transactions of D are final a few hours after D (data_available_end).
      statementDeadlineHours: 6,
    }),
    ...(config.ADYEN_API_KEY || config.ADYEN_BALANCE_ACCOUNT_ID
      ? [
          reconAccountSchema.parse({
            accountId: 'psp-adyen',
            rail: 'psp',
            provider: 'adyen',
            // The routing table sends euro payouts to Adyen; its balance account books in EUR.
            currency: 'EUR',
            timezone: 'UTC',
            statementDeadlineHours: 6,
          }),
        ]
      : []),
  ];
}
