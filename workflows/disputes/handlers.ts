import { log, setHandler } from '@temporalio/workflow';
import type { z } from 'zod';
import { FailureType, refusal } from '../shared/failures';
import { describeZodError } from '../shared/parse';
import { VisibleState } from '../shared/visible-state';
import {
  addEvidenceInput,
  addEvidenceUpdate,
  assignCaseInput,
  assignCaseUpdate,
  decideCaseInput,
  decideCaseUpdate,
  getStateQuery,
  pspDisputeEvent,
  receivePspEventSignal,
  type DisputeCaseView,
} from './contract';
import { refuseAssignment, refuseDecision, refuseEvidence, type Refused } from './policy';
import type { CaseState } from './state';
import { recordAssignment } from './steps';

/**
 * Registers the case's messages (before the workflow's first await) and returns what publishes its state. Signals
 * queue webhooks; updates are validated synchronously (a refused one never reaches history), then change state
 * through the state's transitions and answer with the new view.
 */
export function registerHandlers(c: CaseState): VisibleState<DisputeCaseView> {
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
    { validator: (raw) => refuse(refuseAssignment(c.policyFacts(), valid(assignCaseInput, raw, 'assignment'))) },
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
        valid(addEvidenceInput, raw, 'evidence');
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
    { validator: (raw) => refuse(refuseDecision(c.policyFacts(), valid(decideCaseInput, raw, 'decision'))) },
  );

  return new VisibleState(c, [getStateQuery]);
}

/** Parses an update's argument or refuses it as `InvalidInput` naming each bad field. */
function valid<S extends z.ZodType>(schema: S, raw: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  throw refusal(FailureType.InvalidInput, 'invalid_input', `invalid ${what}: ${describeZodError(result.error)}`);
}

/** A policy refusal becomes the shared typed refusal: `Conflict` (the case is not in a state for it) with the rule's code. */
function refuse(refused: Refused): void {
  if (refused) throw refusal(FailureType.Conflict, refused.code, refused.message);
}
