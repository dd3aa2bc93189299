import http from 'node:http';
import { clearTimers, num, parseJson, readBody, sendJson } from '../shared/http';
import type { WebhookDispatcher } from '../shared/webhooks';
import { nowSec, type Reply } from './replies';
import { PspState, type Emit } from './state';

/** Injected faults: what the next calls suffer (counters are used up one call at a time). */
export interface Faults {
  latencyMs: number;
  fail5xxNext: number;
  timeoutNext: number;
  timeoutPhase: 'before' | 'after';
  hangMs: number;
  rateLimitNext: number;
  declineDestinations: Set<string>;
  holdWebhooks: boolean;
  payoutSettleMs: number;
}

export const defaultFaults = (): Faults => ({
  latencyMs: 0,
  fail5xxNext: 0,
  timeoutNext: 0,
  timeoutPhase: 'after',
  hangMs: 30_000,
  rateLimitNext: 0,
  declineDestinations: new Set(),
  holdWebhooks: false,
  payoutSettleMs: 100,
});

/** One API call as the admin API reports it. */
export interface CallRecord {
  method: string;
  path: string;
  idempotencyKey: string | null;
  status: number;
  fault?: 'latency' | '5xx' | 'timeout' | 'rate_limit';
  replayed?: boolean;
}

/** An idempotency key's request fingerprint and, once the call finished, its stored response. */
export interface IdemEntry {
  fingerprint: string;
  response?: Reply;
}

/** What the API and admin handlers share; the admin API's reset replaces the faults and the state. */
export interface PspSandboxContext {
  faults: Faults;
  state: PspState;
  readonly calls: CallRecord[];
  readonly idem: Map<string, IdemEntry>;
  readonly events: Map<string, Record<string, unknown>>;
  readonly timers: Set<NodeJS.Timeout>;
  readonly hooks: WebhookDispatcher;
  readonly emit: Emit;
}

/**
 * Admin API:
 * - POST /__admin/reset — forget everything (objects, keys, ctx.calls, ctx.events, ctx.faults)
 * - POST /__admin/ctx.faults — merge `{ latencyMs, fail5xxNext, timeoutNext, timeoutPhase:'before'|'after', hangMs,
 *   rateLimitNext, declineDestinations, holdWebhooks, payoutSettleMs }`; DELETE /__admin/ctx.faults clears them
 * - GET /__admin/ctx.calls — `{ calls: [{method, path, idempotencyKey, status, fault?, replayed?}], created: {transfer, …} }`
 * - GET /__admin/ctx.events — emitted ctx.events `{ id, type }[]` and webhook delivery attempts
 * - POST /__admin/balance `{ currency, amount }` — set the available balance
 * - POST /__admin/charges `{ id?, amount, currency }` — a captured charge (+ payment_intent `pi_…`) to refund against
 * - POST /__admin/disputes `{ id?, charge?, amount, currency, reason, due_by, orderId? }` → `charge.dispute.created`
 * - POST /__admin/disputes/:id/outcome `{ status: 'won'|'lost' }` → `charge.dispute.closed`
 * - POST /__admin/disputes/:id/reopen `{ due_by? }` → `charge.dispute.updated` (pre-arbitration, needs_response)
 * - POST /__admin/payouts/:id/fail `{ failure_code }` → `payout.failed`
 * - POST /__admin/transfers/:id/reverse → `transfer.reversed`
 * - POST /__admin/webhooks/flush `{ order: 'in-order'|'reverse' }` — deliver held ctx.events
 * - POST /__admin/webhooks/replay `{ eventId, times? }` — deliver an event again (duplicates)
 */
