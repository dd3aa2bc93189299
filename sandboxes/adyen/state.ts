import { randomBytes } from 'node:crypto';

/**
 * The Adyen sandbox's books: the platform's balance account (one balance per currency), the transfers it executed
 * and their status lifecycle as Adyen's Transfers API reports it: `received` → `authorised` → `booked`, or `refused`
 * at once (before any money moved: not enough balance, a limit, a blocked counterparty), and later `failed` or
 * `returned` when the counterparty's bank sends the money back (admin routes).
 */

export interface Reply {
  status: number;
  body: unknown;
}

export type TransferStatus = 'received' | 'authorised' | 'refused' | 'booked' | 'failed' | 'returned';

/** A transfer as `GET /transfers/{id}` answers it (Adyen's `TransferData`, the fields the product reads). */
export interface TransferData {
  id: string;
  accountHolder: { id: string };
  amount: { currency: string; value: number };
  balanceAccount: { id: string };
  balancePlatform: string;
  category: 'bank' | 'internal';
  counterparty: { balanceAccountId?: string; transferInstrumentId?: string };
  creationDate: string;
  description?: string;
  direction: 'outgoing';
  reason: string;
  reference?: string;
  referenceForBeneficiary?: string;
  sequenceNumber: number;
  status: TransferStatus;
  type: 'internalTransfer' | 'bankTransfer';
  events: Array<{ id: string; bookingDate: string; status: TransferStatus; type: 'accounting'; reason?: string }>;
}

/**
 * A booked balance movement as Adyen's Transactions API lists it (`GET /btl/v4/transactions`, the library's
 * `Transaction`): what reconciliation reads as the platform balance account's statement. An outgoing transfer books
 * a negative `amount.value` when it is booked; a return (or a failure after booking) books the money back, positive.
 */
export interface TransactionData {
  id: string;
  accountHolder: { id: string };
  amount: { currency: string; value: number };
  balanceAccount: { id: string };
  balancePlatform: string;
  bookingDate: string;
  creationDate: string;
  status: 'booked' | 'pending';
  transfer: { id: string; reference: string };
  valueDate: string;
}

/** What the admin API shows of each transfer: for invariants (which idempotency key and reference it came from). */
export interface ExecutedTransfer {
  id: string;
  reference?: string;
  idempotencyKey: string | null;
  status: TransferStatus;
  reason: string;
  amount: { currency: string; value: number };
  counterparty: string;
  createdAt: number;
}

export type EmitTransfer = (
  type: 'balancePlatform.transfer.created' | 'balancePlatform.transfer.updated',
  t: TransferData,
) => void;

export const PLATFORM_ACCOUNT = 'BA00000000000000PLATFORM';
export const BALANCE_PLATFORM = 'PayopsPlatform';
/** Until an admin call sets a balance, the platform holds this much in every currency (the happy path never runs dry). */
const DEFAULT_BALANCE = 1_000_000_000_000;

/** Adyen-looking identifiers: a prefix and upper-case alphanumerics. */
export function adyenId(prefix: string, length = 16): string {
  return `${prefix}${randomBytes(length)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .toUpperCase()
    .slice(0, length)
    .padEnd(length, '0')}`;
}

/** An Adyen problem-details error body (RFC 7807, as the Balance Platform APIs answer). */
export function problem(
  status: number,
  errorCode: string,
  title: string,
  detail: string,
  extra: Record<string, unknown> = {},
): Reply {
  return {
    status,
    body: {
      type: `https://docs.adyen.com/errors/${status === 422 ? 'validation' : status === 401 ? 'security/unauthorized' : 'general'}`,
      title,
      status,
      detail,
      errorCode,
      requestId: adyenId('', 16),
      ...extra,
    },
  };
}

export class AdyenState {
  readonly transfers = new Map<string, TransferData>();
  readonly executed: ExecutedTransfer[] = [];
  /** The platform balance account's booked movements, in booking order. */
  readonly transactions: TransactionData[] = [];
  private readonly balances = new Map<string, number>();
  private sequence = 0;

  constructor(private readonly emit: EmitTransfer) {}

  balanceOf(currency: string): number {
    return this.balances.get(currency) ?? DEFAULT_BALANCE;
  }

  setBalance(currency: string, value: number): void {
    this.balances.set(currency, value);
  }

