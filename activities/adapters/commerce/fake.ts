import { failure, FailureType } from '../../../workflows/shared/failures';
import type { Money } from '../../../workflows/shared/money';
import type { CommercePort, Order } from './port';

type Method = keyof CommercePort;

/** In-memory commerce for workflow tests: idempotent by key, scriptable failures per method. */
export function createFakeCommerce() {
  const orders = new Map<string, Order>();
  const emails = new Map<string, string>();
  const credits = new Map<
    string,
    { creditId: string; customerId: string; amount: Money; status: 'active' | 'revoked' }
  >();
  const vouchers = new Map<
    string,
    { voucherId: string; code: string; customerId: string; amount: Money; status: 'active' | 'void' }
  >();
  const byKey = new Map<string, unknown>();
  const failNext = new Map<Method, Error[]>();
  const calls: Array<{ method: Method; idempotencyKey?: string }> = [];

  const enter = (method: Method, idempotencyKey?: string) => {
    calls.push({ method, idempotencyKey });
    const scripted = failNext.get(method)?.shift();
    if (scripted) throw scripted;
  };
  const once = <T>(key: string, fn: () => T): T => {
    if (byKey.has(key)) return byKey.get(key) as T;
    const out = fn();
    byKey.set(key, out);
    return out;
  };
  /** Revoking a credit or voiding a voucher: idempotent, and an unknown ID is no error (as in the sandbox). */
  const retire = <S extends string>(row: { status: S | 'active' } | undefined, status: S): S => {
    if (row) row.status = status;
    return status;
  };
  const order = (orderId: string) => {
    const o = orders.get(orderId);
    if (!o) throw failure(FailureType.ProviderPermanent, 'getOrder: not found (order_not_found)');
    return o;
  };

  const port = {
    async getOrder(orderId) {
      enter('getOrder');
      return structuredClone(order(orderId));
    },
    async getCustomerEmail(customerId) {
      enter('getCustomerEmail');
      const email = emails.get(customerId);
      if (!email) throw failure(FailureType.ProviderPermanent, 'getCustomer: not found (customer_not_found)');
      return email;
    },
    async issueStoreCredit(i) {
      enter('issueStoreCredit', i.idempotencyKey);
      return once(i.idempotencyKey, () => {
        const creditId = `sc_${credits.size + 1}`;
        credits.set(creditId, { creditId, customerId: i.customerId, amount: i.amount, status: 'active' });
        return { creditId };
      });
    },
    async revokeStoreCredit(i) {
      enter('revokeStoreCredit', i.idempotencyKey);
      return { creditId: i.creditId, status: retire(credits.get(i.creditId), 'revoked') };
    },
    async issueVoucher(i) {
      enter('issueVoucher', i.idempotencyKey);
      return once(i.idempotencyKey, () => {
        const voucherId = `vo_${vouchers.size + 1}`;
        vouchers.set(voucherId, {
          voucherId,
          code: `CODE-${vouchers.size + 1}`,
          customerId: i.customerId,
          amount: i.amount,
          status: 'active',
        });
        return { voucherId };
      });
    },
    async getVoucherCode(voucherId) {
      enter('getVoucherCode');
      return vouchers.get(voucherId)?.code ?? '';
    },
    async voidVoucher(i) {
      enter('voidVoucher', i.idempotencyKey);
      return { voucherId: i.voucherId, status: retire(vouchers.get(i.voucherId), 'void') };
    },
    async recordRefund(i) {
      enter('recordRefund', i.idempotencyKey);
      const o = order(i.orderId);
      if (!o.refunds.some((r) => r.idempotencyKey === i.idempotencyKey)) {
        if (o.refundedMinor + i.amountMinor > o.captured.amountMinor)
          throw failure(FailureType.Conflict, 'recordRefund: refused (refund_exceeds_captured)');
        o.refunds.push({ idempotencyKey: i.idempotencyKey, refundId: i.refundId, amountMinor: i.amountMinor });
        o.refundedMinor += i.amountMinor;
      }
      return { refundedMinor: o.refundedMinor };
    },
  } satisfies CommercePort;

  return {
    ...port,
    calls,
    credits,
    vouchers,
    addOrder(o: { orderId: string; customerId: string; paymentRef: string; captured: Money; refundedMinor?: number }) {
      orders.set(o.orderId, { ...o, refundedMinor: o.refundedMinor ?? 0, refunds: [] });
    },
    addCustomer(customerId: string, email: string) {
      emails.set(customerId, email);
    },
    failNext(method: Method, err: Error) {
      failNext.set(method, [...(failNext.get(method) ?? []), err]);
    },
  };
}
