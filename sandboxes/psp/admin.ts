import { clearTimers, schedule, type AdminApi } from '../shared/http';
import { mergeNumbers, noTransportFaults, num, TRANSPORT_FAULT_KEYS, type TransportFaults } from '../shared/faults';
import type { WebhookDispatcher } from '../shared/webhooks';
import { flat } from './form';
import { automaticPayoutRequest } from './automatic-payouts';
import { limitsRoute, type RateLimit } from './rate-limit';
import { nowSec, type Reply } from './replies';
import { refundRefusalCode } from './refunds';
import { PspState, type Emit } from './state';

/** Stripe keeps idempotency keys for at least 24 h; after that a replayed key creates a new object. */
export const DEFAULT_IDEMPOTENCY_TTL_MS = 24 * 3_600_000;

/** Injected faults: what the next calls suffer (counters are used up one call at a time). */
export interface Faults extends TransportFaults {
  timeoutPhase: 'before' | 'after';
  rateLimitNext: number;
  declineDestinations: Set<string>;
  holdWebhooks: boolean;
  payoutSettleMs: number;
  /** When set (`POST`, `GET`), `fail5xxNext` and `timeoutNext` only hit calls of this method. */
  faultMethod?: string;
  /** Events claim to be this many seconds old (`created` in the past): how a late delivery looks to the receiver. */
  eventAgeSec: number;
}

export const defaultFaults = (): Faults => ({
  ...noTransportFaults(),
  timeoutPhase: 'after',
  rateLimitNext: 0,
  declineDestinations: new Set(),
  holdWebhooks: false,
  payoutSettleMs: 100,
  eventAgeSec: 0,
});

/** One API call as the admin API reports it. */
export interface CallRecord {
  method: string;
  path: string;
  idempotencyKey: string | null;
  status: number;
  /** When the call arrived (epoch ms). */
  at: number;
  fault?: 'latency' | '5xx' | 'timeout' | 'rate_limit';
  replayed?: boolean;
}

/** An idempotency key's request fingerprint and, once the call finished, its stored response. */
export interface IdemEntry {
  fingerprint: string;
  /** When the key was first used (epoch ms): it expires `idemTtlMs` later. */
  at: number;
  response?: Reply;
}

/** What the API and admin handlers share; the admin API's reset replaces the faults and the state. */
export interface PspSandboxContext {
  faults: Faults;
  state: PspState;
  readonly calls: CallRecord[];
  readonly idem: Map<string, IdemEntry>;
  idemTtlMs: number;
  /** The provider's rate limiter, when one is configured (none by default). */
  rateLimit?: RateLimit;
  readonly events: Map<string, Record<string, unknown>>;
  readonly timers: Set<NodeJS.Timeout>;
  readonly hooks: WebhookDispatcher;
  readonly emit: Emit;
}

