import { flat, str, type FormObject } from './form';
import { invalid, missing, newId, notFound, nowSec, readAmount, stripeError, type Obj, type Reply } from './replies';
import type { EmitOn } from './connect';
import type { BalanceJournal } from './balance-transactions';
import type { PspBalance } from './balance';

/** What a refund reads and books: the charges (by ID and by payment intent), the refunds and their creation counter. */
export interface RefundBook {
  readonly charges: Map<string, Obj>;
  readonly intents: Map<string, string>;
  readonly refunds: Map<string, Obj>;
  readonly refundRefusals: ReadonlyMap<string, RefundRefusalCode>;
  readonly created: { refund: number };
  readonly journal: BalanceJournal;
  readonly balance: PspBalance;
}

/**
 * Why Stripe refuses every refund of some charges, with its words: the charge is too old for the card network to take
 * money back, or it was charged back (the dispute already returned it). Nothing moves; the answer is definitive.
 */
export const REFUND_REFUSALS = {
  charge_expired_for_refund: (id: string) => `Charge ${id} is too old to be refunded.`,
  charge_disputed: (id: string) => `Charge ${id} has been charged back; cannot issue a refund.`,
} as const;
/** A code of {@link REFUND_REFUSALS}. */
export type RefundRefusalCode = keyof typeof REFUND_REFUSALS;
/** `code` when it names a refusal the sandbox can give, else undefined (admin input). */
export const refundRefusalCode = (code: unknown): RefundRefusalCode | undefined =>
  typeof code === 'string' && Object.hasOwn(REFUND_REFUSALS, code) ? (code as RefundRefusalCode) : undefined;

/** Stripe's refund rules: against a charge or its payment intent, never more than what is captured and unrefunded. */
export function createRefund(state: RefundBook, emit: EmitOn, p: FormObject): Reply {
  const chargeRef = str(p.charge);
  const piRef = str(p.payment_intent);
  if (!chargeRef && !piRef) return missing('charge');
  const chargeId = chargeRef ?? state.intents.get(piRef ?? '');
  const charge = chargeId ? state.charges.get(chargeId) : undefined;
  if (!charge)
    return chargeRef
      ? notFound('charge', chargeRef, 'charge')
      : notFound('payment_intent', piRef ?? '', 'payment_intent');
  const refusal = state.refundRefusals.get(String(charge.id));
  if (refusal)
    return stripeError(400, 'invalid_request_error', REFUND_REFUSALS[refusal](String(charge.id)), { code: refusal });
  const metadata = flat(p.metadata);
  if (metadata === 'invalid') return invalid('metadata', 'Invalid metadata: values must be strings.');
  const remaining = Number(charge.amount_captured) - Number(charge.amount_refunded);
  if (remaining <= 0) {
    return stripeError(400, 'invalid_request_error', `Charge ${charge.id} has already been refunded.`, {
      code: 'charge_already_refunded',
    });
  }
  let amount = remaining;
  if (p.amount !== undefined) {
    const a = readAmount(p);
    if ('status' in a) return a;
    amount = a.value;
  }
  if (amount > remaining) {
    return stripeError(
      400,
      'invalid_request_error',
      `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`,
      { code: 'amount_too_large', param: 'amount' },
    );
  }
  charge.amount_refunded = Number(charge.amount_refunded) + amount;
  charge.refunded = charge.amount_refunded === charge.amount_captured;
  const id = newId('re');
  const currency = String(charge.currency);
  state.balance.credit(currency, -amount);
  const bt = state.journal.book({ type: 'refund', reportingCategory: 'refund', amount: -amount, currency, source: id });
  const refund: Obj = {
    id,
    object: 'refund',
    amount,
    balance_transaction: bt.id,
    charge: charge.id,
    created: nowSec(),
    currency: charge.currency,
    metadata: metadata ?? {},
    payment_intent: charge.payment_intent,
    reason: str(p.reason) ?? null,
    receipt_number: null,
    source_transfer_reversal: null,
    status: 'succeeded',
    transfer_reversal: null,
  };
  state.refunds.set(refund.id, refund);
  state.created.refund++;
  emit('refund.created', refund);
  emit('charge.refunded', charge);
  return { status: 200, body: refund };
}

/**
 * The bank sent the refund back (closed card account…): the refund fails and its money returns to the platform
 * balance as a `refund_failure` transaction (`failure_balance_transaction`), as Stripe books it.
 */
export function failRefund(state: RefundBook, emit: EmitOn, id: string, reason: string): Reply {
  const refund = state.refunds.get(id);
  if (!refund) return notFound('refund', id);
  if (refund.status === 'failed')
    return stripeError(400, 'invalid_request_error', `Refund ${id} has already failed.`, { code: 'refund_failed' });
  const previous = { status: refund.status };
  const currency = String(refund.currency);
  const amount = Number(refund.amount);
  state.balance.credit(currency, amount);
  refund.status = 'failed';
  refund.failure_reason = reason;
  refund.failure_balance_transaction = state.journal.book({
    type: 'refund_failure',
    reportingCategory: 'refund_failure',
    amount,
    currency,
    source: id,
  }).id;
  emit('refund.failed', refund, previous);
  return { status: 200, body: refund };
}

/**
 * `GET /v1/refunds?charge=…|payment_intent=…&limit=…`: Stripe's list of refunds, newest first, filtered by charge or
 * payment intent (what a compensation looks up when its refund's outcome is unknown).
 */
export function listRefunds(refunds: ReadonlyMap<string, Obj>, p: FormObject): Reply {
  const charge = str(p.charge);
  const intent = str(p.payment_intent);
  const limit = Math.min(100, Math.max(1, Number(str(p.limit) ?? 10) || 10));
  const all = [...refunds.values()]
    .filter(
      (r) => (charge === undefined || r.charge === charge) && (intent === undefined || r.payment_intent === intent),
    )
    .reverse();
  return {
    status: 200,
    body: { object: 'list', url: '/v1/refunds', has_more: all.length > limit, data: all.slice(0, limit) },
  };
}
