import {
  allHandlersFinished,
  CancellationScope,
  condition,
  isCancellation,
  patched,
  workflowInfo,
} from '@temporalio/workflow';
import { failure, FailureType, refuseWith } from '../shared/failures';
import { parseOrFail } from '../shared/parse';
import {
  approvalRefusals,
  CURRENT_POLICY_VERSION,
  compensationRequestSchema,
  type CompensationRequest,
  type CompensationRequestMessage,
  type CompensationResult,
} from './contract';
import { AcceptedAssertions, startArgs } from '../shared/command-assertion';
import { checkLegacyStaffToken, checkStaffCommand } from '../shared/verified-staff';
import { registerApprovalHandlers } from './handlers';
import { actorAfter } from './policy';
import { policyVersionAt } from './policies';
import { ApprovalCase } from './state';
import { auditOf, carryOut, readFacts, reserveBudget, waitForFinance } from './steps';

/**
 * One refund / goodwill-compensation request: the policy decides whether people must approve; finance decides by
 * signal or update while a ladder of durable timers reminds, hands off and finally expires the request; an approved
 * request is carried out (store credit, voucher, PSP refund) with compensation on failure, and the customer is told.
 */
export async function compensationApproval(rawInput: unknown): Promise<CompensationResult> {
  const request = withPolicyVersion(
    verifiedRequest(parseOrFail(compensationRequestSchema, rawInput, 'compensation request'), rawInput),
  );
  // Runs recorded before the switch re-sent every search attribute on each publish; replaying them must do the same.
  const upsert = patched('approvals-visible-state') ? 'changed' : 'all';
  // Since this patch each transition shows itself once per workflow task; before it, the story's publish points did.
  const flush = patched('approvals-publish-per-task') ? 'per-task' : 'recorded';
  const c = new ApprovalCase(workflowInfo().workflowId, request, flush, upsert);
  const audit = auditOf(c);
  registerApprovalHandlers(c, audit);
  c.publishAsRecorded();
  const { day } = c;

  try {
    const { plan, record } = c.open(await reserveBudget(c, await readFacts(c, day), day));
    if (record) await audit(record);
    if (plan.kind === 'reject') {
      c.publishAsRecorded();
      throw refuseWith(approvalRefusals, plan);
    }
    if (plan.kind === 'needs_approval') await waitForFinance(c, audit);
    const done = c.status === 'approved' ? await carryOut(c, day, audit) : { final: false };
    c.publishAsRecorded();
    const handlersDone = () => condition(allHandlersFinished);
    await (done.final ? CancellationScope.nonCancellable(handlersDone) : handlersDone());
    const status = c.status === 'executed' || c.status === 'expired' ? c.status : 'rejected';
    const { requestId, policyVersion, currency } = request;
    return { requestId, status, policyVersion, totalMinor: c.totalMinor ?? 0, currency, execution: c.execution };
  } catch (err) {
    const cancelled = c.stopped(isCancellation(err));
    c.publishAsRecorded();
    await CancellationScope.nonCancellable(async () => {
      if (cancelled) await audit(cancelled);
      await condition(allHandlersFinished);
    });
    throw err;
  }
}

/**
 * The request with its requester proven by their token (case-folded subject, acting role), before anything else
 * happens: an unproven start fails (`Unauthorized`) having moved nothing. The token is a command assertion for this
 * start: command = the workflow type, no run, arguments = the input without `requester.token` (`startArgs`).
 * Histories recorded before assertions carry an identity provider's token; before that rule, agentId and role came
 * from the body.
 */
function verifiedRequest({ requester, ...rest }: CompensationRequestMessage, raw: unknown): Unversioned {
  if (patched('approvals-requester-identity')) {
    const { workflowId, workflowType } = workflowInfo();
    const claims = { id: { field: 'requester.agentId', value: requester.agentId } };
    const binding = { workflowId, command: workflowType, args: startArgs(raw) };
    // A start is bound to no run and is the run's first command: nothing was accepted before it.
    const check = patched('approvals-requester-assertion')
      ? checkStaffCommand(requester.token, Date.now(), binding, new AcceptedAssertions(), claims)
      : checkLegacyStaffToken(requester.token, Date.now(), claims);
    const who = actorAfter(check, requester.role);
    if (!who.ok) throw refuseWith(approvalRefusals, who);
    // The team only ever comes from the verified assertion; absent (older assertions, no claim) it stays absent.
    const team = check.ok ? check.identity.team : undefined;
    return {
      ...rest,
      requester: { agentId: who.value.id, role: who.value.role, decidedBy: who.value.by, ...(team ? { team } : {}) },
    };
  }
  const { agentId, role } = requester;
  if (agentId === undefined || role === undefined)
    throw failure(FailureType.InvalidInput, 'invalid compensation request: requester.agentId and role are required');
  return { ...rest, requester: { agentId, role } };
}

/** A request verified, its policy version not yet decided. */
type Unversioned = Omit<CompensationRequest, 'policyVersion'> & Pick<CompensationRequestMessage, 'policyVersion'>;

/**
 * The policy version is the workflow's to decide, not the caller's: the one in effect at the start. A start naming
 * another is refused (`InvalidInput` on `policyVersion`) rather than silently run under a policy its caller did not
 * expect; leaving it out is the normal case. Histories recorded before this rule ran under the version the client
 * filled in.
 */
function withPolicyVersion({ policyVersion: asked, ...rest }: Unversioned): CompensationRequest {
  if (!patched('approvals-policy-in-effect')) return { ...rest, policyVersion: asked ?? CURRENT_POLICY_VERSION };
  const policyVersion = policyVersionAt(Date.now());
  if (asked !== undefined && asked !== policyVersion)
    throw failure(
      approvalRefusals.policy_not_in_effect.type,
      `invalid compensation request: policyVersion: ${asked} is not the policy in effect (${policyVersion}); leave it out and the request gets the policy in effect`,
      { code: 'policy_not_in_effect', field: 'policyVersion', inEffect: policyVersion },
    );
  return { ...rest, policyVersion };
}
