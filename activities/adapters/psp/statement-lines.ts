import { createHash } from 'node:crypto';
import { z } from 'zod';
import { currencySchema } from '../../../workflows/shared/money';
import { failure, FailureType } from '../../../workflows/shared/failures';
import { payoutOfReference } from '../../../workflows/shared/payout-reference';
import { zonedDate } from '../../recon/business-day';
import type { LineFlag, StatementLine } from '../../recon/statement-line';
import type { PspPayout } from './port';

/**
 * Stripe balance transactions and payouts → the product's normalized statement lines and payouts. Read at the
 * boundary with zod (a field Stripe sent in a shape we do not understand fails the page as ProviderPermanent, naming
 * the transaction and the field), then mapped without losing anything: odd but valid inputs are flags, not drops.
 */

/** Stripe's documented `reporting_category` values (docs.stripe.com/reports/reporting-categories, stripe-go). */
export const STRIPE_REPORTING_CATEGORIES: ReadonlySet<string> = new Set([
  'advance',
  'advance_funding',
  'anticipation_repayment',
  'charge',
  'charge_failure',
  'climate_order_purchase',
  'climate_order_refund',
  'connect_collection_transfer',
  'connect_reserved_funds',
  'contribution',
  'dispute',
  'dispute_reversal',
  'fee',
  'financing_paydown',
  'financing_paydown_reversal',
  'financing_payout',
  'financing_payout_reversal',
  'issuing_authorization_hold',
  'issuing_authorization_release',
  'issuing_dispute',
  'issuing_transaction',
  'network_cost',
  'other_adjustment',
  'partial_capture_reversal',
  'payout',
  'payout_reversal',
  'platform_earning',
  'platform_earning_refund',
  'refund',
  'refund_failure',
  'risk_reserved_funds',
  'tax',
  'topup',
  'topup_reversal',
  'transfer',
  'transfer_reversal',
  'unreconciled_customer_funds',
]);

const minor = z.number({ error: 'must be a number' }).int({ error: 'must be whole minor units' });
const stripeCurrency = z.string({ error: 'must be a currency code' }).transform((c, ctx) => {
  const parsed = currencySchema.safeParse(c.toUpperCase());
  if (!parsed.success) {
    ctx.addIssue({ code: 'custom', message: `unsupported currency ${JSON.stringify(c)}` });
    return z.NEVER;
  }
  return parsed.data;
});

const wireBalanceTransaction = z.object({
  id: z.string().regex(/^txn_\w+$/, { error: 'must be a txn_ id' }),
  amount: minor,
  fee: minor,
  net: minor,
  currency: stripeCurrency,
  created: minor,
  available_on: minor,
  status: z.enum(['available', 'pending'], { error: "must be 'available' or 'pending'" }),
  type: z.string({ error: 'must be a string' }),
  reporting_category: z.string({ error: 'must be a string' }),
  // The SDK types `source` as an ID or, when expanded, the object. The reader expands it (`data.source`) for one
  // field: a transfer's `transfer_group`, which our transfers set to the payout (stripe-psp.ts), so a transfer the
  // ledger never expected (a late success after a failover) is still traced to its payout, as Adyen's reference is.
  source: z
    .union([
      z.string(),
      z.looseObject({
        id: z.string({ error: 'must be a string' }),
        object: z.string().optional(),
        transfer_group: z.string().nullable().optional(),
      }),
      z.null(),
    ])
    .optional(),
  exchange_rate: z.number({ error: 'must be a number or null' }).nullable().optional(),
  fee_details: z
    .array(z.object({ amount: minor, type: z.string(), description: z.string().nullable().optional() }))
    .optional(),
});

/** What the mapper reads of one balance transaction (the SDK's `Stripe.BalanceTransaction` is one). */
export type WireBalanceTransaction = z.input<typeof wireBalanceTransaction>;

/** sha256(accountId|txn_…): the same transaction is the same line on every read, page or re-run. */
export function stripeLineId(accountId: string, balanceTransactionId: string): string {
  return createHash('sha256').update(`${accountId}|${balanceTransactionId}`).digest('hex');
}

