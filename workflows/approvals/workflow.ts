import {
  allHandlersFinished,
  CancellationScope,
  condition,
  isCancellation,
  patched,
  workflowInfo,
} from '@temporalio/workflow';
import { failure, FailureType } from '../shared/failures';
import { parseOrFail } from '../shared/parse';
import { compensationRequestSchema, type CompensationResult } from './contract';
import { registerApprovalHandlers } from './handlers';
import { escalationMarks } from './policy';
import { ApprovalCase } from './state';
import { auditOf, carryOut, escalate, readFacts, reserveBudget, type Audit } from './steps';

/**
 * One refund / goodwill-compensation request: the policy decides whether people must approve; finance decides by
 * signal or update while a ladder of durable timers reminds, hands off and finally expires the request; an approved
 * request is carried out (store credit, voucher, PSP refund) with compensation on failure, and the customer is told.
 */
export async function compensationApproval(rawInput: unknown): Promise<CompensationResult> {
  const request = parseOrFail(compensationRequestSchema, rawInput, 'compensation request');
  // Runs recorded before the switch re-sent every search attribute on each publish; replaying them must do the same.
  const upsert = patched('approvals-visible-state') ? 'changed' : 'all';
  const c = new ApprovalCase(workflowInfo().workflowId, request, upsert);
  const audit = auditOf(c);
  registerApprovalHandlers(c, audit);
  c.publish();
  const day = new Date(Date.now()).toISOString().slice(0, 10);

  try {
    const { plan, record } = c.open(await reserveBudget(c, await readFacts(c, day), day));
    if (record) await audit(record);
    if (plan.kind === 'reject') {
      c.publish();
      throw failure(FailureType.PolicyViolation, `${plan.code}: ${plan.message}`, { code: plan.code });
    }
    if (plan.kind === 'needs_approval') await waitForFinance(c, audit);
    const done = c.status === 'approved' ? await carryOut(c, day) : { final: false };
    c.publish();
    const handlersDone = () => condition(allHandlersFinished);
    await (done.final ? CancellationScope.nonCancellable(handlersDone) : handlersDone());
    const status = c.status === 'executed' || c.status === 'expired' ? c.status : 'rejected';
    const { requestId, policyVersion, currency } = request;
    return { requestId, status, policyVersion, totalMinor: c.totalMinor ?? 0, currency, execution: c.execution };
  } catch (err) {
    const cancelled = c.stopped(isCancellation(err));
    c.publish();
    await CancellationScope.nonCancellable(async () => {
      if (cancelled) await audit(cancelled);
      await condition(allHandlersFinished);
    });
    throw err;
  }
}

/** The escalation ladder: reminder, hand-off to the next tier, expiry; each mark a durable timer. */
async function waitForFinance(c: ApprovalCase, audit: Audit): Promise<void> {
  const since = Date.now();
  c.startWaiting(since);
  for (const mark of escalationMarks(c.policy)) {
    const at = since + mark.afterMs;
    c.awaitMark({ stage: mark.stage, at });
    c.publish();
    const decided = await condition(() => c.status !== 'pending', Math.max(1, at - Date.now()), {
      summary: `${mark.stage} unless finance decides`,
    });
    if (decided) break;
    await escalate(c, mark.stage, audit);
  }
  c.awaitMark(undefined);
}