/**
 * Admin API (served by `sandboxServer`):
 * - POST /__admin/reset — forget everything (objects, keys, calls, events, faults)
 * - POST /__admin/faults — merge `{ latencyMs, fail5xxNext, timeoutNext, timeoutPhase:'before'|'after', hangMs,
 *   rateLimitNext, declineDestinations, holdWebhooks, payoutSettleMs, eventAgeSec,
 *   faultMethod: 'POST'|'GET' }`; DELETE /__admin/faults clears them
 * - GET /__admin/calls — `{ calls: [{method, path, idempotencyKey, status, fault?, replayed?}], created: {transfer, …} }`
 * - GET /__admin/events — emitted events `{ id, type }[]` and webhook delivery attempts
 * - POST /__admin/balance `{ currency, amount }` — set the available balance
 * - POST /__admin/charges `{ id?, amount, currency, fee?, refundRefusal? }` — a captured charge (+ payment_intent
 *   `pi_…`) to refund against; `fee` is Stripe's processing fee on it (`fee_details`, `net = amount − fee`);
 *   `refundRefusal` ('charge_expired_for_refund' | 'charge_disputed'): every refund of it is refused with that code
 * - POST /__admin/fees `{ amount, currency, description? }` — a fee Stripe charges the platform (`stripe_fee`)
 * - POST /__admin/refunds/:id/fail `{ failure_reason? }` → `refund.failed`, a `refund_failure` balance transaction
 * - POST /__admin/automatic-payouts `{ date: 'YYYY-MM-DD', timezone?: 'UTC', currency?: 'eur', stuck?: boolean,
 *   inject?: ('pending'|'exchange_rate'|'source_null'|'unknown_category'|'end_of_day'|'duplicate_transfer')[],
 *   transfer?: 'tr_…' }` — books the bad inputs into that day, then pays the day's available balance transactions out
 *   in one automatic payout (`reconciliation_status` in_progress → completed when paid, unless `stuck`);
 *   answers `{ payout, balance_transactions: [txn ids], injected: [txn ids], window: { fromSec, toSec } }`
 * - POST /__admin/payouts/:id/reconcile → a stuck automatic payout's `reconciliation_status` becomes completed
 * - POST /__admin/disputes `{ id?, charge?, amount, currency, reason, due_by, orderId? }` → `charge.dispute.created`
 * - POST /__admin/disputes/:id/outcome `{ status: 'won'|'lost' }` → `charge.dispute.closed`
 * - POST /__admin/disputes/:id/reopen `{ due_by? }` → `charge.dispute.updated` (pre-arbitration, needs_response)
 * - POST /__admin/rate-limit `{ rps, burst?, scope?: 'account'|'endpoint' }` — token buckets (one for the account, or
 *   one per endpoint with object IDs folded): over it, 429 `rate_limit` with `Retry-After`;
 *   DELETE /__admin/rate-limit removes it
 * - POST /__admin/idempotency `{ ttlMs }` — how long keys replay (default 24 h; 0: every key has expired)
 * - POST /__admin/accounts/:acct/payouts `{ amount, currency, metadata? }` — the connected account pays out its own
 *   balance (`payout.created` with `event.account`); GET /__admin/accounts/:acct — `{ id, balance: { eur: n } }`
 * - POST /__admin/payouts/:id/fail `{ failure_code }` → `payout.failed` (a connected account's: `event.account` set,
 *   money back on its balance); POST /__admin/payouts/:id/cancel → `payout.canceled` (connected accounts' payouts)
 * - POST /__admin/transfers/:id/reverse `{ amount? }` → `transfer.reversed` (partial when `amount` < what is left)
 * - POST /__admin/webhooks/flush `{ order: 'in-order'|'reverse' }` — deliver held events
 * - POST /__admin/webhooks/replay `{ eventId, times? }` — deliver an event again (duplicates)
 */
export function pspAdmin(ctx: PspSandboxContext): AdminApi {
  return {
    reset() {
      clearTimers(ctx.timers); // a payout scheduled before the reset must not settle after it
      ctx.faults = defaultFaults();
      ctx.hooks.reset();
      ctx.calls.length = 0;
      ctx.idem.clear();
      ctx.idemTtlMs = DEFAULT_IDEMPOTENCY_TTL_MS;
      ctx.rateLimit = undefined;
      ctx.events.clear();
      ctx.state = new PspState(ctx.emit);
    },
    setFaults(b) {
      applyFaults(ctx.faults, b);
      ctx.hooks.hold = ctx.faults.holdWebhooks;
      return { ...ctx.faults, declineDestinations: [...ctx.faults.declineDestinations] };
    },
    clearFaults() {
      ctx.faults = defaultFaults();
      ctx.hooks.hold = false;
      return { ok: true };
    },
    calls: () => ({ calls: ctx.calls, created: ctx.state.created }),
    async routes(method, path, b) {
      return (
        (await ctx.hooks.admin(method, path, b)) ??
        limitsRoute(ctx, method, path, b) ??
        journalRoute(ctx, method, path, b) ??
        stateRoute(ctx.state, method, path, b)
      );
    },
  };
}

/** The admin routes that book into the balance journal: fees, refund failures, automatic payouts and their oddities. */
function journalRoute(
  ctx: PspSandboxContext,
  method: string,
  path: string,
  b: Record<string, unknown>,
): Reply | undefined {
  let m: RegExpExecArray | null;
  if (method !== 'POST') return undefined;
  if (path === '/__admin/fees') {
    if (!Number.isSafeInteger(b.amount) || Number(b.amount) <= 0 || typeof b.currency !== 'string')
      return { status: 400, body: { error: 'amount (positive integer) and currency required' } };
    return ctx.state.bookFee({ amount: Number(b.amount), currency: b.currency, description: optStr(b.description) });
  }
  if ((m = /^\/__admin\/refunds\/([^/]+)\/fail$/.exec(path)))
    return ctx.state.failRefund(m[1] ?? '', optStr(b.failure_reason) ?? 'expired_or_canceled_card');
  if (path === '/__admin/automatic-payouts') {
    const r = automaticPayoutRequest(b);
    if (typeof r === 'string') return { status: 400, body: { error: r } };
    const later = (fn: () => void, ms: number) => schedule(ctx.timers, fn, ms);
    return ctx.state.createAutomaticPayout(r, ctx.faults.payoutSettleMs, later);
  }
  if ((m = /^\/__admin\/payouts\/([^/]+)\/reconcile$/.exec(path))) return ctx.state.completeReconciliation(m[1] ?? '');
  return undefined;
}