  /**
   * `POST /transfers` once validated: refused at once when the platform lacks the balance or the counterparty is
   * refused (`refuse` names a reason), else authorised, the balance reserved, and booked `settleMs` later.
   */
  create(
    body: ValidTransferInfo,
    idempotencyKey: string | null,
    refuse: string | undefined,
    settleMs: number,
    later: (fn: () => void, ms: number) => void,
  ): Reply {
    const { currency, value } = body.amount;
    const reason = refuse ?? (this.balanceOf(currency) < value ? 'notEnoughBalance' : undefined);
    const now = new Date().toISOString();
    const status: TransferStatus = reason ? 'refused' : 'authorised';
    const t: TransferData = {
      id: adyenId('', 16),
      accountHolder: { id: 'AH00000000000000PLATFORM' },
      amount: { currency, value },
      balanceAccount: { id: body.balanceAccountId },
      balancePlatform: BALANCE_PLATFORM,
      category: body.category,
      counterparty: body.counterparty,
      creationDate: now,
      ...(body.description ? { description: body.description } : {}),
      direction: 'outgoing',
      reason: reason ?? 'approved',
      ...(body.reference ? { reference: body.reference } : {}),
      ...(body.referenceForBeneficiary ? { referenceForBeneficiary: body.referenceForBeneficiary } : {}),
      sequenceNumber: ++this.sequence,
      status,
      type: body.category === 'internal' ? 'internalTransfer' : 'bankTransfer',
      events: [
        { id: adyenId('EVJN', 26), bookingDate: now, status: 'received', type: 'accounting' },
        { id: adyenId('EVJN', 26), bookingDate: now, status, type: 'accounting', ...(reason ? { reason } : {}) },
      ],
    };
    this.transfers.set(t.id, t);
    this.executed.push({
      id: t.id,
      reference: t.reference,
      idempotencyKey,
      status,
      reason: t.reason,
      amount: t.amount,
      counterparty: body.counterparty.balanceAccountId ?? body.counterparty.transferInstrumentId ?? '',
      createdAt: Date.now(),
    });
    if (!reason) this.balances.set(currency, this.balanceOf(currency) - value);
    this.emit('balancePlatform.transfer.created', t);
    if (!reason) later(() => this.move(t.id, 'booked'), settleMs);
    return { status: 200, body: t };
  }

  /** A later status: `booked` (settled), `failed`/`returned` (the counterparty's bank sent it back: balance restored). */
  move(id: string, status: TransferStatus, reason?: string): Reply {
    const t = this.transfers.get(id);
    if (!t) return problem(404, '30_404', 'Not found', `Transfer ${id} not found`);
    const allowed: Record<TransferStatus, TransferStatus[]> = {
      received: ['authorised', 'refused'],
      authorised: ['booked', 'failed'],
      booked: ['returned', 'failed'],
      refused: [],
      failed: [],
      returned: [],
    };
    if (!allowed[t.status].includes(status))
      return { status: 409, body: { error: `transfer ${id} is ${t.status}; it cannot become ${status}` } };
    const bookedBefore = t.events.some((e) => e.status === 'booked');
    t.status = status;
    if (reason) t.reason = reason;
    t.sequenceNumber = ++this.sequence;
    t.events.push({
      id: adyenId('EVJN', 26),
      bookingDate: new Date().toISOString(),
      status,
      type: 'accounting',
      ...(reason ? { reason } : {}),
    });
    if (status === 'failed' || status === 'returned')
      this.balances.set(t.amount.currency, this.balanceOf(t.amount.currency) + t.amount.value);
    // The balance account's statement: a booking takes the money out; a return (or failure) of a booked transfer
    // brings it back. A transfer that fails before it was booked never showed on the statement.
    if (status === 'booked') this.book(t, -t.amount.value);
    else if ((status === 'returned' || status === 'failed') && bookedBefore) this.book(t, t.amount.value);
    const row = this.executed.find((e) => e.id === id);
    if (row) {
      row.status = status;
      row.reason = t.reason;
    }
    this.emit('balancePlatform.transfer.updated', t);
    return { status: 200, body: t };
  }

  private book(t: TransferData, value: number): void {
    const now = new Date().toISOString();
    this.transactions.push({
      id: adyenId('EVJN', 26),
      accountHolder: t.accountHolder,
      amount: { currency: t.amount.currency, value },
      balanceAccount: t.balanceAccount,
      balancePlatform: t.balancePlatform,
      bookingDate: now,
      creationDate: now,
      status: 'booked',
      transfer: { id: t.id, reference: t.reference ?? '' },
      valueDate: now,
    });
  }

  /**
   * `GET /transactions?createdSince&createdUntil[&balanceAccountId|balancePlatform][&cursor&limit]` (Adyen's
   * `TransactionSearchResponse`): the balance account's booked movements created in the window, oldest first, paged
   * by an opaque cursor in `_links.next.href`. The window is required, as at Adyen.
   */
  listTransactions(q: URLSearchParams): Reply {
    const since = Date.parse(q.get('createdSince') ?? '');
    const until = Date.parse(q.get('createdUntil') ?? '');
    if (!Number.isFinite(since) || !Number.isFinite(until))
      return problem(422, '30_100', 'Invalid request', 'createdSince and createdUntil are required', {
        invalidFields: [{ name: 'createdSince', message: 'required ISO 8601 date-time' }],
      });
    const account = q.get('balanceAccountId');
    const platform = q.get('balancePlatform');
    const limit = Math.min(100, Math.max(1, Number(q.get('limit') ?? 10) || 10));
    const cursor = Number(q.get('cursor') ?? 0) || 0;
    const all = this.transactions.filter((x) => {
      const at = Date.parse(x.creationDate);
      return (
        at >= since &&
        at <= until &&
        (account === null || x.balanceAccount.id === account) &&
        (platform === null || x.balancePlatform === platform)
      );
    });
    const page = all.slice(cursor, cursor + limit);
    const next = cursor + limit < all.length ? cursor + limit : undefined;
    return {
      status: 200,
      body: {
        data: page,
        _links: next === undefined ? {} : { next: { href: `/btl/v4/transactions?${withCursor(q, next)}` } },
      },
    };
  }

