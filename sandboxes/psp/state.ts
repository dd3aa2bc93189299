import { PspBalance } from './balance';
import { PspConnectedAccounts, type EmitOn } from './connect';
import { PspDisputes } from './disputes';
import { createRefund } from './refunds';
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
  readonly balance = new PspBalance();
  readonly created: Record<ResourceKind, number> = { transfer: 0, payout: 0, refund: 0, dispute: 0, charge: 0 };
  readonly disputes: PspDisputes;
  readonly accounts: PspConnectedAccounts;

  constructor(private readonly emit: Emit) {
    this.disputes = new PspDisputes(emit, this);
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
    const transfer: Obj = {
      id: newId('tr'),
      object: 'transfer',
      amount: amount.value,
      amount_reversed: 0,
      balance_transaction: newId('txn'),
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
    const reversal = { id: newId('trr'), object: 'transfer_reversal', amount: take, currency, transfer: id };
    const reversals = t.reversals as { data: unknown[] };
    reversals.data.push({ ...reversal, created: nowSec(), metadata: {} });
    const previous = { amount_reversed: t.amount_reversed, reversed: t.reversed };
    t.amount_reversed = Number(t.amount_reversed) + take;
    t.reversed = t.amount_reversed === t.amount;
    this.balance.credit(currency, take);
    this.accounts.credit(String(t.destination), currency, -take);
    this.emit('transfer.reversed', t, previous);
    return { status: 200, body: t };
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
    const payout: Obj = {
      id: newId('po'),
      object: 'payout',
      amount: amount.value,
      arrival_date: nowSec() + 86_400,
      automatic: false,
      balance_transaction: newId('txn'),
      created: nowSec(),
      currency,
      description: str(p.description) ?? null,
      destination: str(p.destination) ?? null,
      failure_code: null,
      failure_message: null,
      livemode: false,
      metadata: metadata ?? {},
      method: str(p.method) ?? 'standard',
      source_type: 'card',
      statement_descriptor: str(p.statement_descriptor) ?? null,
      status: 'pending',
      type: 'bank_account',
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
    this.emit('payout.failed', payout);
    return { status: 200, body: payout };
  }

  /** Only a connected account's pending payout can be canceled here (the platform's settle on their own). */
  cancelPayout(id: string): Reply {
    return this.accounts.endPayout(id, 'canceled') ?? notFound('connected-account payout', id);
  }

  createCharge(p: { id?: string; amount: number; currency: string }): Reply {
    const id = p.id ?? newId('ch');
    if (this.charges.has(id))
      return stripeError(400, 'invalid_request_error', `Charge ${id} already exists.`, {
        code: 'resource_already_exists',
      });
    const pi = `pi_${id.replace(/^ch_/, '')}`;
    const charge: Obj = {
      id,
      object: 'charge',
      amount: p.amount,
      amount_captured: p.amount,
      amount_refunded: 0,
      captured: true,
      created: nowSec(),
      currency: p.currency.toLowerCase(),
      livemode: false,
      paid: true,
      payment_intent: pi,
      refunded: false,
      status: 'succeeded',
    };
    this.charges.set(id, charge);
    this.intents.set(pi, id);
    this.balance.credit(String(charge.currency), p.amount);
    this.created.charge++;
    return { status: 200, body: charge };
  }

  /** `POST /v1/refunds` against a charge or payment intent (refunds.ts). */
  createRefund(p: FormObject): Reply {
    return createRefund(this, this.emit, p);
  }
}
