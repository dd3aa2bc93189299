import { createHash, randomBytes } from 'node:crypto';
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
  serve,
  type RunningSandbox,
} from '../shared/http';

/**
 * A stateful commerce simulator: orders (captured amount, refunds recorded against them), customers (email for
 * notifications), store credit and vouchers. JSON over HTTP under `/v1/`.
 *
 * Idempotency: every POST needs an `Idempotency-Key`; the same key + same body replays the first answer, the same key
 * + another body is a 422 `idempotency_error`, a concurrent duplicate is a 409 `in_flight`. Injected faults are never
 * stored, so a retry with the same key can succeed; `timeoutNext` does the work, stores it, then drops the connection.
 *
 * Admin API (JSON, no auth) under `/__admin/`:
 * - POST /__admin/reset — forget everything
 * - POST /__admin/orders `{ orderId, customerId, paymentRef, amountMinor, currency, refundedMinor? }`
 * - POST /__admin/customers `{ customerId, email }`
 * - POST /__admin/faults — merge `{ latencyMs, fail5xxNext, timeoutNext, hangMs, rejectNext: { 'store-credits'|'vouchers'|'refunds'|'revoke'|'void': n } }`;
 *   DELETE clears them. `rejectNext` answers 422 `rejected_by_commerce` (permanent) to the next n calls of that kind.
 * - GET /__admin/calls — `{ calls: [{ method, path, idempotencyKey, status, fault?, replayed? }] }`
 * - GET /__admin/state — `{ orders, credits, vouchers }` (voucher codes included: tests only)
 */

export type CommerceSandbox = RunningSandbox;

type RejectKind = 'store-credits' | 'vouchers' | 'refunds' | 'revoke' | 'void';

interface Faults {
  latencyMs: number;
  fail5xxNext: number;
  timeoutNext: number;
  hangMs: number;
  rejectNext: Record<RejectKind, number>;
}
const defaultFaults = (): Faults => ({
  latencyMs: 0,
  fail5xxNext: 0,
  timeoutNext: 0,
  hangMs: 30_000,
  rejectNext: { 'store-credits': 0, vouchers: 0, refunds: 0, revoke: 0, void: 0 },
});

interface Reply {
  status: number;
  body: unknown;
}
const err = (status: number, code: string, message: string): Reply => ({ status, body: { error: { code, message } } });

interface OrderRow {
  orderId: string;
  customerId: string;
  paymentRef: string;
  captured: { amountMinor: number; currency: string };
  refundedMinor: number;
  refunds: Array<{ idempotencyKey: string; refundId: string; amountMinor: number }>;
}

class CommerceState {
  orders = new Map<string, OrderRow>();
  customers = new Map<string, string>();
  credits = new Map<
    string,
    {
      creditId: string;
      customerId: string;
      amountMinor: number;
      currency: string;
      reference: string;
      status: 'active' | 'revoked';
    }
  >();
  vouchers = new Map<
    string,
    {
      voucherId: string;
      code: string;
      customerId: string;
      amountMinor: number;
      currency: string;
      reference: string;
      status: 'active' | 'void';
    }
  >();
  private seq = 0;
  id(prefix: string) {
    return `${prefix}_${(++this.seq).toString(36).padStart(6, '0')}${randomBytes(3).toString('hex')}`;
  }
}

const isPositiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;
const isCurrency = (v: unknown): v is string => typeof v === 'string' && /^[A-Z]{3}$/.test(v);

