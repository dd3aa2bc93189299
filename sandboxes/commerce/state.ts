import { randomBytes } from 'node:crypto';
import { noTransportFaults, take, type TransportFaults } from '../shared/faults';

/** The commerce sandbox's objects, its injected refusals, and the API's rules over them (`routeApi`). */

export type RejectKind = 'store-credits' | 'vouchers' | 'refunds' | 'revoke' | 'void';

export interface Faults extends TransportFaults {
  rejectNext: Record<RejectKind, number>;
}
export const defaultFaults = (): Faults => ({
  ...noTransportFaults(),
  rejectNext: { 'store-credits': 0, vouchers: 0, refunds: 0, revoke: 0, void: 0 },
});

export interface Reply {
  status: number;
  body: unknown;
}
export const err = (status: number, code: string, message: string): Reply => ({
  status,
  body: { error: { code, message } },
});

export interface OrderRow {
  orderId: string;
  customerId: string;
  paymentRef: string;
  captured: { amountMinor: number; currency: string };
  refundedMinor: number;
  refunds: Array<{ idempotencyKey: string; refundId: string; amountMinor: number }>;
}

export class CommerceState {
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

export const isPositiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;
export const isCurrency = (v: unknown): v is string => typeof v === 'string' && /^[A-Z]{3}$/.test(v);

/** Answers one API call against the state (after the idempotency and fault layers in `index.ts`). */
export function routeApi(
  state: CommerceState,
  faults: Faults,
  method: string,
  path: string,
  b: Record<string, unknown>,
  key: string,
): Reply {
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
    if (take(faults.rejectNext, 'refunds')) return err(422, 'rejected_by_commerce', 'refund record refused (injected)');
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
