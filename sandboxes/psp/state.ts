import { PspBalance } from './balance';
import { BalanceJournal } from './balance-transactions';
import {
  completeReconciliation,
  createAutomaticPayout,
  listPayouts,
  payoutFields,
  type AutomaticPayoutRequest,
  type PayoutBook,
} from './automatic-payouts';
import { PspConnectedAccounts, type EmitOn } from './connect';
import { PspDisputes } from './disputes';
import { createRefund, failRefund, type RefundRefusalCode } from './refunds';
import { flat, str, type FormObject } from './form';
import {
  invalid,
  missing,
  newId,
  notFound,
  nowSec,
  readAmount,
  readCurrency,
  stripeError,
  type Obj,
  type Reply,
} from './replies';

/** The PSP sandbox's in-memory Stripe objects (money movements and charges) and the rules Stripe enforces on them. */

export type Emit = EmitOn;

export type ResourceKind = 'transfer' | 'payout' | 'refund' | 'dispute' | 'charge';

export class PspState {
  readonly transfers = new Map<string, Obj>();
  readonly payouts = new Map<string, Obj>();
  readonly refunds = new Map<string, Obj>();
  readonly charges = new Map<string, Obj>();
  /** payment_intent id → charge id */
  readonly intents = new Map<string, string>();
  /** charge id → the Stripe code every refund of it is refused with (a charge that can no longer be refunded). */
  readonly refundRefusals = new Map<string, RefundRefusalCode>();
  readonly balance = new PspBalance();
  /** Every movement of the platform balance as a Stripe balance transaction (balance-transactions.ts). */
  readonly journal = new BalanceJournal();
  readonly created: Record<ResourceKind, number> = { transfer: 0, payout: 0, refund: 0, dispute: 0, charge: 0 };
  readonly disputes: PspDisputes;
  readonly accounts: PspConnectedAccounts;

  /**
   * The object a balance transaction's `source` names, for `expand`: a transfer, a transfer reversal, a payout, a
   * refund or a charge the sandbox holds.
   */
  sourceObject(id: string): Obj | undefined {
    const direct = this.transfers.get(id) ?? this.payouts.get(id) ?? this.refunds.get(id) ?? this.charges.get(id);
    if (direct || !id.startsWith('trr_')) return direct;
    for (const t of this.transfers.values()) {
      const r = (t.reversals as { data: Obj[] } | undefined)?.data.find((x) => x.id === id);
      if (r) return { ...r, object: 'transfer_reversal' };
    }
    return undefined;
  }

  constructor(private readonly emit: Emit) {
    this.disputes = new PspDisputes(emit, this, this.journal, this.balance);
    this.accounts = new PspConnectedAccounts(emit, this.payouts);
  }

  getBalance(): Reply {
    return this.balance.reply();
  }

  createTransfer(p: FormObject, declineDestinations: ReadonlySet<string>): Reply {
    const amount = readAmount(p);
    if ('status' in amount) return amount;
    const currency = readCurrency(p);
    if (typeof currency !== 'string') return currency;
    const destination = str(p.destination);
    if (!destination) return missing('destination');
    const metadata = flat(p.metadata);
    if (metadata === 'invalid') return invalid('metadata', 'Invalid metadata: values must be strings.');
    if (!/^acct_\w+$/.test(destination)) return notFound('destination', destination, 'destination');
    if (declineDestinations.has(destination)) {
      return stripeError(402, 'card_error', 'The destination account cannot receive transfers.', {
        code: 'account_invalid',
        decline_code: 'account_invalid',
        param: 'destination',
      });
    }
    const debited = this.balance.debit(currency, amount.value);
    if (debited) return debited;
    const id = newId('tr');
    const bt = this.journal.book({
      type: 'transfer',
      reportingCategory: 'transfer',
      amount: -amount.value,
      currency,
      source: id,
      description: str(p.description) ?? null,
    });
    const transfer: Obj = {
      id,
      object: 'transfer',
      amount: amount.value,
      amount_reversed: 0,
      balance_transaction: bt.id,
      created: nowSec(),
      currency,
      description: str(p.description) ?? null,
      destination,
      destination_payment: newId('py'),
      livemode: false,
      metadata: metadata ?? {},
      reversals: { object: 'list', data: [], has_more: false, url: '' },
      reversed: false,
      source_transaction: null,
      source_type: 'card',
      transfer_group: str(p.transfer_group) ?? null,
    };
    this.transfers.set(transfer.id, transfer);
    this.accounts.credit(destination, currency, amount.value);
    this.created.transfer++;
    this.emit('transfer.created', transfer);
    return { status: 200, body: transfer };
  }

