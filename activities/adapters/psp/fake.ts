import type { Money } from '../../../workflows/shared/money';
import { failure, FailureType } from '../../../workflows/shared/failures';
import type { DisputeFacts } from '../../../workflows/disputes/contract';
import type { PspPort } from './port';

type Method = keyof PspPort;

interface FakeDispute extends DisputeFacts {
  evidence: Record<string, string>;
}

/**
 * In-memory PSP for workflow and activity tests. Same rules as the sandbox where the product depends on them:
 * idempotent replays, same key + other params → Conflict, refunds bounded by the captured amount, evidence submitted
 * once. `failNextWith` scripts errors (transient `Error`s or failures).
 */
export function createFakePsp() {
  const calls: { method: Method; idempotencyKey?: string; input?: unknown }[] = [];
  const replies = new Map<string, { params: string; result: unknown }>();
  const transfers = new Map<
    string,
    {
      transferId: string;
      status: 'paid' | 'pending' | 'failed' | 'reversed';
      amount: Money;
      /** What was reversed so far (partial reversals add up). */
      amountReversedMinor?: number;
      destinationAccount: string;
      failureCode?: string;
      transferGroup?: string;
      stepKey?: string;
    }
  >();
  const payments = new Map<string, { captured: Money; refunded: number }>();
  const refunds: Array<{ refundId: string; paymentRef: string; reference: string; amountMinor: number }> = [];
  const disputes = new Map<string, FakeDispute>();
  const declined = new Set<string>();
  const failNext: Error[] = [];
  let seq = 0;
  const nextId = (prefix: string) => `${prefix}_fake${++seq}`;

  const record = (method: Method, idempotencyKey?: string, input?: unknown) => {
    calls.push({ method, idempotencyKey, input });
    const scripted = failNext.shift();
    if (scripted) throw scripted;
  };

  /** Runs `fn` once per idempotency key; a replay with other params is a Conflict, like Stripe. */
  const once = <T>(method: Method, key: string, params: unknown, fn: () => T): T => {
    const scoped = `${method}\n${key}`;
    const p = JSON.stringify(params);
    const seen = replies.get(scoped);
    if (seen) {
      if (seen.params !== p)
        throw failure(FailureType.Conflict, `${method}: idempotency key reused with different parameters`);
      return seen.result as T;
    }
    const result = fn();
    replies.set(scoped, { params: p, result });
    return result;
  };

  const dispute = (id: string) => {
    const d = disputes.get(id);
    if (!d)
      throw failure(FailureType.ProviderPermanent, 'getDispute: rejected by PSP (resource_missing)', {
        code: 'resource_missing',
      });
    return d;
  };

  const port = {
    async ping() {
      record('ping');
      return { ok: true as const, available: [] };
    },
    async createTransfer(i) {
      record('createTransfer', i.idempotencyKey, i);
      const { idempotencyKey: _k, ...params } = i;
      return once('createTransfer', i.idempotencyKey, params, () => {
        if (declined.has(i.destinationAccount))
          throw failure(FailureType.Declined, 'createTransfer: declined by PSP (account_invalid)', {
            code: 'account_invalid',
          });
        const transferId = nextId('tr');
        transfers.set(transferId, {
          transferId,
          status: 'paid',
          amount: i.amount,
          destinationAccount: i.destinationAccount,
          transferGroup: i.reference,
          ...(i.stepKey ? { stepKey: i.stepKey } : {}),
        });
        return { transferId, status: 'paid' as const };
      });
    },
    async findTransfer(i) {
      record('findTransfer', undefined, i);
      const t = [...transfers.values()].find((x) => x.transferGroup === i.transferGroup && x.stepKey === i.stepKey);
      return t ? { transferId: t.transferId, status: t.status } : undefined;
    },
    async getTransfer(transferId) {
      record('getTransfer', undefined, transferId);
      const t = transfers.get(transferId);
      if (!t)
        throw failure(FailureType.ProviderPermanent, 'getTransfer: rejected by PSP (resource_missing)', {
          code: 'resource_missing',
        });
      const reversedMinor = t.amountReversedMinor ?? (t.status === 'reversed' ? t.amount.amountMinor : 0);
      return {
        transferId,
        status: t.status,
        ...(t.failureCode ? { failureCode: t.failureCode } : {}),
        amount: t.amount,
        amountReversedMinor: reversedMinor,
      };
    },
    async reverseTransfer(i) {
      record('reverseTransfer', i.idempotencyKey, i);
      const { idempotencyKey: _k, ...params } = i;
      return once('reverseTransfer', i.idempotencyKey, params, () => {
        const t = transfers.get(i.transferId);
        if (!t)
          throw failure(FailureType.ProviderPermanent, 'reverseTransfer: rejected by PSP (resource_missing)', {
            code: 'resource_missing',
          });
        const left = t.amount.amountMinor - (t.amountReversedMinor ?? 0);
        if (left <= 0)
          throw failure(FailureType.ProviderPermanent, 'reverseTransfer: rejected by PSP (transfer_already_reversed)', {
            code: 'transfer_already_reversed',
          });
        if (i.amountMinor > left)
          throw failure(FailureType.InvalidInput, 'reverseTransfer: rejected by PSP (amount above what is left)', {
            code: 'parameter_invalid_integer',
          });
        t.amountReversedMinor = (t.amountReversedMinor ?? 0) + i.amountMinor;
        if (t.amountReversedMinor === t.amount.amountMinor) t.status = 'reversed';
        return { reversalId: nextId('trr'), amountMinor: i.amountMinor };
      });
    },
    async createRefund(i) {
      record('createRefund', i.idempotencyKey, i);
      const { idempotencyKey: _k, ...params } = i;
      return once('createRefund', i.idempotencyKey, params, () => {
        const p = payments.get(i.paymentRef);
        if (!p)
          throw failure(FailureType.ProviderPermanent, 'createRefund: rejected by PSP (resource_missing)', {
            code: 'resource_missing',
          });
        const remaining = p.captured.amountMinor - p.refunded;
        if (remaining <= 0)
          throw failure(FailureType.Conflict, 'createRefund: refused by PSP (charge_already_refunded)', {
            code: 'charge_already_refunded',
          });
        if (i.amount.amountMinor > remaining)
          throw failure(FailureType.Conflict, 'createRefund: refused by PSP (amount_too_large)', {
            code: 'amount_too_large',
          });
        p.refunded += i.amount.amountMinor;
        const refundId = nextId('re');
        refunds.push({ refundId, paymentRef: i.paymentRef, reference: i.reference, amountMinor: i.amount.amountMinor });
        return { refundId, status: 'succeeded' as const };
      });
    },
    async findRefund(i) {
      record('findRefund', undefined, i);
      const r = refunds.find((x) => x.paymentRef === i.paymentRef && x.reference === i.reference);
      return r && { refundId: r.refundId, status: 'succeeded' as const, amountMinor: r.amountMinor };
    },
    async getDispute(disputeId) {
      record('getDispute', undefined, disputeId);
      const { evidence: _e, ...d } = dispute(disputeId);
      return d;
    },
    async submitDisputeEvidence(i) {
      record('submitDisputeEvidence', i.idempotencyKey, i);
      const { idempotencyKey: _k, ...params } = i;
      return once('submitDisputeEvidence', i.idempotencyKey, params, () => {
        const d = dispute(i.disputeId);
        if (d.status !== 'needs_response' && d.status !== 'warning_needs_response') {
          throw failure(FailureType.Conflict, 'submitDisputeEvidence: refused by PSP (dispute_already_submitted)', {
            code: 'dispute_already_submitted',
          });
        }
        Object.assign(d.evidence, i.evidence);
        if (i.submit) {
          d.submissionCount++;
          d.status = 'under_review';
        }
        return { status: d.status, submissionCount: d.submissionCount };
      });
    },
    async acceptDispute(i) {
      record('acceptDispute', i.idempotencyKey, i);
      const d = dispute(i.disputeId);
      if (d.status === 'lost') return { status: 'lost' };
      if (d.status !== 'needs_response' && d.status !== 'warning_needs_response') {
        throw failure(FailureType.Conflict, `acceptDispute: refused by PSP (dispute is ${d.status})`);
      }
      d.status = 'lost';
      return { status: d.status };
    },
  } satisfies PspPort;

  return Object.assign(port, {
    calls,
    transfers,
    refunds,
    disputes,
    /** A captured payment (`ch_…`/`pi_…`) that refunds can draw on. */
    addPayment(paymentRef: string, captured: Money) {
      payments.set(paymentRef, { captured, refunded: 0 });
    },
    addDispute(
      d: Omit<FakeDispute, 'evidence' | 'status' | 'submissionCount'> &
        Partial<Pick<FakeDispute, 'status' | 'submissionCount'>>,
    ) {
      disputes.set(d.disputeId, { status: 'needs_response', submissionCount: 0, evidence: {}, ...d });
    },
    declineDestination(account: string) {
      declined.add(account);
    },
    /** The provider forgot every idempotency key (Stripe keeps them 24 h): a replay would create anew. */
    forgetIdempotencyKeys() {
      replies.clear();
    },
    failNextWith(err: Error) {
      failNext.push(err);
    },
    /** Distinct objects created (idempotent replays excluded). */
    createdCount(method: 'createTransfer' | 'createRefund') {
      return [...replies.keys()].filter((k) => k.startsWith(`${method}\n`)).length;
    },
  });
}
export type FakePsp = ReturnType<typeof createFakePsp>;