export async function startCommerceSandbox(opts: { port?: number } = {}): Promise<CommerceSandbox> {
  let faults = defaultFaults();
  let state = new CommerceState();
  const idem = new Map<string, { fingerprint: string; response?: Reply }>();
  const calls: Array<{
    method: string;
    path: string;
    idempotencyKey: string | null;
    status: number;
    fault?: string;
    replayed?: boolean;
  }> = [];
  const timers = new Set<NodeJS.Timeout>();

  function route(method: string, path: string, b: Record<string, unknown>, key: string): Reply {
    let m: RegExpExecArray | null;
    if (method === 'GET' && (m = /^\/v1\/orders\/([^/]+)$/.exec(path))) {
      const o = state.orders.get(decodeURIComponent(m[1] ?? ''));
      return o ? { status: 200, body: o } : err(404, 'order_not_found', 'no such order');
    }
    if (method === 'GET' && (m = /^\/v1\/customers\/([^/]+)$/.exec(path))) {
      const id = decodeURIComponent(m[1] ?? '');
      const email = state.customers.get(id);
      return email
        ? { status: 200, body: { customerId: id, email } }
        : err(404, 'customer_not_found', 'no such customer');
    }
    if (method === 'GET' && (m = /^\/v1\/vouchers\/([^/]+)$/.exec(path))) {
      const v = state.vouchers.get(decodeURIComponent(m[1] ?? ''));
      return v ? { status: 200, body: v } : err(404, 'voucher_not_found', 'no such voucher');
    }
    if (method === 'POST' && (path === '/v1/store-credits' || path === '/v1/vouchers')) {
      const kind = path === '/v1/store-credits' ? 'store-credits' : 'vouchers';
      if (take(faults.rejectNext, kind)) return err(422, 'rejected_by_commerce', `${kind} refused (injected)`);
      const { customerId, amountMinor, currency, reference } = b;
      if (typeof customerId !== 'string' || !isPositiveInt(amountMinor) || !isCurrency(currency)) {
        return err(400, 'parameter_invalid', 'customerId, amountMinor (positive integer) and currency are required');
      }
      if (!state.customers.has(customerId)) return err(404, 'customer_not_found', 'no such customer');
      const common = {
        customerId,
        amountMinor,
        currency,
        reference: String(reference ?? ''),
        status: 'active' as const,
      };
      if (kind === 'store-credits') {
        const creditId = state.id('sc');
        state.credits.set(creditId, { creditId, ...common });
        return { status: 200, body: state.credits.get(creditId) };
      }
      const voucherId = state.id('vo');
      state.vouchers.set(voucherId, { voucherId, code: randomBytes(6).toString('hex').toUpperCase(), ...common });
      const { code: _code, ...withoutCode } = state.vouchers.get(voucherId) as { code: string };
      return { status: 200, body: withoutCode };
    }
    if (method === 'POST' && (m = /^\/v1\/store-credits\/([^/]+)\/revoke$/.exec(path))) {
      if (take(faults.rejectNext, 'revoke')) return err(422, 'rejected_by_commerce', 'revoke refused (injected)');
      const c = state.credits.get(decodeURIComponent(m[1] ?? ''));
      if (!c) return err(404, 'credit_not_found', 'no such store credit');
      c.status = 'revoked';
      return { status: 200, body: c };
    }
    if (method === 'POST' && (m = /^\/v1\/vouchers\/([^/]+)\/void$/.exec(path))) {
      if (take(faults.rejectNext, 'void')) return err(422, 'rejected_by_commerce', 'void refused (injected)');
      const v = state.vouchers.get(decodeURIComponent(m[1] ?? ''));
      if (!v) return err(404, 'voucher_not_found', 'no such voucher');
      v.status = 'void';
      return { status: 200, body: { voucherId: v.voucherId, status: v.status } };
    }
    if (method === 'POST' && (m = /^\/v1\/orders\/([^/]+)\/refunds$/.exec(path))) {
      if (take(faults.rejectNext, 'refunds'))
        return err(422, 'rejected_by_commerce', 'refund record refused (injected)');
      const o = state.orders.get(decodeURIComponent(m[1] ?? ''));
      if (!o) return err(404, 'order_not_found', 'no such order');
      if (typeof b.refundId !== 'string' || !isPositiveInt(b.amountMinor))
        return err(400, 'parameter_invalid', 'refundId and amountMinor are required');
      if (o.refundedMinor + b.amountMinor > o.captured.amountMinor)
        return err(409, 'refund_exceeds_captured', 'refunds would exceed the captured amount');
      o.refunds.push({ idempotencyKey: key, refundId: b.refundId, amountMinor: b.amountMinor });
      o.refundedMinor += b.amountMinor;
      return { status: 200, body: o };
    }
    return err(404, 'unknown_route', `no route ${method} ${path}`);
  }

  async function handleApi(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    method: string,
    path: string,
  ): Promise<void> {
    const idempotencyKey = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : null;
    const record: (typeof calls)[number] = { method, path, idempotencyKey, status: 0 };
    calls.push(record);
    const reply = (r: Reply, headers: Record<string, string> = {}) => {
      record.status = r.status;
      sendJson(res, r.status, r.body, headers);
    };
    const raw = await readBody(req);
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    if (take(faults, 'fail5xxNext')) {
      record.fault = '5xx';
      return reply(err(503, 'unavailable', 'injected outage'));
    }
    const timeout = take(faults, 'timeoutNext');
    let body: Record<string, unknown>;
    try {
      body = parseJson(raw);
    } catch {
      return reply(err(400, 'invalid_json', 'body must be a JSON object'));
    }
    if (method !== 'POST') return reply(route(method, path, body, ''));
    if (!idempotencyKey)
      return reply(err(400, 'idempotency_key_missing', 'POST requests need an Idempotency-Key header'));

    const scope = `${path}\n${idempotencyKey}`;
    const fingerprint = createHash('sha256').update(JSON.stringify(body)).digest('hex');
    const seen = idem.get(scope);
    if (seen && seen.fingerprint !== fingerprint)
      return reply(err(422, 'idempotency_error', 'key reused with different parameters'));
    if (seen && !seen.response) return reply(err(409, 'in_flight', 'a request with this key is in progress'));
    if (seen?.response) {
      record.replayed = true;
      if (timeout) return hangThenDrop(req, res, faults.hangMs, timers);
      return reply(seen.response, { 'Idempotent-Replayed': 'true' });
    }
    idem.set(scope, { fingerprint });
    const result = route(method, path, body, idempotencyKey);
    // Business outcomes are kept for replay; validation errors and injected refusals are not.
    if (result.status === 200 || result.status === 409) idem.set(scope, { fingerprint, response: result });
    else idem.delete(scope);
    if (timeout) {
      record.fault = 'timeout';
      record.status = result.status;
      return hangThenDrop(req, res, faults.hangMs, timers);
    }
    return reply(result);
  }

  async function handleAdmin(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    method: string,
    path: string,
  ): Promise<void> {
    const b = parseJson(await readBody(req));
    if (method === 'POST' && path === '/__admin/reset') {
      faults = defaultFaults();
      state = new CommerceState();
      idem.clear();
      calls.length = 0;
      return sendJson(res, 200, { ok: true });
    }
    if (method === 'POST' && path === '/__admin/orders') {
      const { orderId, customerId, paymentRef, amountMinor, currency } = b;
      if (
        typeof orderId !== 'string' ||
        typeof customerId !== 'string' ||
        typeof paymentRef !== 'string' ||
        !isPositiveInt(amountMinor) ||
        !isCurrency(currency)
      ) {
        return sendJson(res, 400, { error: 'orderId, customerId, paymentRef, amountMinor, currency required' });
      }
      const order: OrderRow = {
        orderId,
        customerId,
        paymentRef,
        captured: { amountMinor, currency },
        refundedMinor: num(b.refundedMinor, 0),
        refunds: [],
      };
      state.orders.set(orderId, order);
      return sendJson(res, 200, order);
    }
    if (method === 'POST' && path === '/__admin/customers') {
      if (typeof b.customerId !== 'string' || typeof b.email !== 'string')
        return sendJson(res, 400, { error: 'customerId and email required' });
      state.customers.set(b.customerId, b.email);
      return sendJson(res, 200, { ok: true });
    }
    if (method === 'POST' && path === '/__admin/faults') {
      for (const k of ['latencyMs', 'fail5xxNext', 'timeoutNext', 'hangMs'] as const)
        if (b[k] !== undefined) faults[k] = num(b[k], faults[k]);
      if (b.rejectNext && typeof b.rejectNext === 'object') {
        for (const [k, v] of Object.entries(b.rejectNext))
          if (k in faults.rejectNext) faults.rejectNext[k as RejectKind] = num(v, 0);
      }
      return sendJson(res, 200, faults);
    }
    if (method === 'DELETE' && path === '/__admin/faults') {
      faults = defaultFaults();
      return sendJson(res, 200, { ok: true });
    }
    if (method === 'GET' && path === '/__admin/calls') return sendJson(res, 200, { calls });
    if (method === 'GET' && path === '/__admin/state') {
      return sendJson(res, 200, {
        orders: [...state.orders.values()],
        credits: [...state.credits.values()],
        vouchers: [...state.vouchers.values()],
      });
    }
    return sendJson(res, 404, { error: `unknown admin route ${method} ${path}` });
  }

  const server = http.createServer((req, res) => {
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const admin = path.startsWith('/__admin/');
    const handler = admin ? handleAdmin : path.startsWith('/v1/') ? handleApi : undefined;
    if (!handler) return send(res, 404, 'not found', 'text/plain');
    handler(req, res, method, path).catch((e: unknown) => {
      sendJson(res, admin ? 400 : 500, {
        error: { code: admin ? 'bad_admin_request' : 'internal', message: e instanceof Error ? e.message : String(e) },
      });
    });
  });

  return serve(server, opts.port, timers);
}
