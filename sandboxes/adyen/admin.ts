import { clearTimers, type AdminApi } from '../shared/http';
import { mergeNumbers, noTransportFaults, TRANSPORT_FAULT_KEYS, type TransportFaults } from '../shared/faults';
import type { WebhookDispatcher } from '../shared/webhooks';
import { limitsRoute, type RateLimit } from '../psp/rate-limit';
import { AdyenState, type EmitTransfer, type Reply } from './state';

/** Adyen keeps idempotency keys for at least 7 days; after that a replayed key creates a new transfer. */
export const DEFAULT_IDEMPOTENCY_TTL_MS = 7 * 24 * 3_600_000;

/** Injected faults: what the next calls suffer (counters are used up one call at a time). */
export interface AdyenFaults extends TransportFaults {
  /** `after` (default): the transfer is executed and stored, then the connection drops. `before`: nothing runs. */
  timeoutPhase: 'before' | 'after';
  /**
   * `before` (default): a 5xx before anything runs. `after`: the create runs and is stored under its key, then the
   * answer is a 500 (a commit the client never hears of; the same key replays the stored transfer).
   */
  fail5xxPhase: 'before' | 'after';
  /** 429s (with `Retry-After: retryAfterSec`) before anything runs. */
  rateLimitNext: number;
  retryAfterSec: number;
  /** The next creates are refused (`status: refused`) with this reason: Adyen's own business refusal. */
  refuseNext: number;
  refuseReason: string;
  /** The next calls answer this problem (e.g. a code nobody mapped): nothing runs, nothing is stored. */
  errorNext: number;
  error: { status: number; errorCode: string; title: string };
  /** Counterparties (balance account or transfer instrument IDs) refused with a reason, e.g. `counterpartyAccountClosed`. */
  refuseCounterparties: Record<string, string>;
  /**
   * The provider stalls: requests are held unanswered while paused. On resume, `hold` runs them (a client that gave
   * up meanwhile never hears that its transfer was made: a late commit), `drop` drops them unrun.
   */
  paused: boolean;
  pauseMode: 'hold' | 'drop';
  holdWebhooks: boolean;
  /** How long an authorised transfer takes to be booked. */
  settleMs: number;
  /** When set (`POST`, `GET`), the counter faults only hit calls of this method. */
  faultMethod?: string;
}

export const defaultFaults = (): AdyenFaults => ({
  ...noTransportFaults(),
  timeoutPhase: 'after',
  fail5xxPhase: 'before',
  rateLimitNext: 0,
  retryAfterSec: 1,
  refuseNext: 0,
  refuseReason: 'notEnoughBalance',
  errorNext: 0,
  error: { status: 422, errorCode: '99_999', title: 'Unmapped error' },
  refuseCounterparties: {},
  paused: false,
  pauseMode: 'hold',
  holdWebhooks: false,
  settleMs: 100,
});

/** One API call as the admin API reports it. */
export interface CallRecord {
  method: string;
  path: string;
  idempotencyKey: string | null;
  status: number;
  at: number;
  fault?: 'latency' | '5xx' | 'timeout' | 'rate_limit' | 'error' | 'paused' | 'dropped';
  replayed?: boolean;
  /** The key was replayed with another body: Adyen answers the first response; our side has a bug. */
  bodyMismatch?: boolean;
}

export interface IdemEntry {
  body: string;
  at: number;
  response?: Reply;
}

export interface AdyenSandboxContext {
  faults: AdyenFaults;
  state: AdyenState;
  readonly calls: CallRecord[];
  readonly idem: Map<string, IdemEntry>;
  idemTtlMs: number;
  rateLimit?: RateLimit;
  readonly timers: Set<NodeJS.Timeout>;
  readonly hooks: WebhookDispatcher;
  readonly emit: EmitTransfer;
  /** Requests held by a pause: each resolves true (run it) or false (drop it) on resume. */
  readonly held: Set<(run: boolean) => void>;
}

/** Ends a pause: the held requests run (`hold`) or are dropped (`drop`). */
export function resume(ctx: AdyenSandboxContext): number {
  const run = ctx.faults.pauseMode === 'hold';
  const n = ctx.held.size;
  for (const release of [...ctx.held]) release(run);
  ctx.held.clear();
  return n;
}