  /**
   * Reverses `amount` (default: all that is left) of a transfer, as Stripe does: each reversal is a `trr_…` in
   * `reversals`, `amount_reversed` grows, `reversed` turns true only once the whole amount is back, and every
   * reversal, partial or not, fires `transfer.reversed`. The money leaves the connected account for the platform.
   */
  reverseTransfer(id: string, amount?: number): Reply {
    const t = this.transfers.get(id);
    if (!t) return notFound('transfer', id);
    const left = Number(t.amount) - Number(t.amount_reversed);
    if (left <= 0)
      return stripeError(400, 'invalid_request_error', `Transfer ${id} has already been fully reversed.`, {
        code: 'transfer_already_reversed',
      });
    const take = amount ?? left;
    if (!Number.isSafeInteger(take) || take <= 0 || take > left)
      return invalid('amount', `Reversal amount must be a positive integer of at most ${left}.`);
    const currency = String(t.currency);
    const reversalId = newId('trr');
    // Stripe books a transfer reversal on the platform as type `transfer_refund`, category `transfer_reversal`.
    const bt = this.journal.book({
      type: 'transfer_refund',
      reportingCategory: 'transfer_reversal',
      amount: take,
      currency,
      source: reversalId,
    });
    const reversal = { id: reversalId, object: 'transfer_reversal', amount: take, currency, transfer: id };
    const reversals = t.reversals as { data: unknown[] };
    reversals.data.push({ ...reversal, balance_transaction: bt.id, created: nowSec(), metadata: {} });
    const previous = { amount_reversed: t.amount_reversed, reversed: t.reversed };
    t.amount_reversed = Number(t.amount_reversed) + take;
    t.reversed = t.amount_reversed === t.amount;
    this.balance.credit(currency, take);
    this.accounts.credit(String(t.destination), currency, -take);
    this.emit('transfer.reversed', t, previous);
    return { status: 200, body: t };
  }

  /**
   * `POST /v1/transfers/:id/reversals` as Stripe answers it: the reversal object (`trr_…`, its amount, its metadata),
   * made by {@link reverseTransfer} (the whole rest when no `amount` is given).
   */
  createReversal(id: string, p: FormObject): Reply {
    let amount: number | undefined;
    if (p.amount !== undefined) {
      amount = Number(p.amount);
      if (!Number.isSafeInteger(amount)) return invalid('amount', 'Invalid integer: amount');
    }
    const metadata = flat(p.metadata);
    if (metadata === 'invalid') return invalid('metadata', 'Invalid metadata: values must be strings.');
    const r = this.reverseTransfer(id, amount);
    if (r.status !== 200) return r;
    const reversals = (r.body as { reversals: { data: Array<Record<string, unknown>> } }).reversals.data;
    const made = reversals[reversals.length - 1] as Record<string, unknown>;
    made.metadata = metadata;
    return { status: 200, body: made };
  }

  createPayout(p: FormObject, settleMs: number, schedule: (fn: () => void, ms: number) => void): Reply {
    const amount = readAmount(p);
    if ('status' in amount) return amount;
    const currency = readCurrency(p);
    if (typeof currency !== 'string') return currency;
    const metadata = flat(p.metadata);
    if (metadata === 'invalid') return invalid('metadata', 'Invalid metadata: values must be strings.');
    const debited = this.balance.debit(currency, amount.value);
    if (debited) return debited;
    const id = newId('po');
    const bt = this.journal.book({
      type: 'payout',
      reportingCategory: 'payout',
      amount: -amount.value,
      currency,
      source: id,
    });
    const payout: Obj = {
      ...payoutFields(),
      id,
      amount: amount.value,
      arrival_date: nowSec() + 86_400,
      automatic: false,
      balance_transaction: bt.id,
      created: nowSec(),
      currency,
      description: str(p.description) ?? null,
      destination: str(p.destination) ?? null,
      metadata: metadata ?? {},
      method: str(p.method) ?? 'standard',
      // Stripe cannot tell which transactions a manual payout paid: reconciling it is ours to do.
      reconciliation_status: 'not_applicable',
      statement_descriptor: str(p.statement_descriptor) ?? null,
      status: 'pending',
    };
    this.payouts.set(payout.id, payout);
    this.created.payout++;
    this.emit('payout.created', payout);
    schedule(() => {
      if (payout.status !== 'pending') return;
      payout.status = 'paid';
      this.emit('payout.paid', payout);
    }, settleMs);
    return { status: 200, body: payout };
  }