/** `raw` is what the PSP sent (checked here, not trusted): the SDK's `Stripe.BalanceTransaction` or a fake's. */
export function toStatementLine(
  raw: unknown,
  ctx: { accountId: string; timezone: string; payout?: string },
): StatementLine {
  const parsed = wireBalanceTransaction.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const rawId = (raw as { id?: unknown } | null)?.id;
    const id = typeof rawId === 'string' && /^txn_\w+$/.test(rawId) ? rawId : 'balance transaction';
    throw failure(
      FailureType.ProviderPermanent,
      `PSP sent an unreadable ${id}: ${issue?.path.join('.') || 'value'} ${issue?.message ?? 'is invalid'}`,
    );
  }
  const bt = parsed.data;
  const source = typeof bt.source === 'object' && bt.source ? bt.source.id : bt.source;
  // Only a transfer's group names a payout (a charge's `transfer_group` is the merchant's, never ours).
  const transferGroup =
    typeof bt.source === 'object' && bt.source?.object === 'transfer'
      ? bt.source.transfer_group || undefined
      : undefined;
  const payoutWorkflowId = payoutOfReference(transferGroup);
  const flags: LineFlag[] = [];
  if (!STRIPE_REPORTING_CATEGORIES.has(bt.reporting_category)) flags.push('unclassified');
  if (bt.status === 'pending') flags.push('pending');
  if (bt.source == null) flags.push('no_source');
  if (bt.exchange_rate != null) flags.push('fx');
  const bookingDate = zonedDate(bt.created * 1000, ctx.timezone);
  return {
    lineId: stripeLineId(ctx.accountId, bt.id),
    source: 'stripe_bt',
    accountId: ctx.accountId,
    businessDate: bookingDate,
    direction: bt.amount < 0 ? 'debit' : 'credit',
    amount: { amountMinor: Math.abs(bt.amount), currency: bt.currency },
    entry: {
      bookingDate,
      valueDate: zonedDate(bt.available_on * 1000, ctx.timezone),
      status: bt.status === 'pending' ? 'PDNG' : 'BOOK',
      // A Stripe reversal is its own transaction with its own category (transfer_reversal, payout_reversal…).
      reversal: false,
      bankTxCode: bt.type,
      entryAmountMinor: Math.abs(bt.amount),
      txCount: 1,
    },
    refs: {
      stripe: {
        balanceTransactionId: bt.id,
        ...(source ? { source } : {}),
        ...(transferGroup ? { transferGroup } : {}),
        ...(payoutWorkflowId ? { payoutWorkflowId } : {}),
        reportingCategory: bt.reporting_category,
        type: bt.type,
        ...(ctx.payout ? { payout: ctx.payout } : {}),
        fee: bt.fee,
        net: bt.net,
        feeDetails: (bt.fee_details ?? []).map((f) => ({
          type: f.type,
          amountMinor: f.amount,
          ...(f.description ? { description: f.description } : {}),
        })),
        created: bt.created,
        availableOn: bt.available_on,
        ...(bt.exchange_rate != null ? { exchangeRate: String(bt.exchange_rate) } : {}),
      },
    },
    ...(flags.length ? { flags } : {}),
  };
}

const wirePayout = z.object({
  id: z.string().regex(/^po_\w+$/, { error: 'must be a po_ id' }),
  amount: minor,
  currency: stripeCurrency,
  automatic: z.boolean({ error: 'must be a boolean' }),
  status: z.string({ error: 'must be a string' }),
  reconciliation_status: z.enum(['not_applicable', 'in_progress', 'completed'], {
    error: "must be 'not_applicable', 'in_progress' or 'completed'",
  }),
  arrival_date: minor,
  created: minor,
  balance_transaction: z.union([z.string(), z.object({ id: z.string() }).transform((o) => o.id), z.null()]).optional(),
  failure_balance_transaction: z
    .union([z.string(), z.object({ id: z.string() }).transform((o) => o.id), z.null()])
    .optional(),
  failure_code: z.string().nullable().optional(),
});
export type WirePayout = z.input<typeof wirePayout>;

export function toPspPayout(raw: unknown): PspPayout {
  const parsed = wirePayout.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw failure(
      FailureType.ProviderPermanent,
      `PSP sent an unreadable payout: ${issue?.path.join('.') || 'value'} ${issue?.message ?? 'is invalid'}`,
    );
  }
  const p = parsed.data;
  return {
    payoutId: p.id,
    amount: { amountMinor: p.amount, currency: p.currency },
    automatic: p.automatic,
    status: p.status,
    reconciliationStatus: p.reconciliation_status,
    arrivalDate: new Date(p.arrival_date * 1000).toISOString().slice(0, 10),
    createdAt: new Date(p.created * 1000).toISOString(),
    ...(p.balance_transaction ? { balanceTransactionId: p.balance_transaction } : {}),
    ...(p.failure_balance_transaction ? { failureBalanceTransactionId: p.failure_balance_transaction } : {}),
    ...(p.failure_code ? { failureCode: p.failure_code } : {}),
  };
}

/** `YYYY-MM-DD` → epoch seconds of its UTC midnight (how Stripe stamps `arrival_date`). */
export function utcDateSec(date: string): number {
  const ms = Date.parse(`${date}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(ms))
    throw failure(FailureType.InvalidInput, `arrival date must be YYYY-MM-DD, got ${JSON.stringify(date)}`);
  return ms / 1000;
}
