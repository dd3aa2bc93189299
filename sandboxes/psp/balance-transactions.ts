import { obj, str, type FormObject } from './form';
import { invalid, newId, notFound, nowSec, stripeError, type Obj, type Reply } from './replies';

/**
 * The platform balance's journal, as Stripe keeps it: every movement the sandbox books (charge, transfer, transfer
 * reversal, refund, dispute, fee, payout…) is one balance transaction `txn_…` with a signed gross `amount`, a `fee`
 * (with `fee_details`), `net = amount − fee`, a `type` and the `reporting_category` accounting reads, and `source`,
 * the object that caused it. Reconciliation reads it back through `GET /v1/balance_transactions`, so it must hold
 * what was booked, including the oddities the admin API injects; nothing here is derived from the product's records.
 */

export interface FeeDetail {
  amount: number;
  application: string | null;
  currency: string;
  description: string | null;
  type: 'application_fee' | 'stripe_fee' | 'tax';
}

export interface Booking {
  type: string;
  reportingCategory: string;
  /** Signed gross in minor units: + money into the platform balance, − money out of it. */
  amount: number;
  currency: string;
  source: string | null;
  description?: string | null;
  /** Fees taken from this movement (positive minor units), e.g. Stripe's processing fee on a charge. */
  feeDetails?: Array<Omit<FeeDetail, 'currency' | 'application' | 'description'> & { description?: string }>;
  /** Epoch seconds; defaults to now. The admin API sets it to reproduce a day edge. */
  created?: number;
  status?: 'available' | 'pending';
  exchangeRate?: number | null;
}

/** The journal's order: newest first, as Stripe lists (`created` desc, then booking order desc for equal seconds). */
interface Entry {
  item: Obj;
  seq: number;
  /** The automatic payout that paid this transaction out, once one did. */
  payout?: string;
}

const CREATED_OPS = ['gt', 'gte', 'lt', 'lte'] as const;

export class BalanceJournal {
  private readonly entries: Entry[] = [];
  private readonly byId = new Map<string, Entry>();
  private seq = 0;
  private cache?: { sorted: Entry[]; position: Map<string, number> };

  book(b: Booking): Obj {
    const created = b.created ?? nowSec();
    const feeDetails: FeeDetail[] = (b.feeDetails ?? []).map((f) => ({
      amount: f.amount,
      application: null,
      currency: b.currency,
      description: f.description ?? null,
      type: f.type,
    }));
    const fee = feeDetails.reduce((s, f) => s + f.amount, 0);
    const bt: Obj = {
      id: newId('txn'),
      object: 'balance_transaction',
      amount: b.amount,
      // Funds from charges become available later in live mode; the sandbox makes them available at once (or never,
      // for an injected `pending` transaction) so that a day's automatic payout can be built the same day.
      available_on: created,
      balance_type: 'payments',
      created,
      currency: b.currency,
      description: b.description ?? null,
      exchange_rate: b.exchangeRate ?? null,
      fee,
      fee_details: feeDetails,
      net: b.amount - fee,
      reporting_category: b.reportingCategory,
      source: b.source,
      status: b.status ?? 'available',
      type: b.type,
    };
    const entry = { item: bt, seq: ++this.seq };
    this.cache = undefined;
    this.entries.push(entry);
    this.byId.set(bt.id, entry);
    return bt;
  }

  /** The same movement booked a second time under a new `txn_…` (the "booked twice" bad input). */
  bookAgain(id: string): Obj | undefined {
    const e = this.byId.get(id);
    if (!e) return undefined;
    const bt = e.item;
    return this.book({
      type: String(bt.type),
      reportingCategory: String(bt.reporting_category),
      amount: Number(bt.amount),
      currency: String(bt.currency),
      source: bt.source as string | null,
      description: bt.description as string | null,
      feeDetails: (bt.fee_details as FeeDetail[]).map((f) => ({
        amount: f.amount,
        type: f.type,
        ...(f.description ? { description: f.description } : {}),
      })),
      created: Number(bt.created),
      status: bt.status as 'available' | 'pending',
      exchangeRate: bt.exchange_rate as number | null,
    });
  }

  /** The first transaction booked for `source` (e.g. the `tr_…` transfer's own). */
  bySource(source: string): Obj | undefined {
    return this.entries.find((e) => e.item.source === source)?.item;
  }

