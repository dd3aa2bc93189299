import { createHash } from 'node:crypto';
import {
  parseJson,
  readBody,
  sandboxServer,
  sendJson,
  sleep,
  type RunningSandbox,
  type SandboxHandler,
} from '../shared/http';
import { hangThenDrop, mergeNumbers, num, take, TRANSPORT_FAULT_KEYS } from '../shared/faults';
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

  const handleApi: SandboxHandler = async (req, res, method, path) => {
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
  };

  return sandboxServer({
    port: opts.port,
    api: { prefix: '/v1/', handle: handleApi },
    admin: {
      reset() {
        faults = defaultFaults();
        state = new CommerceState();
        idem.clear();
        calls.length = 0;
      },
      setFaults(b) {
        mergeNumbers(faults, b, TRANSPORT_FAULT_KEYS);
        if (b.rejectNext && typeof b.rejectNext === 'object') {
          for (const [k, v] of Object.entries(b.rejectNext))
            if (k in faults.rejectNext) faults.rejectNext[k as RejectKind] = num(v, 0);
        }
        return faults;
      },
      clearFaults() {
        faults = defaultFaults();
        return { ok: true };
      },
      calls: () => ({ calls }),
      routes: (method, path, b) => adminRoute(state, method, path, b),
    },
    onError: (res, message, where) =>
      sendJson(res, where === 'admin' ? 400 : 500, {
        error: { code: where === 'admin' ? 'bad_admin_request' : 'internal', message },
      }),
    timers,
  });
}

/** The commerce sandbox's own admin routes: seed orders and customers, read the whole state. */
function adminRoute(state: CommerceState, method: string, path: string, b: Record<string, unknown>): Reply | undefined {
  if (method === 'POST' && path === '/__admin/orders') {
    const { orderId, customerId, paymentRef, amountMinor, currency } = b;
    if (
      typeof orderId !== 'string' ||
      typeof customerId !== 'string' ||
      typeof paymentRef !== 'string' ||
      !isPositiveInt(amountMinor) ||
      !isCurrency(currency)
    ) {
      return { status: 400, body: { error: 'orderId, customerId, paymentRef, amountMinor, currency required' } };
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
    return { status: 200, body: order };
  }
  if (method === 'POST' && path === '/__admin/customers') {
    if (typeof b.customerId !== 'string' || typeof b.email !== 'string')
      return { status: 400, body: { error: 'customerId and email required' } };
    state.customers.set(b.customerId, b.email);
    return { status: 200, body: { ok: true } };
  }
  if (method === 'GET' && path === '/__admin/state') {
    const { orders, credits, vouchers } = state;
    return {
      status: 200,
      body: { orders: [...orders.values()], credits: [...credits.values()], vouchers: [...vouchers.values()] },
    };
  }
  return undefined;
}