  /** A platform payout fails (money back on the platform's balance); a connected account's goes back to theirs. */
  failPayout(id: string, failureCode: string): Reply {
    const connected = this.accounts.endPayout(id, 'failed', failureCode);
    if (connected) return connected;
    const payout = this.payouts.get(id);
    if (!payout) return notFound('payout', id);
    payout.status = 'failed';
    payout.failure_code = failureCode;
    payout.failure_message = `The payout failed: ${failureCode}.`;
    this.balance.credit(String(payout.currency), Number(payout.amount));
    // The money comes back as its own transaction (`payout_failure`, category `payout_reversal`).
    payout.failure_balance_transaction = this.journal.book({
      type: 'payout_failure',
      reportingCategory: 'payout_reversal',
      amount: Number(payout.amount),
      currency: String(payout.currency),
      source: id,
    }).id;
    this.emit('payout.failed', payout);
    return { status: 200, body: payout };
  }

  /** Only a connected account's pending payout can be canceled here (the platform's settle on their own). */
  cancelPayout(id: string): Reply {
    return this.accounts.endPayout(id, 'canceled') ?? notFound('connected-account payout', id);
  }

  /** A captured charge; `fee` (minor units) is Stripe's processing fee, taken from it (`fee_details`). */
  createCharge(p: {
    id?: string;
    amount: number;
    currency: string;
    fee?: number;
    refundRefusal?: RefundRefusalCode;
  }): Reply {
    const id = p.id ?? newId('ch');
    if (this.charges.has(id))
      return stripeError(400, 'invalid_request_error', `Charge ${id} already exists.`, {
        code: 'resource_already_exists',
      });
    const pi = `pi_${id.replace(/^ch_/, '')}`;
    const currency = p.currency.toLowerCase();
    const bt = this.journal.book({
      type: 'charge',
      reportingCategory: 'charge',
      amount: p.amount,
      currency,
      source: id,
      feeDetails: p.fee ? [{ amount: p.fee, type: 'stripe_fee', description: 'Stripe processing fees' }] : [],
    });
    const charge: Obj = {
      id,
      object: 'charge',
      amount: p.amount,
      amount_captured: p.amount,
      amount_refunded: 0,
      balance_transaction: bt.id,
      captured: true,
      created: nowSec(),
      currency,
      livemode: false,
      paid: true,
      payment_intent: pi,
      refunded: false,
      status: 'succeeded',
    };
    this.charges.set(id, charge);
    this.intents.set(pi, id);
    if (p.refundRefusal) this.refundRefusals.set(id, p.refundRefusal);
    this.balance.credit(currency, Number(bt.net));
    this.created.charge++;
    return { status: 200, body: charge };
  }

  /** `POST /v1/refunds` against a charge or payment intent (refunds.ts). */
  createRefund(p: FormObject): Reply {
    return createRefund(this, this.emit, p);
  }

  /** Admin: the refund came back from the card network (`refund_failure`). */
  failRefund(id: string, reason: string): Reply {
    return failRefund(this, this.emit, id, reason);
  }

  /** Admin: a fee Stripe charges the platform on its own (billing, Connect account fees): a `stripe_fee` transaction. */
  bookFee(p: { amount: number; currency: string; description?: string }): Reply {
    const currency = p.currency.toLowerCase();
    this.balance.credit(currency, -p.amount);
    const bt = this.journal.book({
      type: 'stripe_fee',
      reportingCategory: 'fee',
      amount: -p.amount,
      currency,
      source: null,
      description: p.description ?? 'Stripe fee',
    });
    return { status: 200, body: bt };
  }

  /** Admin: the platform's automatic payout of one business day (automatic-payouts.ts). */
  createAutomaticPayout(
    r: AutomaticPayoutRequest,
    settleMs: number,
    schedule: (fn: () => void, ms: number) => void,
  ): Reply {
    return createAutomaticPayout(this.payoutBook(), this.emit, r, settleMs, schedule);
  }

  /** Admin: a payout stuck `in_progress` finally reconciles. */
  completeReconciliation(id: string): Reply {
    const payout = this.payouts.get(id);
    return payout ? completeReconciliation(payout, this.emit) : notFound('payout', id);
  }

  /** `GET /v1/payouts` (the platform's own payouts). */
  listPayouts(p: FormObject): Reply {
    return listPayouts(this.payoutBook(), p);
  }

  private payoutBook(): PayoutBook {
    return {
      payouts: this.payouts,
      journal: this.journal,
      created: this.created,
      debitForPayout: (currency, amount) => this.balance.credit(currency, -amount),
      isConnectedPayout: (id) => this.accounts.payoutOwner.has(id),
    };
  }
}