  /** Transactions an automatic payout may take: available, not yet paid out, not a payout themselves. */
  unpaid(currency: string, fromSec: number, toSec: number): Obj[] {
    return this.entries
      .filter(
        (e) =>
          e.payout === undefined &&
          e.item.status === 'available' &&
          e.item.currency === currency &&
          e.item.type !== 'payout' &&
          Number(e.item.created) >= fromSec &&
          Number(e.item.created) < toSec,
      )
      .map((e) => e.item);
  }

  /** Marks transactions as paid out by `payout` (what the `payout` list filter returns). */
  assign(ids: readonly string[], payout: string): void {
    for (const id of ids) {
      const e = this.byId.get(id);
      if (e) e.payout = payout;
    }
  }

  paidOutBy(payout: string): Obj[] {
    return this.entries.filter((e) => e.payout === payout).map((e) => e.item);
  }

  get(id: string): Reply {
    const e = this.byId.get(id);
    return e ? { status: 200, body: e.item } : notFound('balance transaction', id);
  }

  /**
   * `GET /v1/balance_transactions`: filters `payout`, `type`, `source`, `currency`, `created[gt|gte|lt|lte]`
   * (or `created=<ts>`), newest first, cursor pagination (`limit` 1…100, default 10; `starting_after` pages towards
   * older, `ending_before` towards newer; `has_more` says whether that direction has more).
   */
  list(p: FormObject): Reply {
    const limit = readLimit(p);
    if (typeof limit !== 'number') return limit;
    const created = readCreated(p);
    if ('status' in created) return created;
    const payout = str(p.payout);
    const type = str(p.type);
    const source = str(p.source);
    const currency = str(p.currency);
    const matches = (e: Entry) =>
      (payout === undefined || e.payout === payout) &&
      (type === undefined || e.item.type === type) &&
      (source === undefined || e.item.source === source) &&
      (currency === undefined || e.item.currency === currency) &&
      created.test(Number(e.item.created));
    const { sorted, position } = this.order();
    const after = str(p.starting_after);
    if (str(p.ending_before) !== undefined || (after !== undefined && !this.byId.has(after)))
      return pageOf(sorted.filter(matches), p, limit, (id) => this.byId.get(id), URL_PATH);
    // Forward paging (what a day's reader does, up to 1,000 pages): scan from the cursor and stop as soon as the
    // page is full or the transactions get older than the window, so a page costs O(limit), not O(journal).
    const start = after === undefined ? 0 : (position.get(after) ?? -1) + 1;
    const page: Entry[] = [];
    for (let i = start; i < sorted.length && page.length <= limit; i++) {
      const e = sorted[i] as Entry;
      if (created.olderThanAll(Number(e.item.created))) break;
      if (matches(e)) page.push(e);
    }
    return listReply(URL_PATH, page.slice(0, limit), page.length > limit);
  }

  /** Newest first, with each transaction's place; rebuilt only after a booking (pages in a row share it). */
  private order(): { sorted: Entry[]; position: Map<string, number> } {
    if (!this.cache) {
      const sorted = [...this.entries].sort(newestFirst);
      this.cache = { sorted, position: new Map(sorted.map((e, i) => [e.item.id, i])) };
    }
    return this.cache;
  }
}

const URL_PATH = '/v1/balance_transactions';

export function newestFirst(a: { item: Obj; seq: number }, b: { item: Obj; seq: number }): number {
  return Number(b.item.created) - Number(a.item.created) || b.seq - a.seq;
}

export function readLimit(p: FormObject): number | Reply {
  const raw = str(p.limit);
  if (raw === undefined) return 10;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 100)
    return invalid('limit', 'Invalid integer: limit must be between 1 and 100.');
  return n;
}

/**
 * Stripe's range filter on a timestamp field: `x=<ts>` or `x[gt|gte|lt|lte]=<ts>` (integers, seconds).
 * `olderThanAll(t)`: t is below the range's lower bound (a newest-first scan can stop there).
 */
export interface Range {
  test: (t: number) => boolean;
  olderThanAll: (t: number) => boolean;
}

