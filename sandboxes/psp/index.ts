import { createHmac } from 'node:crypto';
import {
  readBody,
  sandboxServer,
  schedule,
  sendJson,
  sleep,
  type RunningSandbox,
  type SandboxHandler,
} from '../shared/http';
import { hangThenDrop, take } from '../shared/faults';
import { WebhookDispatcher } from '../shared/webhooks';
import { fingerprint, parseForm } from './form';
import { DEFAULT_IDEMPOTENCY_TTL_MS, defaultFaults, pspAdmin, type CallRecord, type PspSandboxContext } from './admin';
import { expandSources, expandsOf } from './balance-transactions';
import { newId, notFound, nowSec, stripeError, type Reply } from './replies';
import { PspState } from './state';
import { listRefunds } from './refunds';
import { listTransfers } from './transfers-list';

/**
 * A stateful PSP simulator speaking the subset of Stripe's wire format the product uses, so the official `stripe`
 * SDK talks to it unchanged (`new Stripe(key, { host: '127.0.0.1', port, protocol: 'http' })`).
 *
 * Idempotency follows Stripe (same key + same params replays the first response, same key + other params is a 400
 * `idempotency_error`, a concurrent duplicate is a 409), scoped per endpoint path + key, and keys expire (24 h by
 * default, `POST /__admin/idempotency { ttlMs }`): after that a replay creates a new object. One deliberate difference:
 * Stripe also replays 500s, but the sandbox's *injected* faults (5xx, 429, timeout-before) are never stored, so a
 * retry with the same key can succeed. `timeoutNext` (phase `after`, the default) does the work and stores the
 * response, then drops the connection: the client times out although the money moved, and only the idempotency
 * key saves it from paying twice.
 *
 * Admin API (JSON, no auth) under `/__admin/`: see `pspAdmin` in admin.ts.
 */

export type PspSandbox = RunningSandbox;

export interface PspSandboxOptions {
  port?: number;
  webhookUrl?: string;
  webhookSecret: string;
  /** Backoff between webhook delivery attempts (defaults 100, 400, 1600 ms). */
  webhookRetryDelaysMs?: number[];
}

/** The real Stripe signature scheme: `t=<unix>,v1=<hex hmac-sha256(secret, "t.body")>`. */
export function stripeSignatureHeader(body: string, secret: string, t = nowSec()): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

