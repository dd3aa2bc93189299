import { newId, notFound, nowSec, readAmount, readCurrency, stripeError, type Obj, type Reply } from './replies';

/** An event emitter that may name the connected account the event happened on (Stripe's `event.account`). */
export type EmitOn = (type: string, object: Obj, previous?: Record<string, unknown>, account?: string) => void;

/**
 * Connected accounts (Stripe Connect): transfers credit their balance, their own payouts to their bank debit it, and
 * a payout that fails or is canceled puts the money back on *their* balance, with `event.account` set on the event.
 * None of this touches the platform's balance: it is not a return of the platform's transfer.
 */
export class PspConnectedAccounts {
  private readonly balances = new Map<string, Map<string, number>>();
  /** payout ID → the connected account that owns it. */
  readonly payoutOwner = new Map<string, string>();

  constructor(
    private readonly emit: EmitOn,
    private readonly payouts: Map<string, Obj>,
  ) {}

  credit(account: string, currency: string, amount: number): void {
    const b = this.balances.get(account) ?? new Map<string, number>();
    b.set(currency, (b.get(currency) ?? 0) + amount);
    this.balances.set(account, b);
  }

  /** Admin: `{ id, balance: { eur: 400 } }`. */
  reply(account: string): Reply {
    return { status: 200, body: { id: account, balance: Object.fromEntries(this.balances.get(account) ?? []) } };
  }

  /** The connected account pays out to its own bank (admin: it happens on their side, not through our API). */
  createPayout(account: string, p: { amount: unknown; currency: unknown; metadata?: Record<string, string> }): Reply {
    const amount = readAmount({ amount: String(p.amount) });
    if ('status' in amount) return amount;
    const currency = readCurrency({ currency: String(p.currency).toLowerCase() });
    if (typeof currency !== 'string') return currency;
    const have = this.balances.get(account)?.get(currency) ?? 0;
    if (have < amount.value)
      return stripeError(
        400,
        'invalid_request_error',
        'You have insufficient available funds in your Stripe account.',
        {
          code: 'balance_insufficient',
        },
      );
    this.credit(account, currency, -amount.value);
    const payout: Obj = {
      id: newId('po'),
      object: 'payout',
      amount: amount.value,
      arrival_date: nowSec() + 86_400,
      automatic: true,
      created: nowSec(),
      currency,
      failure_code: null,
      failure_message: null,
      livemode: false,
      // The account holder writes this metadata: it proves nothing about our payouts.
      metadata: p.metadata ?? {},
      method: 'standard',
      status: 'pending',
      type: 'bank_account',
    };
    this.payouts.set(payout.id, payout);
    this.payoutOwner.set(payout.id, account);
    this.emit('payout.created', payout, undefined, account);
    return { status: 200, body: payout };
  }

  /** A connected account's payout failed or was canceled: the money returns to that account's balance. */
  endPayout(id: string, status: 'failed' | 'canceled', failureCode?: string): Reply | undefined {
    const account = this.payoutOwner.get(id);
    if (!account) return undefined;
    const payout = this.payouts.get(id);
    if (!payout) return notFound('payout', id);
    if (payout.status === 'failed' || payout.status === 'canceled')
      return stripeError(400, 'invalid_request_error', `Payout ${id} is already ${String(payout.status)}.`, {
        code: 'payout_not_pending',
      });
    payout.status = status;
    if (failureCode) {
      payout.failure_code = failureCode;
      payout.failure_message = `The payout failed: ${failureCode}.`;
    }
    this.credit(account, String(payout.currency), Number(payout.amount));
    this.emit(`payout.${status}`, payout, undefined, account);
    return { status: 200, body: payout };
  }
}
