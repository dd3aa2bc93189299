import type { Money } from '../../../workflows/shared/money';

/** An order as the commerce system knows it: who paid, how, how much was captured and refunded so far. */
export interface Order {
  orderId: string;
  customerId: string;
  /** PSP reference of the original payment (`pi_…` or `ch_…`): where a refund goes. */
  paymentRef: string;
  captured: Money;
  refundedMinor: number;
  /** Refunds recorded against the order, by the idempotency key that recorded them. */
  refunds: Array<{ idempotencyKey: string; refundId: string; amountMinor: number }>;
}

/** What granting a store credit or a voucher takes (the customer, the value, the business reference). */
export interface GrantInput {
  idempotencyKey: string;
  customerId: string;
  amount: Money;
  reference: string;
}

/**
 * The commerce platform: orders, customers, store credit and vouchers. Every mutating call carries an idempotency
 * key (workflow ID + step); a retry with the same key returns the first result. Permanent refusals surface as
 * non-retryable `ApplicationFailure`s, everything else retries.
 */
export interface CommercePort {
  getOrder(orderId: string): Promise<Order>;
  /** The customer's email for notifications; callers must not log it or pass it to a workflow. */
  getCustomerEmail(customerId: string): Promise<string>;
  issueStoreCredit(i: GrantInput): Promise<{ creditId: string }>;
  /** Revoking an already revoked credit is success. */
  revokeStoreCredit(i: { idempotencyKey: string; creditId: string }): Promise<{ creditId: string; status: 'revoked' }>;
  /** The voucher code is a bearer secret: it stays inside activities (read it with `getVoucherCode`). */
  issueVoucher(i: GrantInput): Promise<{ voucherId: string }>;
  getVoucherCode(voucherId: string): Promise<string>;
  voidVoucher(i: { idempotencyKey: string; voucherId: string }): Promise<{ voucherId: string; status: 'void' }>;
  /** Records a PSP refund against the order so later requests see it. */
  recordRefund(i: {
    idempotencyKey: string;
    orderId: string;
    refundId: string;
    amountMinor: number;
  }): Promise<{ refundedMinor: number }>;
}