/**
 * Admin API (served by `sandboxServer`, JSON, no auth):
 * - POST /__admin/reset — forget everything (transfers, keys, calls, events, faults, balances)
 * - POST /__admin/faults — merge `{ latencyMs, fail5xxNext, fail5xxPhase: 'before'|'after', timeoutNext, timeoutPhase, hangMs, rateLimitNext,
 *   retryAfterSec, refuseNext, refuseReason, errorNext, error: {status, errorCode, title}, refuseCounterparties,
 *   paused, pauseMode: 'hold'|'drop', holdWebhooks, settleMs, faultMethod }`; `paused: false` resumes held requests;
 *   DELETE /__admin/faults clears them (and resumes)
 * - GET /__admin/calls — `{ calls, created: { transfer, refused }, held }`
 * - GET /__admin/transfers — every transfer it executed `{ id, reference, idempotencyKey, status, reason, amount,
 *   counterparty, createdAt }` (the invariants' record: which key and reference each came from)
 * - POST /__admin/balance `{ currency, value }` — the platform balance account's balance in a currency
 * - POST /__admin/transfers/:id/fail `{ reason? }` → `failed`; POST /__admin/transfers/:id/return `{ reason? }` →
 *   `returned` (the counterparty's bank sent it back; the balance is restored; `balancePlatform.transfer.updated`)
 * - POST /__admin/rate-limit `{ rps, burst?, scope? }`, DELETE /__admin/rate-limit — token buckets: 429 with Retry-After
 * - POST /__admin/idempotency `{ ttlMs }` — how long keys replay (default 7 days)
 * - GET /__admin/events, POST /__admin/webhooks/flush `{ order }`, POST /__admin/webhooks/replay `{ eventId, times }`
 */
export function adyenAdmin(ctx: AdyenSandboxContext): AdminApi {
  return {
    reset() {
      clearTimers(ctx.timers);
      ctx.faults.pauseMode = 'drop';
      resume(ctx);
      ctx.faults = defaultFaults();
      ctx.hooks.reset();
      ctx.calls.length = 0;
      ctx.idem.clear();
      ctx.idemTtlMs = DEFAULT_IDEMPOTENCY_TTL_MS;
      ctx.rateLimit = undefined;
      ctx.state = new AdyenState(ctx.emit);
    },
    setFaults(b) {
      const wasPaused = ctx.faults.paused;
      applyFaults(ctx.faults, b);
      ctx.hooks.hold = ctx.faults.holdWebhooks;
      const released = wasPaused && !ctx.faults.paused ? resume(ctx) : 0;
      return { ...ctx.faults, released };
    },
    clearFaults() {
      const mode = ctx.faults.pauseMode;
      ctx.faults = { ...defaultFaults(), pauseMode: mode };
      const released = resume(ctx);
      ctx.faults.pauseMode = 'hold';
      ctx.hooks.hold = false;
      return { ok: true, released };
    },
    calls: () => ({ calls: ctx.calls, created: ctx.state.created, held: ctx.held.size }),
    async routes(method, path, b) {
      const hooks = await ctx.hooks.admin(method, path, b);
      if (hooks) return hooks;
      let m: RegExpExecArray | null;
      if (method === 'GET' && path === '/__admin/transfers')
        return { status: 200, body: { transfers: ctx.state.executed } };
      if (method === 'POST' && path === '/__admin/balance') {
        if (typeof b.currency !== 'string' || !Number.isSafeInteger(b.value))
          return { status: 400, body: { error: 'currency (string) and value (integer) required' } };
        ctx.state.setBalance(b.currency, Number(b.value));
        return { status: 200, body: { currency: b.currency, value: ctx.state.balanceOf(b.currency) } };
      }
      if (method === 'POST' && (m = /^\/__admin\/transfers\/([^/]+)\/(fail|return)$/.exec(path)))
        return ctx.state.move(
          m[1] ?? '',
          m[2] === 'fail' ? 'failed' : 'returned',
          typeof b.reason === 'string' ? b.reason : 'refusedByCounterpartyBank',
        );
      return limitsRoute(ctx, method, path, b);
    },
  };
}

function applyFaults(f: AdyenFaults, b: Record<string, unknown>): void {
  mergeNumbers(f, b, [
    ...TRANSPORT_FAULT_KEYS,
    'rateLimitNext',
    'retryAfterSec',
    'refuseNext',
    'errorNext',
    'settleMs',
  ]);
  if (b.timeoutPhase === 'before' || b.timeoutPhase === 'after') f.timeoutPhase = b.timeoutPhase;
  if (b.fail5xxPhase === 'before' || b.fail5xxPhase === 'after') f.fail5xxPhase = b.fail5xxPhase;
  if (b.pauseMode === 'hold' || b.pauseMode === 'drop') f.pauseMode = b.pauseMode;
  if (typeof b.refuseReason === 'string') f.refuseReason = b.refuseReason;
  if (typeof b.paused === 'boolean') f.paused = b.paused;
  if (typeof b.holdWebhooks === 'boolean') f.holdWebhooks = b.holdWebhooks;
  if (b.faultMethod === 'POST' || b.faultMethod === 'GET') f.faultMethod = b.faultMethod;
  if (b.faultMethod === null) delete f.faultMethod;
  const e = b.error as { status?: unknown; errorCode?: unknown; title?: unknown } | undefined;
  if (e && typeof e === 'object')
    f.error = {
      status: Number.isInteger(e.status) ? Number(e.status) : f.error.status,
      errorCode: typeof e.errorCode === 'string' ? e.errorCode : f.error.errorCode,
      title: typeof e.title === 'string' ? e.title : f.error.title,
    };
  if (b.refuseCounterparties && typeof b.refuseCounterparties === 'object')
    for (const [id, reason] of Object.entries(b.refuseCounterparties as Record<string, unknown>))
      if (typeof reason === 'string') f.refuseCounterparties[id] = reason;
}