/** The admin routes that seed or move the PSP's objects. */
function stateRoute(state: PspState, method: string, path: string, b: Record<string, unknown>): Reply | undefined {
  let m: RegExpExecArray | null;
  if (method === 'POST' && path === '/__admin/balance') {
    state.balance.set(String(b.currency).toLowerCase(), num(b.amount, 0));
    return state.getBalance();
  }
  if (method === 'POST' && (path === '/__admin/charges' || path === '/__admin/disputes')) {
    if (typeof b.amount !== 'number' || typeof b.currency !== 'string')
      return { status: 400, body: { error: 'amount and currency required' } };
    const refundRefusal = refundRefusalCode(b.refundRefusal);
    if (path === '/__admin/charges')
      return state.createCharge({
        id: optStr(b.id),
        amount: b.amount,
        currency: b.currency,
        ...(typeof b.fee === 'number' ? { fee: b.fee } : {}),
        ...(refundRefusal ? { refundRefusal } : {}),
      });
    return state.disputes.create({
      id: optStr(b.id),
      charge: optStr(b.charge),
      amount: b.amount,
      currency: b.currency,
      reason: optStr(b.reason) ?? 'fraudulent',
      due_by: num(b.due_by, nowSec() + 7 * 86_400),
      orderId: optStr(b.orderId),
    });
  }
  if (method === 'POST' && (m = /^\/__admin\/disputes\/([^/]+)\/outcome$/.exec(path)))
    return state.disputes.setOutcome(m[1] ?? '', String(b.status));
  if (method === 'POST' && (m = /^\/__admin\/disputes\/([^/]+)\/reopen$/.exec(path)))
    return state.disputes.reopen(m[1] ?? '', typeof b.due_by === 'number' ? b.due_by : undefined);
  if (method === 'POST' && (m = /^\/__admin\/payouts\/([^/]+)\/fail$/.exec(path)))
    return state.failPayout(m[1] ?? '', optStr(b.failure_code) ?? 'account_closed');
  if (method === 'POST' && (m = /^\/__admin\/payouts\/([^/]+)\/cancel$/.exec(path)))
    return state.cancelPayout(m[1] ?? '');
  if (method === 'POST' && (m = /^\/__admin\/transfers\/([^/]+)\/reverse$/.exec(path)))
    return state.reverseTransfer(m[1] ?? '', typeof b.amount === 'number' ? b.amount : undefined);
  if (method === 'POST' && (m = /^\/__admin\/accounts\/(acct_\w+)\/payouts$/.exec(path))) {
    const metadata = flat(b.metadata as never);
    if (metadata === 'invalid') return { status: 400, body: { error: 'metadata values must be strings' } };
    return state.accounts.createPayout(m[1] ?? '', { amount: b.amount, currency: b.currency, metadata });
  }
  if (method === 'GET' && (m = /^\/__admin\/accounts\/(acct_\w+)$/.exec(path))) return state.accounts.reply(m[1] ?? '');
  return undefined;
}

function optStr(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function applyFaults(f: Faults, b: Record<string, unknown>): void {
  mergeNumbers(f, b, [...TRANSPORT_FAULT_KEYS, 'rateLimitNext', 'payoutSettleMs', 'eventAgeSec']);
  if (b.timeoutPhase === 'before' || b.timeoutPhase === 'after') f.timeoutPhase = b.timeoutPhase;
  if (Array.isArray(b.declineDestinations)) f.declineDestinations = new Set(b.declineDestinations.map(String));
  if (typeof b.holdWebhooks === 'boolean') f.holdWebhooks = b.holdWebhooks;
  if (b.faultMethod === 'POST' || b.faultMethod === 'GET') f.faultMethod = b.faultMethod;
}
