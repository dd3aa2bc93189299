import { failure, FailureType } from '../../workflows/shared/failures';
import { formatMoney } from '../../workflows/shared/money';
import {
  agentBudgetStream,
  approvalAuditStream,
  orderAuditStream,
  type ApprovalActivities,
} from '../../workflows/approvals/contract';
import type { CommercePort } from '../adapters/commerce/port';
import { createSharedActivities } from '../shared';
import { firstClaimant, priorClaims, reserveBudget, spentOf } from './claims';
import type { ActivityDeps } from '../deps';

/** Activities of the compensation-approval domain: order facts, commerce remedies, PSP refunds, audit, notification. */
export function createApprovalActivities(deps: ActivityDeps) {
  const { publishEvent } = createSharedActivities(deps);
  const commerce = (): CommercePort => {
    if (!deps.commerce)
      throw failure(FailureType.ProviderPermanent, 'the commerce port is not configured on this worker');
    return deps.commerce;
  };

  return {
    publishEvent,

    /**
     * Reads what the policy needs (order, earlier claims, disputes, the agent's spend today) and registers this
     * request on the order's stream so later requests see it. Idempotent per workflow ID.
     */
    async openCompensationCase(i) {
      const order = await commerce().getOrder(i.orderId);
      // Winning the claim item before reading: of two parallel requests for one order, only one sees none before it.
      const first = await firstClaimant(deps.audit, i);
      const orderEvents = await deps.audit.list(orderAuditStream(i.orderId));
      const spent = await deps.audit.list(agentBudgetStream(i.agentId, i.day));
      await deps.audit.append({
        stream: orderAuditStream(i.orderId),
        eventId: `compensation.requested:${i.workflowId}`,
        at: i.at,
        type: 'compensation.requested',
        data: { workflowId: i.workflowId, claim: true },
      });
      return {
        paymentRef: order.paymentRef,
        facts: {
          orderCustomerId: order.customerId,
          captured: order.captured,
          refundedMinor: order.refundedMinor,
          priorClaims: priorClaims(orderEvents, i.workflowId, first),
          disputeOpened: orderEvents.some((e) => e.type === 'dispute.opened'),
          agentSpentTodayMinor: spentOf(spent, i.currency, i.workflowId),
        },
      };
    },

    /** Reserves an auto-approved amount on the agent's day, atomically with parallel requests (see `claims.ts`). */
    async reserveAgentBudget(i) {
      return reserveBudget(deps.audit, agentBudgetStream(i.agentId, i.day), i);
    },

    /** Appends one decision to the request's audit stream; the event ID (workflow ID + sequence) makes it idempotent. */
    async recordApprovalDecision(i) {
      return deps.audit.append({
        stream: approvalAuditStream(i.workflowId),
        eventId: `${i.workflowId}:decision:${String(i.record.seq).padStart(4, '0')}`,
        at: i.record.at,
        type: `approval.${i.record.decision}`,
        data: { workflowId: i.workflowId, orderId: i.orderId, ...i.record },
      });
    },

    async issueCompensationStoreCredit(i) {
      return commerce().issueStoreCredit(i);
    },
    async revokeCompensationStoreCredit(i) {
      return commerce().revokeStoreCredit(i);
    },
    async issueCompensationVoucher(i) {
      return commerce().issueVoucher(i);
    },
    async voidCompensationVoucher(i) {
      return commerce().voidVoucher(i);
    },

    /**
     * Refunds to the original payment method. Re-reads the order first: a refund recorded meanwhile by someone else
     * may have used up what was captured. Records the refund on the order after the PSP accepted it.
     */
    async refundCompensation(i) {
      const order = await commerce().getOrder(i.orderId);
      const ours = order.refunds.find((r) => r.idempotencyKey === i.idempotencyKey);
      if (ours) return { refundId: ours.refundId, status: 'succeeded' };
      const remaining = order.captured.amountMinor - order.refundedMinor;
      if (i.amount.amountMinor > remaining) {
        throw failure(
          FailureType.PolicyViolation,
          `refund of ${i.amount.amountMinor} exceeds the ${remaining} minor units still refundable`,
          { code: 'refund_exceeds_captured' },
        );
      }
      const refund = await deps.psp.createRefund({
        idempotencyKey: i.idempotencyKey,
        paymentRef: order.paymentRef,
        amount: i.amount,
        reference: i.reference,
      });
      if (refund.status === 'failed' || refund.status === 'canceled') {
        throw failure(FailureType.Declined, `refund ${refund.status} at the PSP`, {
          refundId: refund.refundId,
          status: refund.status,
        });
      }
      await commerce().recordRefund({
        idempotencyKey: i.idempotencyKey,
        orderId: i.orderId,
        refundId: refund.refundId,
        amountMinor: i.amount.amountMinor,
      });
      return refund;
    },

    /** The refund made for `reference`, looked up at the PSP (see the contract); recorded on the order if found. */
    async findCompensationRefund(i) {
      const order = await commerce().getOrder(i.orderId);
      const ours = order.refunds.find((r) => r.idempotencyKey === i.idempotencyKey);
      if (ours) return { refundId: ours.refundId };
      const found = await deps.psp.findRefund({ paymentRef: order.paymentRef, reference: i.reference });
      if (!found || found.status === 'failed' || found.status === 'canceled') return {};
      await commerce().recordRefund({
        idempotencyKey: i.idempotencyKey,
        orderId: i.orderId,
        refundId: found.refundId,
        amountMinor: found.amountMinor,
      });
      return { refundId: found.refundId };
    },

    /** Marks the order as compensated (the disputes domain reads it) and counts the amount against the agent's day. */
    async recordCompensationExecuted(i) {
      const data = { workflowId: i.workflowId, amountMinor: i.amount.amountMinor, currency: i.amount.currency };
      await deps.audit.append({
        stream: orderAuditStream(i.orderId),
        eventId: `compensation.executed:${i.workflowId}`,
        at: i.at,
        type: 'compensation.executed',
        data,
      });
      await deps.audit.append({
        stream: agentBudgetStream(i.agentId, i.day),
        eventId: i.workflowId,
        at: i.at,
        type: 'compensation.executed',
        data,
      });
    },

    /** Emails the customer; the address is looked up here and never leaves the activity. */
    async notifyCustomerOfCompensation(i) {
      const to = await commerce().getCustomerEmail(i.customerId);
      const lines = [`We are sorry about your order ${i.orderId}. Here is what we did:`];
      if (i.refund) lines.push(`- a refund of ${formatMoney(i.refund)} to your original payment method`);
      if (i.storeCredit) lines.push(`- ${formatMoney(i.storeCredit)} of store credit on your account`);
      if (i.voucher)
        lines.push(
          `- a voucher worth ${formatMoney(i.voucher.amount)}: ${await commerce().getVoucherCode(i.voucher.voucherId)}`,
        );
      return deps.notifications.sendEmail({ to, subject: `About your order ${i.orderId}`, body: lines.join('\n') });
    },
  } satisfies ApprovalActivities;
}
