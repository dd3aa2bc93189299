import Stripe from 'stripe';
import { orderIdSchema } from '../../../workflows/disputes/contract';
import { currencySchema, type Money } from '../../../workflows/shared/money';
import { failure, FailureType } from '../../../workflows/shared/failures';
import { mapPspError, pspErrorCode } from './errors';
import type { PspPort, RefundStatus } from './port';

export interface StripePspOptions {
  /** e.g. `http://127.0.0.1:12112` (sandbox), `http://127.0.0.1:12111` (stripe-mock) or `https://api.stripe.com`. */
  apiBase: string;
  secretKey: string;
  timeoutMs?: number;
}

/** Metadata key recording which idempotency key submitted dispute evidence, to recognise our own earlier success. */
const EVIDENCE_KEY = 'payops_evidence_key';
/** Metadata key naming the payout step that made a transfer (what `findTransfer` matches on). */
const STEP_KEY = 'payops_step';

/** The real PSP client: the official SDK with its own retries off, because Temporal's retry policy owns retries. */
export function createStripePsp(opts: StripePspOptions): PspPort {
  const stripe = stripeClient(opts);

  const retrieveDispute = (id: string) => call('getDispute', () => stripe.disputes.retrieve(id));

  return {
    async ping() {
      const balance = await call('ping', () => stripe.balance.retrieve());
      return {
        ok: true,
        available: balance.available.flatMap((b) =>
          currencySchema.safeParse(b.currency.toUpperCase()).success ? [fromStripe(b.amount, b.currency)] : [],
        ),
      };
    },

    async createTransfer(i) {
      const t = await call('createTransfer', () =>
        stripe.transfers.create(
          {
            amount: i.amount.amountMinor,
            currency: toStripeCurrency(i.amount),
            destination: i.destinationAccount,
            transfer_group: i.reference,
            metadata: { reference: i.reference, ...(i.stepKey ? { [STEP_KEY]: i.stepKey } : {}) },
          },
          { idempotencyKey: i.idempotencyKey },
        ),
      );
      // Stripe transfers between balances are synchronous: once created, the funds have moved.
      return { transferId: t.id, status: 'paid' };
    },

    async findTransfer(i) {
      const list = await call('findTransfer', () =>
        stripe.transfers.list({ transfer_group: i.transferGroup, limit: 100 }),
      );
      const t = list.data.find((x) => x.metadata?.[STEP_KEY] === i.stepKey);
      if (!t) return undefined;
      const reversed = t.reversed || (t.amount_reversed > 0 && t.amount_reversed >= t.amount);
      return { transferId: t.id, status: reversed ? 'reversed' : 'paid' };
    },

    async getTransfer(transferId) {
      const t = await call('getTransfer', () => stripe.transfers.retrieve(transferId));
      const reversed = t.reversed || (t.amount_reversed > 0 && t.amount_reversed >= t.amount);
      // A partial reversal leaves the status `paid` (as `reversed` stays false); `amountReversedMinor` tells it.
      return {
        transferId: t.id,
        status: reversed ? 'reversed' : 'paid',
        amount: fromStripe(t.amount, t.currency),
        amountReversedMinor: t.amount_reversed,
        reversals: (t.reversals?.data ?? []).map((r) => ({ id: r.id, amountMinor: r.amount })),
      };
    },

    async reverseTransfer(i) {
      const r = await call('reverseTransfer', () =>
        stripe.transfers.createReversal(
          i.transferId,
          { amount: i.amountMinor, metadata: { reference: i.reference } },
          { idempotencyKey: i.idempotencyKey },
        ),
      );
      return { reversalId: r.id, amountMinor: r.amount };
    },

    async createRefund(i) {
      const target = i.paymentRef.startsWith('ch_') ? { charge: i.paymentRef } : { payment_intent: i.paymentRef };
      const r = await call('createRefund', () =>
        stripe.refunds.create(
          { ...target, amount: i.amount.amountMinor, metadata: { reference: i.reference } },
          { idempotencyKey: i.idempotencyKey },
        ),
      );
      return { refundId: r.id, status: refundStatus(r.status) };
    },

    async findRefund(i) {
      const target = i.paymentRef.startsWith('ch_') ? { charge: i.paymentRef } : { payment_intent: i.paymentRef };
      const list = await call('findRefund', () => stripe.refunds.list({ ...target, limit: 100 }));
      const r = list.data.find((x) => x.metadata?.['reference'] === i.reference);
      return r ? { refundId: r.id, status: refundStatus(r.status), amountMinor: r.amount } : undefined;
    },

    async getDispute(disputeId) {
      const d = await retrieveDispute(disputeId);
      const dueBy = d.evidence_details?.due_by;
      const orderId = orderIdSchema.safeParse(d.metadata?.['orderId']);
      return {
        disputeId: d.id,
        status: d.status,
        dueBy: typeof dueBy === 'number' ? new Date(dueBy * 1000).toISOString() : '',
        submissionCount: d.evidence_details?.submission_count ?? 0,
        amount: fromStripe(d.amount, d.currency),
        reason: d.reason,
        ...(orderId.success ? { orderId: orderId.data } : {}),
      };
    },

    async submitDisputeEvidence(i) {
      try {
        const d = await withoutCallSiteStack(() =>
          stripe.disputes.update(
            i.disputeId,
            {
              evidence: i.evidence as Stripe.DisputeUpdateParams.Evidence,
              submit: i.submit,
              ...(i.submit ? { metadata: { [EVIDENCE_KEY]: i.idempotencyKey } } : {}),
            },
            { idempotencyKey: i.idempotencyKey },
          ),
        );
        return { status: d.status, submissionCount: d.evidence_details?.submission_count ?? 0 };
      } catch (err) {
        // Our own earlier attempt (same key, e.g. replay window expired) already submitted: that is success.
        if (i.submit && pspErrorCode(err) === 'dispute_already_submitted') {
          const d = await retrieveDispute(i.disputeId);
          if (d.metadata?.[EVIDENCE_KEY] === i.idempotencyKey) {
            return { status: d.status, submissionCount: d.evidence_details?.submission_count ?? 0 };
          }
        }
        return mapPspError(err, 'submitDisputeEvidence');
      }
    },

    async acceptDispute(i) {
      try {
        const d = await withoutCallSiteStack(() =>
          stripe.disputes.close(i.disputeId, {}, { idempotencyKey: i.idempotencyKey }),
        );
        return { status: d.status };
      } catch (err) {
        // Accepting means losing; if it is already lost, the goal is reached whoever closed it.
        if (pspErrorCode(err) === 'dispute_already_closed') {
          const d = await retrieveDispute(i.disputeId);
          if (d.status === 'lost' || d.status === 'warning_closed') return { status: d.status };
        }
        return mapPspError(err, 'acceptDispute');
      }
    },
  } satisfies PspPort;
}

