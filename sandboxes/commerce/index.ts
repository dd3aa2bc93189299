import { createHash } from 'node:crypto';
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
import {
  CommerceState,
  defaultFaults,
  err,
  isCurrency,
  isPositiveInt,
  routeApi,
  type OrderRow,
  type RejectKind,
  type Reply,
} from './state';

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
    if (method !== 'POST') return reply(routeApi(state, faults, method, path, body, ''));
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
    const result = routeApi(state, faults, method, path, body, idempotencyKey);
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