export async function handleAdmin(
  ctx: PspSandboxContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  method: string,
  path: string,
): Promise<void> {
  const b = parseJson(await readBody(req));
  const r = (x: Reply) => sendJson(res, x.status, x.body);
  let m: RegExpExecArray | null;
  if (method === 'POST' && path === '/__admin/reset') {
    clearTimers(ctx.timers); // a payout scheduled before the reset must not settle after it
    ctx.faults = defaultFaults();
    ctx.hooks.reset();
    ctx.calls.length = 0;
    ctx.idem.clear();
    ctx.events.clear();
    ctx.state = new PspState(ctx.emit);
    return sendJson(res, 200, { ok: true });
  }
  if (method === 'POST' && path === '/__admin/faults') {
    applyFaults(ctx.faults, b);
    ctx.hooks.hold = ctx.faults.holdWebhooks;
    return sendJson(res, 200, { ...ctx.faults, declineDestinations: [...ctx.faults.declineDestinations] });
  }
  if (method === 'DELETE' && path === '/__admin/faults') {
    ctx.faults = defaultFaults();
    ctx.hooks.hold = false;
    return sendJson(res, 200, { ok: true });
  }
  if (method === 'GET' && path === '/__admin/calls')
    return sendJson(res, 200, { calls: ctx.calls, created: ctx.state.created });
  const hooked = await ctx.hooks.admin(method, path, b);
  if (hooked) return sendJson(res, hooked.status, hooked.body);
  if (method === 'POST' && path === '/__admin/balance') {
    ctx.state.balance.set(String(b.currency).toLowerCase(), num(b.amount, 0));
    return r(ctx.state.getBalance());
  }
  if (method === 'POST' && path === '/__admin/charges') {
    if (typeof b.amount !== 'number' || typeof b.currency !== 'string')
      return sendJson(res, 400, { error: 'amount and currency required' });
    return r(ctx.state.createCharge({ id: optStr(b.id), amount: b.amount, currency: b.currency }));
  }
  if (method === 'POST' && path === '/__admin/disputes') {
    if (typeof b.amount !== 'number' || typeof b.currency !== 'string')
      return sendJson(res, 400, { error: 'amount and currency required' });
    return r(
      ctx.state.disputes.create({
        id: optStr(b.id),
        charge: optStr(b.charge),
        amount: b.amount,
        currency: b.currency,
        reason: optStr(b.reason) ?? 'fraudulent',
        due_by: num(b.due_by, nowSec() + 7 * 86_400),
        orderId: optStr(b.orderId),
      }),
    );
  }
  if (method === 'POST' && (m = /^\/__admin\/disputes\/([^/]+)\/outcome$/.exec(path)))
    return r(ctx.state.disputes.setOutcome(m[1] ?? '', String(b.status)));
  if (method === 'POST' && (m = /^\/__admin\/disputes\/([^/]+)\/reopen$/.exec(path))) {
    return r(ctx.state.disputes.reopen(m[1] ?? '', typeof b.due_by === 'number' ? b.due_by : undefined));
  }
  if (method === 'POST' && (m = /^\/__admin\/payouts\/([^/]+)\/fail$/.exec(path))) {
    return r(ctx.state.failPayout(m[1] ?? '', optStr(b.failure_code) ?? 'account_closed'));
  }
  if (method === 'POST' && (m = /^\/__admin\/transfers\/([^/]+)\/reverse$/.exec(path)))
    return r(ctx.state.reverseTransfer(m[1] ?? ''));
  return sendJson(res, 404, { error: `unknown admin route ${method} ${path}` });
}

function optStr(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function applyFaults(f: Faults, b: Record<string, unknown>): void {
  for (const k of ['latencyMs', 'fail5xxNext', 'timeoutNext', 'hangMs', 'rateLimitNext', 'payoutSettleMs'] as const) {
    if (b[k] !== undefined) f[k] = num(b[k], f[k]);
  }
  if (b.timeoutPhase === 'before' || b.timeoutPhase === 'after') f.timeoutPhase = b.timeoutPhase;
  if (Array.isArray(b.declineDestinations)) f.declineDestinations = new Set(b.declineDestinations.map(String));
  if (typeof b.holdWebhooks === 'boolean') f.holdWebhooks = b.holdWebhooks;
}