/** The official SDK pointed at `apiBase`, with its own retries off (Temporal's retry policy owns retries). */
export function stripeClient(opts: StripePspOptions): Stripe {
  const base = new URL(opts.apiBase);
  const protocol = base.protocol === 'http:' ? 'http' : 'https';
  return new Stripe(opts.secretKey, {
    host: base.hostname,
    port: base.port || (protocol === 'http' ? 80 : 443),
    protocol,
    maxNetworkRetries: 0,
    timeout: opts.timeoutMs ?? 10_000,
    telemetry: false,
  });
}

/** Runs one SDK call; any error leaves as the product's transient/permanent failure (errors.ts). */
export async function call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await withoutCallSiteStack(fn);
  } catch (err) {
    return mapPspError(err, operation);
  }
}

/**
 * Starts an SDK call without its call-site stack. The SDK captures `new Error().stack` on every request, only to append
 * it to the stack of an error the request may end with. With source maps enabled (the Lambda's NODE_OPTIONS, tsx),
 * formatting that stack maps every frame: the largest single cost of a Stripe call on the worker's activity thread.
 * Our errors leave through `mapPspError` with the operation's name, and the activity's own stack names the caller, so
 * nothing is lost. Only the synchronous start runs with no stack frames; the limit is restored before any other code.
 */
export function withoutCallSiteStack<T>(start: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return start();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

export function toStripeCurrency(m: Money): string {
  return m.currency.toLowerCase();
}

export function fromStripe(amount: number, currency: string): Money {
  const parsed = currencySchema.safeParse(currency.toUpperCase());
  if (!parsed.success)
    throw failure(FailureType.ProviderPermanent, `PSP returned an unsupported currency ${JSON.stringify(currency)}`);
  return { amountMinor: amount, currency: parsed.data };
}

function refundStatus(s: string | null): RefundStatus {
  return s === 'succeeded' || s === 'failed' || s === 'requires_action' || s === 'canceled' ? s : 'pending';
}