export function readRange(p: FormObject, field: string): Range | Reply {
  const raw = p[field];
  if (raw === undefined) return { test: () => true, olderThanAll: () => false };
  if (typeof raw === 'string') {
    if (!/^\d+$/.test(raw)) return invalid(field, `Invalid integer: ${field}`);
    const at = Number(raw);
    return { test: (t) => t === at, olderThanAll: (t) => t < at };
  }
  const bounds: Partial<Record<(typeof CREATED_OPS)[number], number>> = {};
  for (const [k, v] of Object.entries(obj(raw) ?? {})) {
    if (!(CREATED_OPS as readonly string[]).includes(k))
      return stripeError(400, 'invalid_request_error', `Received unknown parameter: ${field}[${k}]`, {
        param: `${field}[${k}]`,
      });
    if (typeof v !== 'string' || !/^\d+$/.test(v)) return invalid(`${field}[${k}]`, `Invalid integer: ${field}[${k}]`);
    bounds[k as (typeof CREATED_OPS)[number]] = Number(v);
  }
  const { gt, gte, lt, lte } = bounds;
  return {
    test: (t) =>
      (gt === undefined || t > gt) &&
      (gte === undefined || t >= gte) &&
      (lt === undefined || t < lt) &&
      (lte === undefined || t <= lte),
    olderThanAll: (t) => (gt !== undefined && t <= gt) || (gte !== undefined && t < gte),
  };
}

const readCreated = (p: FormObject) => readRange(p, 'created');

/**
 * One page of a newest-first list. The cursor is an object of the same list type; its place in the order is
 * where the page starts, even when the cursor itself no longer matches the filters (as Stripe does).
 */
export function pageOf<E extends { item: Obj; seq: number }>(
  matching: E[],
  p: FormObject,
  limit: number,
  find: (id: string) => E | undefined,
  url: string,
): Reply {
  const after = str(p.starting_after);
  const before = str(p.ending_before);
  if (after !== undefined && before !== undefined)
    return invalid('ending_before', 'You may only specify one of these parameters: ending_before, starting_after.');
  const cursorId = after ?? before;
  if (cursorId !== undefined) {
    const cursor = find(cursorId);
    if (!cursor)
      return stripeError(400, 'invalid_request_error', `No such object: '${cursorId}'`, {
        code: 'resource_missing',
        param: after !== undefined ? 'starting_after' : 'ending_before',
      });
    if (after !== undefined) {
      const older = matching.filter((e) => newestFirst(cursor, e) < 0);
      return listReply(url, older.slice(0, limit), older.length > limit);
    }
    const newer = matching.filter((e) => newestFirst(e, cursor) < 0);
    return listReply(url, newer.slice(Math.max(0, newer.length - limit)), newer.length > limit);
  }
  return listReply(url, matching.slice(0, limit), matching.length > limit);
}

function listReply(url: string, page: Array<{ item: Obj }>, hasMore: boolean): Reply {
  return { status: 200, body: { object: 'list', data: page.map((e) => e.item), has_more: hasMore, url } };
}

/** The `expand` parameter's paths (`expand[]=a`, `expand[0]=a` or `expand=a`, as Stripe's clients send it). */
export function expandsOf(p: FormObject): string[] {
  const raw = p.expand;
  if (typeof raw === 'string') return [raw];
  return Object.values(obj(raw) ?? {}).filter((v): v is string => typeof v === 'string');
}

/**
 * Stripe's `expand` of a balance transaction's `source` (`source` on one, `data.source` on a list): the ID becomes the
 * object it names, as the sandbox holds it (a transfer with its `transfer_group`, which names the payout: how
 * reconciliation traces a transfer the ledger never expected). An ID the sandbox keeps no object for stays an ID.
 * Copies: the journal's own records are never changed by a read.
 */
export function expandSources(reply: Reply, paths: string[], resolve: (id: string) => Obj | undefined): Reply {
  if (reply.status !== 200) return reply;
  const body = reply.body as Obj;
  const expand = (bt: Obj): Obj => {
    const found = typeof bt.source === 'string' ? resolve(bt.source) : undefined;
    return found ? { ...bt, source: found } : bt;
  };
  if (body.object === 'list' && paths.includes('data.source'))
    return { status: 200, body: { ...body, data: (body.data as Obj[]).map(expand) } };
  if (body.object === 'balance_transaction' && paths.includes('source')) return { status: 200, body: expand(body) };
  return reply;
}
