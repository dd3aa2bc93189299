import { createHmac } from 'node:crypto';
import http from 'node:http';
import {
  hangThenDrop,
  num,
  parseJson,
  readBody,
  send,
  sendJson,
  sleep,
  take,
  schedule,
  clearTimers,
  serve,
  type RunningSandbox,
} from '../shared/http';
import { WebhookDispatcher } from '../shared/webhooks';
import { fingerprint, parseForm } from './form';
import { newId, nowSec, PspState, stripeError, type Reply } from './state';

/**
 * A stateful PSP simulator speaking the subset of Stripe's wire format the product uses, so the official `stripe`
 * SDK talks to it unchanged (`new Stripe(key, { host: '127.0.0.1', port, protocol: 'http' })`).
 *
 * Idempotency follows Stripe (same key + same params replays the first response, same key + other params is a 400
 * `idempotency_error`, a concurrent duplicate is a 409), scoped per endpoint path + key. One deliberate difference:
 * Stripe also replays 500s, but the sandbox's *injected* faults (5xx, 429, timeout-before) are never stored, so a
 * retry with the same key can succeed. `timeoutNext` (phase `after`, the default) does the work and stores the
 * response, then drops the connection: the client times out although the money moved, and only the idempotency
 * key saves it from paying twice.
 *
 * Admin API (JSON, no auth) under `/__admin/`: see `handleAdmin` below.
 */

export type PspSandbox = RunningSandbox;

export interface PspSandboxOptions {
  port?: number;
  webhookUrl?: string;
  webhookSecret: string;
  /** Backoff between webhook delivery attempts (defaults 100, 400, 1600 ms). */
  webhookRetryDelaysMs?: number[];
}