  /** `GET /transfers?…`: filters the product uses (reference, balance account, creation window), oldest first. */
  find(q: URLSearchParams): Reply {
    const since = Date.parse(q.get('createdSince') ?? '');
    const until = Date.parse(q.get('createdUntil') ?? '');
    if (!Number.isFinite(since) || !Number.isFinite(until))
      return problem(
        422,
        '30_100',
        'Invalid transfer information provided',
        'createdSince and createdUntil are required',
        {
          invalidFields: [{ name: 'createdSince', message: 'required ISO 8601 date-time' }],
        },
      );
    const reference = q.get('reference');
    const account = q.get('balanceAccountId');
    const limit = Math.min(100, Math.max(1, Number(q.get('limit') ?? 10) || 10));
    const cursor = Number(q.get('cursor') ?? 0) || 0;
    const all = [...this.transfers.values()].filter((t) => {
      const at = Date.parse(t.creationDate);
      return (
        at >= since &&
        at <= until &&
        (reference === null || t.reference === reference) &&
        (account === null || t.balanceAccount.id === account)
      );
    });
    const page = all.slice(cursor, cursor + limit);
    const next = cursor + limit < all.length ? cursor + limit : undefined;
    return {
      status: 200,
      body: {
        data: page,
        _links: next === undefined ? {} : { next: { href: `/btl/v4/transfers?${withCursor(q, next)}` } },
      },
    };
  }

  get created(): { transfer: number; refused: number } {
    return {
      transfer: this.executed.filter((e) => e.status !== 'refused').length,
      refused: this.executed.filter((e) => e.status === 'refused').length,
    };
  }
}

function withCursor(q: URLSearchParams, cursor: number): string {
  const n = new URLSearchParams(q);
  n.set('cursor', String(cursor));
  return n.toString();
}

export interface ValidTransferInfo {
  amount: { currency: string; value: number };
  balanceAccountId: string;
  category: 'bank' | 'internal';
  counterparty: { balanceAccountId?: string; transferInstrumentId?: string };
  reference?: string;
  referenceForBeneficiary?: string;
  description?: string;
}

/** Validates a `TransferInfo` body: the subset the product sends, with Adyen's limits (reference ≤ 80 characters). */
export function validTransferInfo(b: Record<string, unknown>): ValidTransferInfo | Reply {
  const bad: Array<{ name: string; message: string }> = [];
  const amount = b.amount as { currency?: unknown; value?: unknown } | undefined;
  if (!amount || typeof amount.currency !== 'string' || !/^[A-Z]{3}$/.test(amount.currency))
    bad.push({ name: 'amount.currency', message: 'required, ISO 4217 code' });
  if (!amount || !Number.isSafeInteger(amount.value) || Number(amount.value) <= 0)
    bad.push({ name: 'amount.value', message: 'required, positive integer in minor units' });
  if (typeof b.balanceAccountId !== 'string' || !b.balanceAccountId)
    bad.push({ name: 'balanceAccountId', message: 'required' });
  if (b.category !== 'bank' && b.category !== 'internal')
    bad.push({ name: 'category', message: 'must be bank or internal' });
  const cp = (b.counterparty ?? {}) as { balanceAccountId?: unknown; transferInstrumentId?: unknown };
  const cpId = typeof cp.balanceAccountId === 'string' ? cp.balanceAccountId : cp.transferInstrumentId;
  if (typeof cpId !== 'string' || !cpId)
    bad.push({ name: 'counterparty', message: 'balanceAccountId or transferInstrumentId required' });
  if (b.reference !== undefined && (typeof b.reference !== 'string' || b.reference.length > 80))
    bad.push({ name: 'reference', message: 'at most 80 characters' });
  if (bad.length > 0)
    return problem(422, '30_100', 'Invalid transfer information provided', `${bad.length} invalid field(s)`, {
      invalidFields: bad,
    });
  return {
    amount: { currency: String(amount!.currency), value: Number(amount!.value) },
    balanceAccountId: String(b.balanceAccountId),
    category: b.category as 'bank' | 'internal',
    counterparty:
      typeof cp.balanceAccountId === 'string'
        ? { balanceAccountId: cp.balanceAccountId }
        : { transferInstrumentId: String(cp.transferInstrumentId) },
    ...(typeof b.reference === 'string' ? { reference: b.reference } : {}),
    ...(typeof b.referenceForBeneficiary === 'string' ? { referenceForBeneficiary: b.referenceForBeneficiary } : {}),
    ...(typeof b.description === 'string' ? { description: b.description } : {}),
  };
}
