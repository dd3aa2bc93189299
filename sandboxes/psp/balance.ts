import { stripeError, type Reply } from './replies';

/** The sandbox account's available funds per currency: what transfers and payouts debit, charges credit. */
export class PspBalance {
  private readonly funds = new Map<string, number>();

  /** A fresh account: plenty of USD, EUR and GBP, so only a test that sets a balance meets insufficient funds. */
  constructor() {
    for (const c of ['usd', 'eur', 'gbp']) this.funds.set(c, 100_000_000);
  }

  /** Admin: sets the available amount of one currency. */
  set(currency: string, amount: number): void {
    this.funds.set(currency, amount);
  }

  /** `GET /v1/balance`: the available funds (nothing is ever pending in the sandbox). */
  reply(): Reply {
    const entries = [...this.funds.entries()].map(([currency, amount]) => ({
      amount,
      currency,
      source_types: { card: amount },
    }));
    return {
      status: 200,
      body: {
        object: 'balance',
        livemode: false,
        available: entries,
        pending: entries.map((e) => ({ ...e, amount: 0, source_types: { card: 0 } })),
      },
    };
  }

  /** Takes `amount` out, or answers Stripe's `balance_insufficient` error and takes nothing. */
  debit(currency: string, amount: number): Reply | undefined {
    const have = this.funds.get(currency) ?? 0;
    if (have < amount) {
      return stripeError(
        400,
        'invalid_request_error',
        'You have insufficient available funds in your Stripe account.',
        {
          code: 'balance_insufficient',
        },
      );
    }
    this.funds.set(currency, have - amount);
    return undefined;
  }

  credit(currency: string, amount: number): void {
    this.funds.set(currency, (this.funds.get(currency) ?? 0) + amount);
  }
}
