import { sandboxServer, sendJson, sleep, type RunningSandbox, type SandboxHandler } from '../shared/http';
import { hangThenDrop, mergeNumbers, noTransportFaults, take, TRANSPORT_FAULT_KEYS } from '../shared/faults';

/**
 * A stateful stand-in for the shop's order, shipment-tracking and customer-support systems: JSON records per order
 * ID, with fault injection, for `npm start` and tests.
 *
 * API: GET /orders/:id · GET /orders/:id/shipment · GET /orders/:id/communications (404 when absent).
 * Admin (JSON, no auth):
 * - POST /__admin/orders `{ orderId, order?, shipment?, communications? }` — store records for an order
 * - POST /__admin/faults `{ latencyMs, fail5xxNext, timeoutNext, hangMs }`; DELETE /__admin/faults clears them
 * - GET /__admin/calls — `{ calls: [{ method, path, status, fault? }] }`
 * - POST /__admin/reset — forget everything
 */
export type EvidenceSandbox = RunningSandbox;

interface Records {
  order?: Record<string, unknown>;
  shipment?: Record<string, unknown>;
  communications?: unknown[];
}

export async function startEvidenceSandbox(opts: { port?: number } = {}): Promise<EvidenceSandbox> {
  let faults = noTransportFaults();
  const records = new Map<string, Records>();
  const calls: Array<{ method: string; path: string; status: number; fault?: '5xx' | 'timeout' | 'latency' }> = [];
  const timers = new Set<NodeJS.Timeout>();

  const handleApi: SandboxHandler = async (req, res, method, path) => {
    const call: (typeof calls)[number] = { method, path, status: 0 };
    calls.push(call);
    const reply = (status: number, body: unknown) => {
      call.status = status;
      sendJson(res, status, body);
    };
    if (faults.latencyMs > 0) {
      call.fault = 'latency';
      await sleep(faults.latencyMs);
    }
    if (take(faults, 'timeoutNext')) {
      call.fault = 'timeout';
      return hangThenDrop(req, res, faults.hangMs, timers);
    }
    if (take(faults, 'fail5xxNext')) {
      call.fault = '5xx';
      return reply(503, { error: 'service unavailable (injected)' });
    }
    if (method !== 'GET') return reply(405, { error: 'method not allowed' });
    const m = /^\/orders\/([A-Za-z0-9_-]{1,64})(\/shipment|\/communications)?$/.exec(path);
    if (!m) return reply(path.startsWith('/orders/') ? 400 : 404, { error: `no route ${path}` });
    const r = records.get(m[1] ?? '');
    if (m[2] === '/shipment')
      return r?.shipment ? reply(200, r.shipment) : reply(404, { error: 'no shipment for this order' });
    if (m[2] === '/communications')
      return r?.communications
        ? reply(200, { communications: r.communications })
        : reply(404, { error: 'no communications' });
    return r?.order ? reply(200, { orderId: m[1], ...r.order }) : reply(404, { error: 'no such order' });
  };

  return sandboxServer({
    port: opts.port,
    api: { prefix: '/orders/', handle: handleApi },
    admin: {
      reset() {
        faults = noTransportFaults();
        records.clear();
        calls.length = 0;
      },
      setFaults(b) {
        mergeNumbers(faults, b, TRANSPORT_FAULT_KEYS);
        return faults;
      },
      clearFaults() {
        faults = noTransportFaults();
        return { ok: true };
      },
      calls: () => ({ calls }),
      routes(method, path, b) {
        if (method !== 'POST' || path !== '/__admin/orders') return undefined;
        if (typeof b.orderId !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(b.orderId))
          return { status: 400, body: { error: 'orderId required' } };
        const prev = records.get(b.orderId) ?? {};
        records.set(b.orderId, {
          order: isObject(b.order) ? b.order : prev.order,
          shipment: isObject(b.shipment) ? b.shipment : prev.shipment,
          communications: Array.isArray(b.communications) ? b.communications : prev.communications,
        });
        return { status: 200, body: { ok: true } };
      },
    },
    onError: (res, message) => sendJson(res, 500, { error: message }),
    timers,
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
