import { zonedDayWindow } from '../../activities/recon/business-day';
import type { BalanceJournal } from './balance-transactions';
import { pageOf, readLimit, readRange } from './balance-transactions';
import { str, type FormObject } from './form';
import { newId, nowSec, type Obj, type Reply } from './replies';
import type { EmitOn } from './connect';

/**
 * The platform's automatic payouts to its bank, and the bad inputs reconciliation must survive (research A.4.6).
 *
 * An automatic payout sweeps one business day of the platform balance: every *available* balance transaction of the
 * currency created in [00:00, 24:00) of that day in the account's timezone and not yet paid out. Its amount is the
 * sum of their `net`, so once `reconciliation_status` is `completed`, `GET /v1/balance_transactions?payout=po_…`
 * lists exactly what it paid (plus its own `payout` transaction, −amount, as Stripe lists it): Σ net of the
 * non-payout ones = `amount` (invariant R8).
 *
 * Lifecycle (times from the `payoutSettleMs` fault): created `pending` with `reconciliation_status: in_progress`,
 * then `paid` with `completed` (`payout.paid`, `payout.reconciliation_completed`) — unless the payout was created
 * `stuck`, which leaves it `in_progress` until `POST /__admin/payouts/:id/reconcile`.
 */

/** The bad inputs an automatic payout's day can carry. */
export const BAD_INPUTS = [
  /** A charge whose funds are still `pending`: not in this payout; in the day's window. */
  'pending',
  /** A converted charge: `exchange_rate` is a number (the charge was in another currency). */
  'exchange_rate',
  /** An adjustment whose `source` is null. */
  'source_null',
  /** A `reporting_category` no one has heard of (Stripe adds categories). */
  'unknown_category',
  /** A charge created at 23:59:59(.999) local time: the last second of the day in the account's timezone. */
  'end_of_day',
  /** The day's (or the given) transfer booked a second time under a new `txn_…`, same `source`. */
  'duplicate_transfer',
] as const;
export type BadInput = (typeof BAD_INPUTS)[number];

export const UNKNOWN_CATEGORY = 'sandbox_unannounced_category';

export interface AutomaticPayoutRequest {
  date: string;
  timezone: string;
  currency: string;
  inject: BadInput[];
  /** The payout's `reconciliation_status` stays `in_progress` after it is paid. */
  stuck: boolean;
  /** For `duplicate_transfer`: which transfer (default: the day's newest). */
  transfer?: string;
}

export interface PayoutBook {
  readonly payouts: Map<string, Obj>;
  readonly journal: BalanceJournal;
  readonly created: { payout: number; charge: number };
  debitForPayout(currency: string, amount: number): void;
  isConnectedPayout(id: string): boolean;
}

/** Admin body → request, or an error message naming the field. */
export function automaticPayoutRequest(b: Record<string, unknown>): AutomaticPayoutRequest | string {
  if (typeof b.date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(b.date)) return 'date must be YYYY-MM-DD';
  const timezone = b.timezone === undefined ? 'UTC' : b.timezone;
  if (typeof timezone !== 'string') return 'timezone must be an IANA zone name';
  try {
    zonedDayWindow(b.date, timezone);
  } catch {
    return `timezone ${JSON.stringify(timezone)} is not a known IANA zone`;
  }
  const currency = b.currency === undefined ? 'eur' : b.currency;
  if (typeof currency !== 'string' || !/^[a-z]{3}$/.test(currency)) return 'currency must be a lowercase ISO code';
  const inject = b.inject ?? [];
  if (!Array.isArray(inject) || inject.some((x) => !(BAD_INPUTS as readonly unknown[]).includes(x)))
    return `inject must be a list of ${BAD_INPUTS.join(', ')}`;
  if (b.stuck !== undefined && typeof b.stuck !== 'boolean') return 'stuck must be a boolean';
  if (b.transfer !== undefined && typeof b.transfer !== 'string') return 'transfer must be a tr_ id';
  return {
    date: b.date,
    timezone,
    currency,
    inject: inject as BadInput[],
    stuck: b.stuck === true,
    ...(typeof b.transfer === 'string' ? { transfer: b.transfer } : {}),
  };
}

/**
 * Books the day's bad inputs, then sweeps the day into one automatic payout. 400 when the day nets to zero or less
 * (Stripe would not pay out; it would debit the bank, which the sandbox does not model).
 */
export function createAutomaticPayout(
  book: PayoutBook,
  emit: EmitOn,
  r: AutomaticPayoutRequest,
  settleMs: number,
  schedule: (fn: () => void, ms: number) => void,
): Reply {
  const { fromMs, toMs } = zonedDayWindow(r.date, r.timezone);
  const [fromSec, toSec] = [fromMs / 1000, toMs / 1000];
  const now = nowSec();
  // Bookings injected for the day happen "now" when today is that day, else at its local noon.
  const inDay = now >= fromSec && now < toSec ? now : fromSec + 12 * 3600;
  const injected: Obj[] = [];
  for (const bad of r.inject) {
    const bt = bookBadInput(book, bad, r, { inDay, lastSecond: toSec - 1, fromSec, toSec });
    if (typeof bt === 'string') return { status: 400, body: { error: bt } };
    injected.push(bt);
  }
  const swept = book.journal.unpaid(r.currency, fromSec, toSec);
  const amount = swept.reduce((s, bt) => s + Number(bt.net), 0);
  if (amount <= 0)
    return {
      status: 400,
      body: { error: `the day ${r.date} nets ${amount} ${r.currency}: nothing to pay out`, injected: ids(injected) },
    };
  const id = newId('po');
  const own = book.journal.book({
    type: 'payout',
    reportingCategory: 'payout',
    amount: -amount,
    currency: r.currency,
    source: id,
    description: 'STRIPE PAYOUT',
    created: Math.max(now, toSec),
  });
  book.journal.assign([...ids(swept), own.id], id);
  book.debitForPayout(r.currency, amount);
  const payout: Obj = {
    ...payoutFields(),
    id,
    amount,
    // Stripe's arrival_date is midnight UTC of the day the bank is expected to credit it: D + 2 here.
    arrival_date: Date.UTC(...ymd(r.date, 2)) / 1000,
    automatic: true,
    balance_transaction: own.id,
    created: own.created,
    currency: r.currency,
    description: 'STRIPE PAYOUT',
    destination: 'ba_sandboxplatformbank',
    reconciliation_status: 'in_progress',
    status: 'pending',
  };
  book.payouts.set(id, payout);
  book.created.payout++;
  emit('payout.created', payout);
  schedule(() => {
    if (payout.status !== 'pending') return;
    payout.status = 'paid';
    emit('payout.paid', payout);
    if (!r.stuck) completeReconciliation(payout, emit);
  }, settleMs);
  return {
    status: 200,
    body: { payout, balance_transactions: ids(swept), injected: ids(injected), window: { fromSec, toSec } },
  };
}

