import { log, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import { refuseWith } from '../shared/failures';
import { caseFold, decidedBy, type StaffIdentity } from '../shared/identity';
import { parseOrRefuse } from '../shared/parse';
import { verifyRailEventProof } from '../shared/rail-proof';
import { acceptStaffCommand, actingRole, requireStaffCommand, thisRun } from '../shared/verified-staff';
import {
  addEvidenceUpdate,
  assignCaseUpdate,
  decideCaseUpdate,
  pspDisputeEvent,
  receivePspEventSignal,
  type EscalationTier,
  addEvidenceInput,
  assignCaseInput,
  decideCaseInput,
  disputeRefusals,
  type CaseDecision,
  type DecideCaseInput,
} from './contract';
import { refuseAssignment, refuseDecision, refuseEvidence, TIERS } from './policy';
import type { CaseState } from './state';
import { recordAssignment, recordEvidence } from './steps';

/** Cases started since this patch keep who added each evidence field (in the case and its audit stream). */
export const EVIDENCE_ACTOR_PATCH = 'dispute-evidence-actor';

/**
 * Registers the case's messages (before the workflow's first await); the state registers `getState`. Signals
 * queue webhooks; updates are validated synchronously (a refused one never reaches history): first who sends them
 * (a command assertion for this command holding a dispute tier, the body's `by` / `tier` agreeing with it), then the case's
 * rules. Then they change state through the state's transitions and answer with the new view.
 */
export function registerHandlers(c: CaseState): void {
  setHandler(receivePspEventSignal, (raw) => {
    const e = pspDisputeEvent.safeParse(raw);
    if (!e.success || e.data.disputeId !== c.disputeId) {
      c.ignoreMalformed();
      log.warn('malformed or foreign PSP event ignored');
      return;
    }
    // Only an event the ingress vouches for may close a case; histories from before proofs replay without the check.
    if (patched('rail-event-proof')) {
      const proof = verifyRailEventProof(raw, Date.now(), {
        workflowId: workflowInfo().workflowId,
        signal: receivePspEventSignal.name,
      });
      if (!proof.ok) {
        c.ignoreMalformed();
        log.warn('refused a PSP event without a valid ingress proof', { code: proof.code });
        return;
      }
    }
    const { proof: _proof, ...event } = e.data;
    c.enqueue(event);
  });
  c.retrying.register(() => c.retryNoticed());

  setHandler(
    assignCaseUpdate,
    async (raw) => {
      const who = acceptStaffCommand(
        (raw as { token?: unknown }).token,
        Date.now(),
        thisRun(assignCaseUpdate.name, raw),
        c.accepted,
      );
      const a = assignCaseInput.parse(raw);
      const assignment = { assignee: caseFold(a.assignee), tier: a.tier, by: who?.subject ?? a.by ?? 'unknown' };
      c.assign(assignment);
      const view = c.view();
      await recordAssignment(c, assignment, who && decidedBy(who));
      return view;
    },
    {
      validator: (raw) => {
        const a = parseOrRefuse(assignCaseInput, raw, 'assignment');
        requireStaffCommand(a.token, Date.now(), thisRun(assignCaseUpdate.name, raw), c.accepted, {
          id: { field: 'by', value: a.by },
          anyOf: TIERS,
        });
        const refused = refuseAssignment(c.policyFacts(), a);
        if (refused) throw refuseWith(disputeRefusals, refused);
      },
    },
  );

  setHandler(
    addEvidenceUpdate,
    async (raw) => {
      const who = acceptStaffCommand(
        (raw as { token?: unknown }).token,
        Date.now(),
        thisRun(addEvidenceUpdate.name, raw),
        c.accepted,
      );
      const e = addEvidenceInput.parse(raw);
      // Histories recorded before the patch kept no actor and wrote no audit for evidence: replay them the same way.
      if (!patched(EVIDENCE_ACTOR_PATCH)) {
        c.addEvidence(e.field, e.text);
        return c.view();
      }
      const by = who?.subject ?? (e.by !== undefined ? caseFold(e.by) : 'unknown');
      c.addEvidence(e.field, e.text, by);
      const view = c.view();
      await recordEvidence(c, { field: e.field, by }, who && decidedBy(who));
      return view;
    },
    {
      validator: (raw) => {
        const e = parseOrRefuse(addEvidenceInput, raw, 'evidence');
        requireStaffCommand(e.token, Date.now(), thisRun(addEvidenceUpdate.name, raw), c.accepted, {
          id: { field: 'by', value: e.by },
          anyOf: TIERS,
        });
        const refused = refuseEvidence(c.policyFacts());
        if (refused) throw refuseWith(disputeRefusals, refused);
      },
    },
  );

  setHandler(
    decideCaseUpdate,
    (raw) => {
      const who = acceptStaffCommand(
        (raw as { token?: unknown }).token,
        Date.now(),
        thisRun(decideCaseUpdate.name, raw),
        c.accepted,
      );
      const d = decideCaseInput.parse(raw);
      c.recordDecision(decisionOf(d, who), Date.now(), false);
      return c.view();
    },
    {
      validator: (raw) => {
        const d = parseOrRefuse(decideCaseInput, raw, 'decision');
        const who = requireStaffCommand(d.token, Date.now(), thisRun(decideCaseUpdate.name, raw), c.accepted, {
          id: { field: 'by', value: d.by },
          role: { field: 'tier', value: d.tier },
          anyOf: TIERS,
        });
        const refused = refuseDecision(c.policyFacts(), { decision: d.decision, tier: deciderTier(d.tier, who) });
        if (refused) throw refuseWith(disputeRefusals, refused);
      },
    },
  );
}

/** The tier a decision is made at: the one claimed (the validator checked the token holds it), else the highest held. */
function deciderTier(claimed: EscalationTier | undefined, who: StaffIdentity): EscalationTier {
  const tier = actingRole(who, claimed, TIERS);
  return tier.ok ? tier.value : (claimed ?? 'tier1');
}

/**
 * The decision as recorded: who and at which tier from the token; a decision recorded before tokens were required
 * (replayed history) keeps its body's `by` and `tier`.
 */
function decisionOf(d: DecideCaseInput, who: StaffIdentity | undefined): CaseDecision {
  return {
    decision: d.decision,
    by: who?.subject ?? d.by ?? 'unknown',
    tier: who ? deciderTier(d.tier, who) : (d.tier ?? 'tier1'),
    ...(d.note !== undefined ? { note: d.note } : {}),
    ...(who ? { decidedBy: decidedBy(who) } : {}),
  };
}
