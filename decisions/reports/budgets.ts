/**
 * Compensation budgets finance plans against (Brex-shaped: a scope, a period type, a currency and a limit). A
 * versioned list: a change is a new version, never an edit of the one a report was computed under. The per-agent
 * daily auto-approval budget is not here: it is the approval policy's own (`agentDailyBudgetMinor`).
 */
export interface Budget {
  budgetId: string;
  scope: { reasonCode?: string };
  periodType: 'MONTHLY';
  currency: string;
  limitMinor: number;
}

export const BUDGETS_VERSION = '2026-12.1';

export const BUDGETS: readonly Budget[] = [
  { budgetId: 'comp-eur-monthly', scope: {}, periodType: 'MONTHLY', currency: 'EUR', limitMinor: 5_000_000 },
  {
    budgetId: 'goodwill-eur-monthly',
    scope: { reasonCode: 'goodwill' },
    periodType: 'MONTHLY',
    currency: 'EUR',
    limitMinor: 500_000,
  },
  { budgetId: 'comp-usd-monthly', scope: {}, periodType: 'MONTHLY', currency: 'USD', limitMinor: 5_000_000 },
];