/** `in_progress` → `completed`, announced as Stripe does (`payout.reconciliation_completed`). */
export function completeReconciliation(payout: Obj, emit: EmitOn): Reply {
  if (payout.automatic !== true)
    return { status: 400, body: { error: `payout ${payout.id} is manual: reconciliation is not_applicable` } };
  if (payout.reconciliation_status !== 'completed') {
    payout.reconciliation_status = 'completed';
    emit('payout.reconciliation_completed', payout, { reconciliation_status: 'in_progress' });
  }
  return { status: 200, body: payout };
}

function bookBadInput(
  book: PayoutBook,
  bad: BadInput,
  r: AutomaticPayoutRequest,
  at: { inDay: number; lastSecond: number; fromSec: number; toSec: number },
): Obj | string {
  const charge = (extra: { created?: number; status?: 'pending'; exchangeRate?: number }, amount = 1_000) => {
    book.created.charge++;
    return book.journal.book({
      type: 'charge',
      reportingCategory: 'charge',
      amount,
      currency: r.currency,
      source: newId('ch'),
      created: at.inDay,
      ...extra,
    });
  };
  switch (bad) {
    case 'pending':
      return charge({ status: 'pending' });
    case 'exchange_rate':
      // 10.00 GBP charged, booked as 11.67 EUR on an EUR balance.
      return charge({ exchangeRate: 1.16744 }, 1_167);
    case 'source_null':
      return book.journal.book({
        type: 'adjustment',
        reportingCategory: 'other_adjustment',
        amount: 250,
        currency: r.currency,
        source: null,
        description: 'Sandbox adjustment without a source object',
        created: at.inDay,
      });
    case 'unknown_category':
      return book.journal.book({
        type: 'adjustment',
        reportingCategory: UNKNOWN_CATEGORY,
        amount: 300,
        currency: r.currency,
        source: newId('ia'),
        created: at.inDay,
      });
    case 'end_of_day':
      return charge({ created: at.lastSecond }, 777);
    case 'duplicate_transfer': {
      const original = r.transfer
        ? book.journal.bySource(r.transfer)
        : book.journal
            .unpaid(r.currency, at.fromSec, at.toSec)
            .filter((bt) => bt.type === 'transfer')
            .at(-1);
      if (!original) return `no transfer ${r.transfer ?? `on ${r.date}`} to book twice`;
      return book.journal.bookAgain(original.id) as Obj;
    }
  }
}

/**
 * `GET /v1/payouts`: the platform's payouts (not its connected accounts'), newest first, filters `arrival_date` and
 * `created` (ranges), `status`, `destination`; cursor pagination like every Stripe list.
 */
export function listPayouts(book: PayoutBook, p: FormObject): Reply {
  const limit = readLimit(p);
  if (typeof limit !== 'number') return limit;
  const arrival = readRange(p, 'arrival_date');
  if ('status' in arrival) return arrival;
  const created = readRange(p, 'created');
  if ('status' in created) return created;
  const status = str(p.status);
  const destination = str(p.destination);
  const all = [...book.payouts.values()]
    .filter((o) => !book.isConnectedPayout(o.id))
    .map((item, seq) => ({ item, seq }))
    .sort((a, b) => Number(b.item.created) - Number(a.item.created) || b.seq - a.seq);
  const matching = all.filter(
    (e) =>
      arrival.test(Number(e.item.arrival_date)) &&
      created.test(Number(e.item.created)) &&
      (status === undefined || e.item.status === status) &&
      (destination === undefined || e.item.destination === destination),
  );
  return pageOf(matching, p, limit, (id) => all.find((e) => e.item.id === id), '/v1/payouts');
}

/** The fields every payout object carries (Stripe's shape as of the pinned API version), before its own values. */
export function payoutFields(): Omit<Obj, 'id'> {
  return {
    object: 'payout',
    application_fee: null,
    application_fee_amount: null,
    failure_balance_transaction: null,
    failure_code: null,
    failure_message: null,
    livemode: false,
    metadata: {},
    method: 'standard',
    original_payout: null,
    payout_method: null,
    reversed_by: null,
    source_type: 'card',
    statement_descriptor: null,
    trace_id: { status: 'pending', value: null },
    type: 'bank_account',
  };
}

const ids = (bts: Obj[]) => bts.map((bt) => bt.id);

function ymd(date: string, plusDays: number): [number, number, number] {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return [y, m - 1, d + plusDays];
}
