import { allHandlersFinished, condition, log, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { ActivityPresets } from '../shared/activity-options';
import { failure, FailureType } from '../shared/failures';
import { parseOrFail } from '../shared/parse';
import { CaseModel } from './case-model';
import { actOnDecision, applyInbox, onWake, openCase, publish, syncLedger } from './case-steps';
import {
  addEvidenceInput,
  addEvidenceUpdate,
  assignCaseInput,
  assignCaseUpdate,
  decideCaseInput,
  decideCaseUpdate,
  disputeAuditStream,
  disputeCaseInput,
  getStateQuery,
  pspDisputeEvent,
  receivePspEventSignal,
  type DisputeCaseResult,
} from './contract';
import { refuseAssignment, refuseDecision, refuseEvidence } from './dispute-policy';

const books = proxyActivities<Activities>(ActivityPresets.bookkeeping);

/**
 * One PSP dispute, from the first webhook to won or lost (and through pre-arbitration rounds): hold the money,
 * gather evidence, pace the team with milestones and escalations, submit once or accept, and settle the ledger.
 */
export async function disputeCase(rawInput: unknown): Promise<DisputeCaseResult> {
  const input = parseOrFail(disputeCaseInput, rawInput, 'dispute case input');
  const c = new CaseModel(input.disputeId, workflowInfo().workflowId, input.policy, Date.now());
  registerHandlers(c);
  publish(c, Date.now());

  while (!c.finished) {
    c.dirty = false;
    await applyInbox(c, Date.now());
    if (!c.opened && c.facts) await openCase(c, Date.now());
    await actOnDecision(c, Date.now());
    await syncLedger(c);
    publish(c, Date.now());
    if (c.dirty || c.inbox.length > 0) continue;
    const wake = c.nextWake();
    const changed = () => c.dirty || c.inbox.length > 0;
    if (!wake) await condition(changed);
    else if (
      wake.at <= Date.now() ||
      !(await condition(changed, wake.at - Date.now(), { summary: `dispute ${wake.kind}` }))
    )
      await onWake(c, wake, Date.now());
  }

  publish(c, Date.now());
  await condition(allHandlersFinished);
  return c.result();
}

/** Signals queue webhooks; updates validate synchronously (rejected ones never reach history) and change state. */
function registerHandlers(c: CaseModel): void {
  setHandler(receivePspEventSignal, (raw) => {
    const e = pspDisputeEvent.safeParse(raw);
    if (!e.success || e.data.disputeId !== c.disputeId) {
      c.eventsIgnored++;
      log.warn('malformed or foreign PSP event ignored');
      return;
    }
    c.inbox.push(e.data);
  });

  setHandler(getStateQuery, () => c.view(Date.now()));

  setHandler(
    assignCaseUpdate,
    async (raw) => {
      const a = assignCaseInput.parse(raw);
      c.assignee = a.assignee;
      c.tier = a.tier;
      c.dirty = true;
      const view = c.view(Date.now());
      await books.appendAudit({
        stream: disputeAuditStream(c.workflowId),
        eventId: `assign:${c.round}:${Date.now()}:${a.assignee}`,
        at: new Date().toISOString(),
        type: 'dispute.assigned',
        data: { ...a, round: c.round },
      });
      return view;
    },
    { validator: (raw) => refuse(refuseAssignment(c.facts4policy(), parseOrFail(assignCaseInput, raw, 'assignment'))) },
  );

  setHandler(
    addEvidenceUpdate,
    (raw) => {
      const e = addEvidenceInput.parse(raw);
      c.setEvidence({ [e.field]: e.text }, true);
      c.refreshWorkingState();
      c.dirty = true;
      return c.view(Date.now());
    },
    {
      validator: (raw) => {
        parseOrFail(addEvidenceInput, raw, 'evidence');
        refuse(refuseEvidence(c.facts4policy()));
      },
    },
  );

  setHandler(
    decideCaseUpdate,
    (raw) => {
      c.recordDecision(decideCaseInput.parse(raw), Date.now(), false);
      return c.view(Date.now());
    },
    { validator: (raw) => refuse(refuseDecision(c.facts4policy(), parseOrFail(decideCaseInput, raw, 'decision'))) },
  );
}

function refuse(why: string | undefined): void {
  if (why) throw failure(FailureType.Conflict, why);
}