interface Faults {
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

const defaultFaults = (): Faults => ({
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

interface CallRecord {
  method: string;
  path: string;
  idempotencyKey: string | null;
  status: number;
  fault?: 'latency' | '5xx' | 'timeout' | 'rate_limit';
  replayed?: boolean;
}

interface IdemEntry {
  fingerprint: string;
  response?: Reply;
}

/** The real Stripe signature scheme: `t=<unix>,v1=<hex hmac-sha256(secret, "t.body")>`. */
export function stripeSignatureHeader(body: string, secret: string, t = nowSec()): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

export async function startPspSandbox(opts: PspSandboxOptions): Promise<PspSandbox> {
  let faults = defaultFaults();
  const calls: CallRecord[] = [];
  const idem = new Map<string, IdemEntry>();
  const events = new Map<string, Record<string, unknown>>();
  const timers = new Set<NodeJS.Timeout>();
  const hooks = new WebhookDispatcher(opts.webhookUrl, opts.webhookRetryDelaysMs);

  const later = (fn: () => void, ms: number) => schedule(timers, fn, ms);

  const emit = (type: string, object: Record<string, unknown>, previous?: Record<string, unknown>) => {
    const event = {
      id: newId('evt'),
      object: 'event',
      api_version: '2026-10-28.endive',
      created: nowSec(),
      data: { object: structuredClone(object), ...(previous ? { previous_attributes: previous } : {}) },
      livemode: false,
      pending_webhooks: opts.webhookUrl ? 1 : 0,
      request: { id: null, idempotency_key: null },
      type,
    };
    events.set(event.id, event);
    const body = JSON.stringify(event, null, 2);
    hooks.emit({
      id: event.id,
      type,
      body,
      contentType: 'application/json; charset=utf-8',
      headers: () => ({ 'Stripe-Signature': stripeSignatureHeader(body, opts.webhookSecret) }),
    });
  };

  let state = new PspState(emit);

  async function handleApi(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    method: string,
    path: string,
  ): Promise<void> {
    const idempotencyKey = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : null;
    const record: CallRecord = { method, path, idempotencyKey, status: 0 };
    calls.push(record);
    const reply = (r: Reply, headers: Record<string, string> = {}) => {
      record.status = r.status;
      sendJson(res, r.status, r.body, { 'Request-Id': newId('req'), ...headers });
    };

    const body = await readBody(req);
    if (faults.latencyMs > 0) {
      record.fault = 'latency';
      await sleep(faults.latencyMs);
    }
    const auth = req.headers.authorization ?? '';
    if (!/^Bearer sk_\S+$/.test(auth)) {
      return reply(stripeError(401, 'invalid_request_error', 'Invalid API Key provided.', { code: 'api_key_invalid' }));
    }
    if (take(faults, 'rateLimitNext')) {
      record.fault = 'rate_limit';
      return reply(
        stripeError(429, 'invalid_request_error', 'Too many requests hit the API too quickly.', { code: 'rate_limit' }),
      );
    }
    if (take(faults, 'fail5xxNext')) {
      record.fault = '5xx';
      return reply(stripeError(500, 'api_error', 'An unknown error occurred (injected by the sandbox).'));
    }
    const timeout = take(faults, 'timeoutNext');
    if (timeout && faults.timeoutPhase === 'before') {
      record.fault = 'timeout';
      return hangThenDrop(req, res, faults.hangMs, timers);
    }

    const url = new URL(path, 'http://sandbox');
    const params = parseForm(method === 'GET' ? url.search.slice(1) : body);
    const idemKey = method === 'POST' && idempotencyKey ? `${url.pathname}\n${idempotencyKey}` : undefined;
    const fp = fingerprint(body);
    if (idemKey) {
      const seen = idem.get(idemKey);
      if (seen && seen.fingerprint !== fp) {
        return reply(
          stripeError(
            400,
            'idempotency_error',
            `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
          ),
        );
      }
      if (seen && !seen.response) {
        return reply(
          stripeError(
            409,
            'idempotency_error',
            'There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): please try again later.',
          ),
        );
      }
      if (seen?.response) {
        record.replayed = true;
        if (timeout) {
          record.fault = 'timeout';
          return hangThenDrop(req, res, faults.hangMs, timers);
        }
        return reply(seen.response, { 'Idempotent-Replayed': 'true' });
      }
      idem.set(idemKey, { fingerprint: fp });
    }

    const result = route(method, url.pathname, params);
    if (idemKey) {
      // Stripe saves a result only once the endpoint started executing; validation-only failures are not kept.
      if (result.status === 200 || result.status === 402 || (result.status === 400 && isBusinessError(result))) {
        idem.set(idemKey, { fingerprint: fp, response: result });
      } else idem.delete(idemKey);
    }
    if (timeout) {
      record.fault = 'timeout';
      record.status = result.status;
      return hangThenDrop(req, res, faults.hangMs, timers);
    }
    return reply(result);
  }

  function route(method: string, path: string, p: ReturnType<typeof parseForm>): Reply {
    let m: RegExpExecArray | null;
    if (method === 'GET' && path === '/v1/balance') return state.getBalance();
    if (method === 'POST' && path === '/v1/transfers') return state.createTransfer(p, faults.declineDestinations);
    if (method === 'GET' && (m = /^\/v1\/transfers\/([^/]+)$/.exec(path)))
      return get(state.transfers, 'transfer', m[1]);
    if (method === 'POST' && path === '/v1/payouts') return state.createPayout(p, faults.payoutSettleMs, later);
    if (method === 'GET' && (m = /^\/v1\/payouts\/([^/]+)$/.exec(path))) return get(state.payouts, 'payout', m[1]);
    if (method === 'POST' && path === '/v1/refunds') return state.createRefund(p);
    if (method === 'GET' && (m = /^\/v1\/refunds\/([^/]+)$/.exec(path))) return get(state.refunds, 'refund', m[1]);
    if (method === 'GET' && (m = /^\/v1\/charges\/([^/]+)$/.exec(path))) return get(state.charges, 'charge', m[1]);
    if (method === 'GET' && (m = /^\/v1\/disputes\/([^/]+)$/.exec(path))) return state.getDispute(m[1] ?? '');
    if (method === 'POST' && (m = /^\/v1\/disputes\/([^/]+)$/.exec(path))) return state.updateDispute(m[1] ?? '', p);
    if (method === 'POST' && (m = /^\/v1\/disputes\/([^/]+)\/close$/.exec(path))) return state.closeDispute(m[1] ?? '');
    if (method === 'GET' && (m = /^\/v1\/events\/([^/]+)$/.exec(path))) {
      const e = events.get(m[1] ?? '');
      return e
        ? { status: 200, body: e }
        : stripeError(404, 'invalid_request_error', `No such event: '${m[1]}'`, {
            code: 'resource_missing',
            param: 'id',
          });
    }
    return stripeError(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${path}).`);
  }

  function get(map: Map<string, Record<string, unknown>>, what: string, id: string | undefined): Reply {
    const o = map.get(id ?? '');
    return o
      ? { status: 200, body: o }
      : stripeError(404, 'invalid_request_error', `No such ${what}: '${id}'`, {
          code: 'resource_missing',
          param: 'id',
        });
  }

  /**
   * Admin API:
   * - POST /__admin/reset — forget everything (objects, keys, calls, events, faults)
   * - POST /__admin/faults — merge `{ latencyMs, fail5xxNext, timeoutNext, timeoutPhase:'before'|'after', hangMs,
   *   rateLimitNext, declineDestinations, holdWebhooks, payoutSettleMs }`; DELETE /__admin/faults clears them
   * - GET /__admin/calls — `{ calls: [{method, path, idempotencyKey, status, fault?, replayed?}], created: {transfer, …} }`
   * - GET /__admin/events — emitted events `{ id, type }[]` and webhook delivery attempts
   * - POST /__admin/balance `{ currency, amount }` — set the available balance
   * - POST /__admin/charges `{ id?, amount, currency }` — a captured charge (+ payment_intent `pi_…`) to refund against
   * - POST /__admin/disputes `{ id?, charge?, amount, currency, reason, due_by, orderId? }` → `charge.dispute.created`
   * - POST /__admin/disputes/:id/outcome `{ status: 'won'|'lost' }` → `charge.dispute.closed`
   * - POST /__admin/disputes/:id/reopen `{ due_by? }` → `charge.dispute.updated` (pre-arbitration, needs_response)
   * - POST /__admin/payouts/:id/fail `{ failure_code }` → `payout.failed`
   * - POST /__admin/transfers/:id/reverse → `transfer.reversed`
   * - POST /__admin/webhooks/flush `{ order: 'in-order'|'reverse' }` — deliver held events
   * - POST /__admin/webhooks/replay `{ eventId, times? }` — deliver an event again (duplicates)
   */
  async function handleAdmin(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    method: string,
    path: string,
  ): Promise<void> {
    const b = parseJson(await readBody(req));
    const r = (x: Reply) => sendJson(res, x.status, x.body);
    let m: RegExpExecArray | null;
    if (method === 'POST' && path === '/__admin/reset') {
      clearTimers(timers); // a payout scheduled before the reset must not settle after it
      faults = defaultFaults();
      hooks.reset();
      calls.length = 0;
      idem.clear();
      events.clear();
      state = new PspState(emit);
      return sendJson(res, 200, { ok: true });
    }
    if (method === 'POST' && path === '/__admin/faults') {
      applyFaults(faults, b);
      hooks.hold = faults.holdWebhooks;
      return sendJson(res, 200, { ...faults, declineDestinations: [...faults.declineDestinations] });
    }
    if (method === 'DELETE' && path === '/__admin/faults') {
      faults = defaultFaults();
      hooks.hold = false;
      return sendJson(res, 200, { ok: true });
    }
    if (method === 'GET' && path === '/__admin/calls') return sendJson(res, 200, { calls, created: state.created });
    const hooked = await hooks.admin(method, path, b);
    if (hooked) return sendJson(res, hooked.status, hooked.body);
    if (method === 'POST' && path === '/__admin/balance') {
      state.balance.set(String(b.currency).toLowerCase(), num(b.amount, 0));
      return r(state.getBalance());
    }
    if (method === 'POST' && path === '/__admin/charges') {
      if (typeof b.amount !== 'number' || typeof b.currency !== 'string')
        return sendJson(res, 400, { error: 'amount and currency required' });
      return r(state.createCharge({ id: optStr(b.id), amount: b.amount, currency: b.currency }));
    }
    if (method === 'POST' && path === '/__admin/disputes') {
      if (typeof b.amount !== 'number' || typeof b.currency !== 'string')
        return sendJson(res, 400, { error: 'amount and currency required' });
      return r(
        state.createDispute({
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
      return r(state.setDisputeOutcome(m[1] ?? '', String(b.status)));
    if (method === 'POST' && (m = /^\/__admin\/disputes\/([^/]+)\/reopen$/.exec(path))) {
      return r(state.reopenDispute(m[1] ?? '', typeof b.due_by === 'number' ? b.due_by : undefined));
    }
    if (method === 'POST' && (m = /^\/__admin\/payouts\/([^/]+)\/fail$/.exec(path))) {
      return r(state.failPayout(m[1] ?? '', optStr(b.failure_code) ?? 'account_closed'));
    }
    if (method === 'POST' && (m = /^\/__admin\/transfers\/([^/]+)\/reverse$/.exec(path)))
      return r(state.reverseTransfer(m[1] ?? ''));
    return sendJson(res, 404, { error: `unknown admin route ${method} ${path}` });
  }

  const server = http.createServer((req, res) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const handler = path.startsWith('/__admin/') ? handleAdmin : path.startsWith('/v1/') ? handleApi : undefined;
    if (!handler) return send(res, 404, 'not found', 'text/plain');
    handler(req, res, method, path.startsWith('/__admin/') ? (path.split('?')[0] ?? path) : path).catch(
      (err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        sendJson(
          res,
          path.startsWith('/__admin/') ? 400 : 500,
          path.startsWith('/__admin/') ? { error: message } : { error: { type: 'api_error', message } },
        );
      },
    );
  });

  return serve(server, opts.port, timers, () => hooks.stop());
}

function isBusinessError(r: Reply): boolean {
  const code = (r.body as { error?: { code?: string } }).error?.code;
  return code !== undefined && !['parameter_missing', 'parameter_invalid', 'api_key_invalid'].includes(code);
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