export async function startPspSandbox(opts: PspSandboxOptions): Promise<PspSandbox> {
  const hooks = new WebhookDispatcher(opts.webhookUrl, opts.webhookRetryDelaysMs);
  const timers = new Set<NodeJS.Timeout>();
  const events = new Map<string, Record<string, unknown>>();
  const later = (fn: () => void, ms: number) => schedule(timers, fn, ms);

  // `account` is set on events that happened on a connected account (Stripe Connect's `event.account`).
  const emit = (
    type: string,
    object: Record<string, unknown>,
    previous?: Record<string, unknown>,
    account?: string,
  ) => {
    const event = {
      id: newId('evt'),
      object: 'event',
      ...(account ? { account } : {}),
      api_version: '2026-10-28.endive',
      // Stripe signs each delivery afresh, so a late event has a fresh signature and an old `created`.
      created: nowSec() - ctx.faults.eventAgeSec,
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

  const ctx: PspSandboxContext = {
    faults: defaultFaults(),
    state: new PspState(emit),
    calls: [],
    idem: new Map(),
    idemTtlMs: DEFAULT_IDEMPOTENCY_TTL_MS,
    events,
    timers,
    hooks,
    emit,
  };
  const { calls, idem } = ctx;

  const handleApi: SandboxHandler = async (req, res, method, path) => {
    const idempotencyKey = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : null;
    const record: CallRecord = { method, path, idempotencyKey, status: 0, at: Date.now() };
    calls.push(record);
    const reply = (r: Reply, headers: Record<string, string> = {}) => {
      record.status = r.status;
      sendJson(res, r.status, r.body, { 'Request-Id': newId('req'), ...headers });
    };

    const body = await readBody(req);
    if (ctx.faults.latencyMs > 0) {
      record.fault = 'latency';
      await sleep(ctx.faults.latencyMs);
    }
    const auth = req.headers.authorization ?? '';
    if (!/^Bearer sk_\S+$/.test(auth)) {
      return reply(stripeError(401, 'invalid_request_error', 'Invalid API Key provided.', { code: 'api_key_invalid' }));
    }
    const retryAfter = ctx.rateLimit?.take(method, path);
    if (retryAfter !== undefined) {
      record.fault = 'rate_limit';
      return reply(
        stripeError(429, 'invalid_request_error', 'Too many requests hit the API too quickly.', { code: 'rate_limit' }),
        { 'Retry-After': String(retryAfter) },
      );
    }
    if (take(ctx.faults, 'rateLimitNext')) {
      record.fault = 'rate_limit';
      return reply(
        stripeError(429, 'invalid_request_error', 'Too many requests hit the API too quickly.', { code: 'rate_limit' }),
      );
    }
    // `faultMethod` aims the counter faults at one kind of call (e.g. the creates, not the look-ups between them).
    const aimed = !ctx.faults.faultMethod || ctx.faults.faultMethod === method;
    if (aimed && take(ctx.faults, 'fail5xxNext')) {
      record.fault = '5xx';
      return reply(stripeError(500, 'api_error', 'An unknown error occurred (injected by the sandbox).'));
    }
    const timeout = aimed && take(ctx.faults, 'timeoutNext');
    if (timeout && ctx.faults.timeoutPhase === 'before') {
      record.fault = 'timeout';
      return hangThenDrop(req, res, ctx.faults.hangMs, timers);
    }

    const url = new URL(path, 'http://sandbox');
    const params = parseForm(method === 'GET' ? url.search.slice(1) : body);
    const idemKey = method === 'POST' && idempotencyKey ? `${url.pathname}\n${idempotencyKey}` : undefined;
    const fp = fingerprint(body);
    if (idemKey) {
      const first = idem.get(idemKey);
      // An expired key is forgotten: the request runs again and creates a new object, as Stripe does after ~24 h.
      const seen = first && Date.now() - first.at < ctx.idemTtlMs ? first : undefined;
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
          return hangThenDrop(req, res, ctx.faults.hangMs, timers);
        }
        return reply(seen.response, { 'Idempotent-Replayed': 'true' });
      }
      idem.set(idemKey, { fingerprint: fp, at: Date.now() });
    }

    const result = route(method, url.pathname, params);
    if (idemKey) {
      // Stripe saves a result only once the endpoint started executing; validation-only failures are not kept.
      if (result.status === 200 || result.status === 402 || (result.status === 400 && isBusinessError(result))) {
        idem.set(idemKey, { fingerprint: fp, at: Date.now(), response: result });
      } else idem.delete(idemKey);
    }
    if (timeout) {
      record.fault = 'timeout';
      record.status = result.status;
      return hangThenDrop(req, res, ctx.faults.hangMs, timers);
    }
    return reply(result);
  };

  function route(method: string, path: string, p: ReturnType<typeof parseForm>): Reply {
    let m: RegExpExecArray | null;
    if (method === 'GET' && path === '/v1/balance') return ctx.state.getBalance();
    if (method === 'POST' && path === '/v1/transfers')
      return ctx.state.createTransfer(p, ctx.faults.declineDestinations);
    if (method === 'GET' && path === '/v1/transfers') return listTransfers(ctx.state.transfers, p);
    if (method === 'GET' && (m = /^\/v1\/transfers\/([^/]+)$/.exec(path)))
      return get(ctx.state.transfers, 'transfer', m[1]);
    if (method === 'POST' && (m = /^\/v1\/transfers\/([^/]+)\/reversals$/.exec(path)))
      return ctx.state.createReversal(m[1] ?? '', p);
    if (method === 'POST' && path === '/v1/payouts') return ctx.state.createPayout(p, ctx.faults.payoutSettleMs, later);
    if (method === 'GET' && path === '/v1/payouts') return ctx.state.listPayouts(p);
    if (method === 'GET' && path === '/v1/balance_transactions')
      return expandSources(ctx.state.journal.list(p), expandsOf(p), (id) => ctx.state.sourceObject(id));
    if (method === 'GET' && (m = /^\/v1\/balance_transactions\/([^/]+)$/.exec(path)))
      return expandSources(ctx.state.journal.get(m[1] ?? ''), expandsOf(p), (id) => ctx.state.sourceObject(id));
    if (method === 'GET' && (m = /^\/v1\/payouts\/([^/]+)$/.exec(path))) return get(ctx.state.payouts, 'payout', m[1]);
    if (method === 'POST' && path === '/v1/refunds') return ctx.state.createRefund(p);
    if (method === 'GET' && path === '/v1/refunds') return listRefunds(ctx.state.refunds, p);
    if (method === 'GET' && (m = /^\/v1\/refunds\/([^/]+)$/.exec(path))) return get(ctx.state.refunds, 'refund', m[1]);
    if (method === 'GET' && (m = /^\/v1\/charges\/([^/]+)$/.exec(path))) return get(ctx.state.charges, 'charge', m[1]);
    if (method === 'GET' && (m = /^\/v1\/disputes\/([^/]+)$/.exec(path))) return ctx.state.disputes.get(m[1] ?? '');
    if (method === 'POST' && (m = /^\/v1\/disputes\/([^/]+)$/.exec(path)))
      return ctx.state.disputes.update(m[1] ?? '', p);
    if (method === 'POST' && (m = /^\/v1\/disputes\/([^/]+)\/close$/.exec(path)))
      return ctx.state.disputes.close(m[1] ?? '');
    if (method === 'GET' && (m = /^\/v1\/events\/([^/]+)$/.exec(path))) return get(events, 'event', m[1]);
    return stripeError(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${path}).`);
  }

  function get(map: Map<string, Record<string, unknown>>, what: string, id = ''): Reply {
    const o = map.get(id);
    return o ? { status: 200, body: o } : notFound(what, id);
  }

  return sandboxServer({
    port: opts.port,
    api: { prefix: '/v1/', handle: handleApi, withQuery: true },
    admin: pspAdmin(ctx),
    onError: (res, message, where) =>
      sendJson(
        res,
        where === 'admin' ? 400 : 500,
        where === 'admin' ? { error: message } : { error: { type: 'api_error', message } },
      ),
    timers,
    onStop: () => hooks.stop(),
  });
}

function isBusinessError(r: Reply): boolean {
  const code = (r.body as { error?: { code?: string } }).error?.code;
  return code !== undefined && !['parameter_missing', 'parameter_invalid', 'api_key_invalid'].includes(code);
}
