import {
  allHandlersFinished,
  CancellationScope,
  condition,
  isCancellation,
  proxyActivities,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { ActivityPresets } from '../shared/activity-options';
import { failure, FailureType } from '../shared/failures';
import { parseOrFail } from '../shared/parse';
import { SA } from '../shared/search-attributes';
import { escalationMarks, evaluateRequest, handOff, totalOf } from './approval-policy';
import { ApprovalCase } from './approval-case';
import { compensationRequestSchema, type CompensationResult, type DecisionRecord } from './contract';
import { executeRemedies } from './execution';
import { registerApprovalHandlers } from './handlers';
import { roleRank } from './roles';
import { showStage } from './visibility';

const lookup = proxyActivities<Activities>(ActivityPresets.lookup);
const books = proxyActivities<Activities>(ActivityPresets.bookkeeping);
const notify = proxyActivities<Activities>(ActivityPresets.notification);

/**
 * One refund / goodwill-compensation request: the policy decides whether people must approve; finance decides by
 * signal or update while a ladder of durable timers reminds, hands off and finally expires the request; an approved
 * request is carried out (store credit, voucher, PSP refund) with compensation on failure, and the customer is told.
 */
export async function compensationApproval(rawInput: unknown): Promise<CompensationResult> {
  const request = parseOrFail(compensationRequestSchema, rawInput, 'compensation request');
  const { workflowId } = workflowInfo();
  const c = new ApprovalCase(workflowId, request);
  const audit = (record: DecisionRecord) =>
    books.recordApprovalDecision({ workflowId, orderId: request.orderId, record });
  registerApprovalHandlers(c, audit);
  showStage(c);
  const day = new Date(Date.now()).toISOString().slice(0, 10);

  try {
    const opened = await lookup.openCompensationCase({
      workflowId,
      orderId: request.orderId,
      agentId: request.requester.agentId,
      currency: request.currency,
      day,
      at: new Date(Date.now()).toISOString(),
    });
    c.facts = opened.facts;
    c.paymentRef = opened.paymentRef;
    const plan = evaluateRequest(c.policy, request, opened.facts);
    c.remedies = plan.remedies;
    c.flags = plan.flags;
    if (plan.kind === 'reject') {
      c.status = 'rejected';
      await audit(
        c.log({
          actorId: 'policy',
          role: 'policy',
          decision: 'policy_reject',
          via: 'policy',
          reason: `${plan.code}: ${plan.message}`,
          accepted: true,
        }),
      );
      showStage(c);
      throw failure(FailureType.PolicyViolation, `${plan.code}: ${plan.message}`, { code: plan.code });
    }
    if (plan.kind === 'auto_approve') {
      c.status = 'approved';
      await audit(
        c.log({
          actorId: 'policy',
          role: 'policy',
          decision: 'auto_approve',
          via: 'policy',
          reason: 'under the auto-approval threshold',
          accepted: true,
        }),
      );
    } else {
      c.route = plan.route;
      await waitForFinance(c, audit);
    }
    if (c.status === 'approved') await carryOut(c, day);
    showStage(c);
    await condition(allHandlersFinished);
    const status = c.status === 'executed' || c.status === 'expired' ? c.status : 'rejected';
    return {
      requestId: request.requestId,
      status,
      policyVersion: request.policyVersion,
      totalMinor: c.totalMinor ?? 0,
      currency: request.currency,
      execution: c.execution,
    };
  } catch (err) {
    const cancelled = isCancellation(err);
    if (cancelled) c.status = 'cancelled';
    else if (!c.decided || c.status === 'executing') c.status = 'failed';
    showStage(c);
    await CancellationScope.nonCancellable(async () => {
      if (cancelled)
        await audit(
          c.log({
            actorId: 'workflow',
            role: 'policy',
            decision: 'cancel',
            via: 'policy',
            reason: 'the request was cancelled',
            accepted: true,
          }),
        );
      await condition(allHandlersFinished);
    });
    throw err;
  }
}

/** The escalation ladder: reminder, hand-off to the next tier, expiry; each mark a durable timer. */
async function waitForFinance(c: ApprovalCase, audit: (r: DecisionRecord) => Promise<unknown>): Promise<void> {
  c.status = 'pending';
  const since = Date.now();
  c.waitingSince = since;
  c.expiresAt = since + c.policy.escalation.expireAfterMs;
  for (const mark of escalationMarks(c.policy)) {
    c.nextStage = { stage: mark.stage, at: since + mark.afterMs };
    showStage(c);
    const decided = await condition(() => c.status !== 'pending', Math.max(1, since + mark.afterMs - Date.now()), {
      summary: `${mark.stage} unless finance decides`,
    });
    if (decided) break;
    const tier = c.route?.tier ?? 'none';
    if (mark.stage === 'remind') {
      await audit(
        c.log({
          actorId: 'policy',
          role: 'policy',
          decision: 'remind',
          via: 'timer',
          reason: `reminder to ${tier}`,
          accepted: true,
        }),
      );
      await notify.publishEvent({
        type: 'approval.reminder',
        dedupeKey: `${c.workflowId}:remind`,
        data: { workflowId: c.workflowId, tier },
      });
    } else if (mark.stage === 'hand_off') {
      const next = c.route && handOff(c.policy, c.route);
      if (next) {
        c.route = next;
        // Approvals given below the new tier's role no longer count.
        c.approvals = c.approvals.filter((a) => roleRank(a.role) >= roleRank(next.minRole));
      }
      await audit(
        c.log({
          actorId: 'policy',
          role: 'policy',
          decision: 'hand_off',
          via: 'timer',
          reason: `handed off from ${tier} to ${c.route?.tier ?? tier}`,
          accepted: true,
        }),
      );
      await notify.publishEvent({
        type: 'approval.handed_off',
        dedupeKey: `${c.workflowId}:hand-off`,
        data: { workflowId: c.workflowId, from: tier, to: c.route?.tier ?? tier },
      });
    } else {
      const deny = c.policy.escalation.onExpiry === 'deny';
      c.status = deny ? 'rejected' : 'expired';
      await audit(
        c.log({
          actorId: 'policy',
          role: 'policy',
          decision: deny ? 'auto_deny' : 'expire',
          via: 'timer',
          reason: 'no decision before the deadline',
          accepted: true,
        }),
      );
      await notify.publishEvent({
        type: 'approval.expired',
        dedupeKey: `${c.workflowId}:expire`,
        data: { workflowId: c.workflowId, tier, outcome: c.status },
      });
    }
  }
  c.nextStage = undefined;
}

/** Executes the approved remedies, books them on the order, tells the customer and other systems. */
async function carryOut(c: ApprovalCase, day: string): Promise<void> {
  const { request: rq, workflowId } = c;
  const r = c.remedies as NonNullable<typeof c.remedies>;
  const amount = { amountMinor: totalOf(r), currency: rq.currency };
  c.status = 'executing';
  showStage(c);
  try {
    await executeRemedies(c);
  } catch (err) {
    if (isCancellation(err)) throw err;
    c.failure = failureCode(err);
    c.status = 'failed';
    await CancellationScope.nonCancellable(() =>
      notify.publishEvent({
        type: 'compensation.failed',
        dedupeKey: workflowId,
        data: { workflowId, orderId: rq.orderId, code: c.failure, undone: c.execution.undone ?? [] },
      }),
    );
    showStage(c);
    throw failure(
      FailureType.ProviderPermanent,
      `compensation could not be carried out (${c.failure}); undone: ${c.execution.undone?.join(', ') || 'nothing'}`,
      { code: c.failure, undone: c.execution.undone },
    );
  }
  await books.recordCompensationExecuted({
    workflowId,
    orderId: rq.orderId,
    agentId: rq.requester.agentId,
    day,
    at: new Date(Date.now()).toISOString(),
    amount,
  });
  c.status = 'executed';
  const money = (m: number) => (m > 0 ? { amountMinor: m, currency: rq.currency } : undefined);
  const voucher = c.execution.voucherId
    ? { amount: { amountMinor: r.voucherMinor, currency: rq.currency }, voucherId: c.execution.voucherId }
    : undefined;
  await Promise.all([
    // The money has moved: a customer email that cannot be sent is flagged for ops, not a failed compensation.
    notify
      .notifyCustomerOfCompensation({
        customerId: rq.customerId,
        orderId: rq.orderId,
        refund: money(r.refundMinor),
        storeCredit: money(r.storeCreditMinor),
        voucher,
      })
      .catch(() => {
        upsertSearchAttributes([{ key: SA.LastErrorCode, value: 'customer_email_failed' }]);
      }),
    notify.publishEvent({
      type: 'compensation.executed',
      dedupeKey: workflowId,
      data: {
        workflowId,
        orderId: rq.orderId,
        amountMinor: amount.amountMinor,
        currency: amount.currency,
        ...c.execution,
      },
    }),
  ]);
}

/** The typed failure name (or code) of whatever stopped the execution, for the status and the event. */
function failureCode(err: unknown): string {
  let e: unknown = err;
  while (e && typeof e === 'object') {
    const details = (e as { details?: unknown[] }).details?.[0] as { code?: string } | undefined;
    if ((e as { type?: string }).type) return details?.code ?? String((e as { type: string }).type);
    e = (e as { cause?: unknown }).cause;
  }
  return 'unknown';
}
