import { log, setHandler } from '@temporalio/workflow';
import { FailureType, refusal } from '../shared/failures';
import { parseOrRefuse } from '../shared/parse';
import {
  addEvidenceInput,
  addEvidenceUpdate,
  assignCaseInput,
  assignCaseUpdate,
  decideCaseInput,
  decideCaseUpdate,
  pspDisputeEvent,
  receivePspEventSignal,
} from './contract';
import { refuseAssignment, refuseDecision, refuseEvidence, type Refused } from './policy';
import type { CaseState } from './state';
import { recordAssignment } from './steps';

/**
 * Registers the case's messages (before the workflow's first await); the state registers `getState`. Signals
 * queue webhooks; updates are validated synchronously (a refused one never reaches history), then change state
 * through the state's transitions and answer with the new view.
 */
export function registerHandlers(c: CaseState): void {
  setHandler(receivePspEventSignal, (raw) => {
    const e = pspDisputeEvent.safeParse(raw);
    if (!e.success || e.data.disputeId !== c.disputeId) {
      c.ignoreMalformed();
      log.warn('malformed or foreign PSP event ignored');
      return;
    }
    c.enqueue(e.data);
  });

  setHandler(
    assignCaseUpdate,
    async (raw) => {
      const a = assignCaseInput.parse(raw);
      c.assign(a);
      const view = c.view();
      await recordAssignment(c, a);
      return view;
    },
    {
      validator: (raw) => refuse(refuseAssignment(c.policyFacts(), parseOrRefuse(assignCaseInput, raw, 'assignment'))),
    },
  );

  setHandler(
    addEvidenceUpdate,
    (raw) => {
      const e = addEvidenceInput.parse(raw);
      c.addEvidence(e.field, e.text);
      return c.view();
    },
    {
      validator: (raw) => {
        parseOrRefuse(addEvidenceInput, raw, 'evidence');
        refuse(refuseEvidence(c.policyFacts()));
      },
    },
  );

  setHandler(
    decideCaseUpdate,
    (raw) => {
      c.recordDecision(decideCaseInput.parse(raw), Date.now(), false);
      return c.view();
    },
    { validator: (raw) => refuse(refuseDecision(c.policyFacts(), parseOrRefuse(decideCaseInput, raw, 'decision'))) },
  );
}

/** A policy refusal becomes the shared typed refusal: `Conflict` (the case is not in a state for it) with the rule's code. */
function refuse(refused: Refused): void {
  if (refused) throw refusal(FailureType.Conflict, refused.code, refused.message);
}
