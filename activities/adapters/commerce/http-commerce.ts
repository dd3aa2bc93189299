import { currencySchema } from '../../../workflows/shared/money';
import { ProviderTransientError } from '../errors';
import { commerceFailure } from './errors';
import type { CommercePort, GrantInput, Order } from './port';

export interface HttpCommerceOptions {
  /** e.g. `http://127.0.0.1:12115` (the local sandbox). */
  apiBase: string;
  timeoutMs?: number;
}

/** The real commerce client: JSON over HTTP, idempotency keys in the `Idempotency-Key` header, no own retries. */
export function createHttpCommerce(opts: HttpCommerceOptions): CommercePort {
  const call = async <T>(
    operation: string,
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    idempotencyKey?: string,
  ): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(new URL(path, opts.apiBase), {
        method,
        headers: {
          'Content-Type': 'application/json',
          ...(idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
      });
    } catch {
      throw new ProviderTransientError(
        'commerce',
        'COMMERCE_CONNECTION',
        `${operation}: connection to commerce failed or timed out`,
      );
    }
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      if (res.ok)
        throw new ProviderTransientError('commerce', 'COMMERCE_UNAVAILABLE', `${operation}: unreadable answer`);
    }
    if (!res.ok) throw commerceFailure(operation, res.status, (json['error'] as { code?: string } | undefined)?.code);
    return json as T;
  };
  /** Store credits and vouchers are granted with the same body; the answer names what was created. */
  const grant = <T>(operation: string, path: string, i: GrantInput) =>
    call<T>(
      operation,
      'POST',
      path,
      {
        customerId: i.customerId,
        amountMinor: i.amount.amountMinor,
        currency: i.amount.currency,
        reference: i.reference,
      },
      i.idempotencyKey,
    );
  const enc = encodeURIComponent;

  return {
    async getOrder(orderId) {
      const o = await call<Order>('getOrder', 'GET', `/v1/orders/${enc(orderId)}`);
      return {
        ...o,
        captured: { amountMinor: o.captured.amountMinor, currency: currencySchema.parse(o.captured.currency) },
      };
    },
    async getCustomerEmail(customerId) {
      return (await call<{ email: string }>('getCustomer', 'GET', `/v1/customers/${enc(customerId)}`)).email;
    },
    async issueStoreCredit(i) {
      return { creditId: (await grant<{ creditId: string }>('issueStoreCredit', '/v1/store-credits', i)).creditId };
    },
    async revokeStoreCredit(i) {
      await call('revokeStoreCredit', 'POST', `/v1/store-credits/${enc(i.creditId)}/revoke`, {}, i.idempotencyKey);
      return { creditId: i.creditId, status: 'revoked' };
    },
    async issueVoucher(i) {
      return { voucherId: (await grant<{ voucherId: string }>('issueVoucher', '/v1/vouchers', i)).voucherId };
    },
    async getVoucherCode(voucherId) {
      return (await call<{ code: string }>('getVoucher', 'GET', `/v1/vouchers/${enc(voucherId)}`)).code;
    },
    async voidVoucher(i) {
      await call('voidVoucher', 'POST', `/v1/vouchers/${enc(i.voucherId)}/void`, {}, i.idempotencyKey);
      return { voucherId: i.voucherId, status: 'void' };
    },
    async recordRefund(i) {
      const out = await call<{ refundedMinor: number }>(
        'recordRefund',
        'POST',
        `/v1/orders/${enc(i.orderId)}/refunds`,
        { refundId: i.refundId, amountMinor: i.amountMinor },
        i.idempotencyKey,
      );
      return { refundedMinor: out.refundedMinor };
    },
  } satisfies CommercePort;
}
