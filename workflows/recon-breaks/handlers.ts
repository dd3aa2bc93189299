import { log, setHandler, workflowInfo } from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { z } from 'zod';
import { refuseWith, type Refusal } from '../shared/failures';
import { caseFold } from '../shared/identity';
import { parseOrRefuse } from '../shared/parse';
import { acceptStaffCommand, requireStaffCommand, thisRun } from '../shared/verified-staff';
import {
  approveAdjustmentInput,
  approveAdjustmentUpdate,
  BREAK_FINANCE_ROLES,
  BREAK_OPS_ROLES,
  breakCounterpartMatchedSchema,
  breakCounterpartMatchedSignal,
  breakObservedSchema,
  breakObservedSignal,
  breakRefusals,
  breakWorkflowId,
  linkBreakInput,
  linkBreakUpdate,
  markReceivedInput,
  markReceivedUpdate,
  postAdjustmentInput,
  postAdjustmentUpdate,
  rebookToCreatorInput,
  rebookToCreatorUpdate,
  recoverDuplicateInput,
  recoverDuplicateUpdate,
  reopenBreakInput,
  reopenBreakUpdate,
  voidBreakInput,
  voidBreakUpdate,
  type BreakFacts,
  type BreakObserved,
  type BreakProposal,
  type BreakRefusalCode,
  type ReconBreakView,
} from './contract';
import {
  needsSecondPerson,
  refuseAdjustment,
  refuseApproval,
  refuseRebook,
  refuseRecovery,
  refuseReopen,
  refuseResolution,
  type BreakPolicyFacts,
} from './policy';
import type { BreakState } from './state';
import { audit, carryOut, confirmAtRail, confirmReversible, exclusively } from './steps';

const iso = (ms: number) => new Date(ms).toISOString();

interface Command<S extends z.ZodType<{ token?: string | undefined }>> {
  def: UpdateDefinition<ReconBreakView, [z.infer<S>]>;
  schema: S;
  what: string;
  /** The assertion must hold one of these roles. */
  anyOf: readonly string[];
  refuse(b: BreakPolicyFacts, a: z.infer<S>, by: string): Refusal<BreakRefusalCode> | undefined;
  /** The command's I/O and transitions; the break is busy meanwhile. `by` is the assertion's (case-folded) subject. */
  run(a: z.infer<S>, by: string): Promise<void>;
}

/**
 * One staff command: the validator checks the command assertion (bound to this run, this command and its exact
 * arguments, single use, holding one of `anyOf`), then the break's rules, synchronously (a refusal never reaches
 * history). The handler takes who from the assertion, never from the body, runs the command (audit first) and
 * answers the new view.
 */
function command<S extends z.ZodType<{ token?: string | undefined }>>(b: BreakState, c: Command<S>): void {
  setHandler(
    c.def,
    async (raw) => {
      const who = acceptStaffCommand(
        (raw as { token?: unknown }).token,
        Date.now(),
        thisRun(c.def.name, raw),
        b.accepted,
      );
      const a = c.schema.parse(raw);
      await exclusively(b, () => c.run(a, who?.subject ?? 'unknown'));
      return b.view();
    },
    {
      validator: (raw) => {
        const a = parseOrRefuse(c.schema, raw, c.what);
        const who = requireStaffCommand(a.token, Date.now(), thisRun(c.def.name, raw), b.accepted, { anyOf: c.anyOf });
        const refused = c.refuse(b.policyFacts(), a, who.subject);
        if (refused) throw refuseWith(breakRefusals, refused);
      },
    },
  );
}

/** Registers the break's signals and commands (before the workflow's first await); the state registers `getState`. */
export function registerHandlers(b: BreakState): void {
  setHandler(breakObservedSignal, (raw) => {
    const o = breakObservedSchema.safeParse(raw);
    // An observation of another break (its ID would name another workflow) is not this break's.
    if (!o.success || caseFold(breakWorkflowId(o.data.facts as BreakFacts)) !== caseFold(workflowInfo().workflowId)) {
      log.warn('malformed or foreign break observation ignored');
      return;
    }
    b.observe(o.data as BreakObserved, Date.now());
  });
  setHandler(breakCounterpartMatchedSignal, (raw) => {
    const c = breakCounterpartMatchedSchema.safeParse(raw);
    if (!c.success) {
      log.warn('malformed counterpart claim ignored');
      return;
    }
    b.claim(c.data);
  });

  command(b, {
    def: linkBreakUpdate,
    schema: linkBreakInput,
    what: 'link',
    anyOf: BREAK_OPS_ROLES,
    refuse: refuseResolution,
    run: async (a, by) => {
      const link = {
        ...(a.workflowId ? { workflowId: a.workflowId } : {}),
        ...(a.postingId ? { postingId: a.postingId } : {}),
        ...(a.lineId ? { lineId: a.lineId } : {}),
      };
      await audit(b, 'linked', by, { ...link, note: a.note });
      b.resolve({ kind: 'linked', by, at: iso(Date.now()), note: a.note, link }, Date.now());
    },
  });

  command(b, {
    def: markReceivedUpdate,
    schema: markReceivedInput,
    what: 'mark received',
    anyOf: BREAK_OPS_ROLES,
    refuse: refuseResolution,
    run: async (a, by) => {
      await audit(b, 'received', by, { externalRef: a.externalRef, note: a.note });
      b.resolve({ kind: 'received', by, at: iso(Date.now()), note: a.note, externalRef: a.externalRef }, Date.now());
    },
  });

  command(b, {
    def: voidBreakUpdate,
    schema: voidBreakInput,
    what: 'void',
    anyOf: BREAK_OPS_ROLES,
    refuse: refuseResolution,
    run: async (a, by) => {
      const withdrawn = b.proposal ? { withdrawnProposal: b.proposal.kind } : {};
      await audit(b, 'voided', by, { reason: a.reason, ...withdrawn });
      b.resolve({ kind: 'voided', by, at: iso(Date.now()), note: a.reason }, Date.now());
    },
  });

  command(b, {
    def: reopenBreakUpdate,
    schema: reopenBreakInput,
    what: 'reopen',
    anyOf: BREAK_OPS_ROLES,
    refuse: refuseReopen,
    run: async (a, by) => {
      await audit(b, 'reopened', by, { reason: a.reason, was: b.resolution?.kind });
      b.reopen();
    },
  });

  command(b, {
    def: postAdjustmentUpdate,
    schema: postAdjustmentInput,
    what: 'adjustment',
    anyOf: BREAK_FINANCE_ROLES,
    refuse: refuseAdjustment,
    run: async (a, by) => {
      const p: BreakProposal = {
        kind: 'adjust',
        proposedBy: by,
        at: iso(Date.now()),
        amountMinor: a.amountMinor,
        currency: b.facts.currency,
        account: a.account,
        note: a.note,
      };
      if (needsSecondPerson(p.amountMinor)) {
        await audit(b, 'adjustment_proposed', by, { ...p });
        b.propose(p);
        return;
      }
      await audit(b, 'adjustment_requested', by, { ...p });
      await carryOut(b, p);
    },
  });

  command(b, {
    def: rebookToCreatorUpdate,
    schema: rebookToCreatorInput,
    what: 'rebook',
    anyOf: BREAK_FINANCE_ROLES,
    refuse: refuseRebook,
    run: async (a, by) => {
      const p: BreakProposal = {
        kind: 'rebook',
        proposedBy: by,
        at: iso(Date.now()),
        amountMinor: Math.abs(b.facts.amountMinor),
        currency: b.facts.currency,
        note: a.note,
      };
      if (needsSecondPerson(p.amountMinor)) {
        await audit(b, 'rebook_requested', by, { ...p });
        // A proposal the bank does not back is refused at once, not left for a second person to find out.
        await confirmAtRail(b, by);
        await audit(b, 'rebook_proposed', by, { ...p });
        b.propose(p);
        return;
      }
      await audit(b, 'rebook_requested', by, { ...p });
      await carryOut(b, p);
    },
  });

  // A duplicate disbursement recovered (issue 25): ops or finance; above the threshold a proposal a second finance
  // member approves, like an adjustment. A reversal the provider cannot make is refused before it is proposed.
  command(b, {
    def: recoverDuplicateUpdate,
    schema: recoverDuplicateInput,
    what: 'recovery',
    anyOf: BREAK_OPS_ROLES,
    refuse: refuseRecovery,
    run: async (a, by) => {
      const p: BreakProposal = {
        kind: 'recover',
        mode: a.mode,
        proposedBy: by,
        at: iso(Date.now()),
        amountMinor: Math.abs(b.facts.amountMinor),
        currency: b.facts.currency,
        note: a.note,
      };
      await audit(b, 'recovery_requested', by, { ...p });
      if (needsSecondPerson(p.amountMinor)) {
        if (a.mode === 'reverse') await confirmReversible(b, by);
        await audit(b, 'recovery_proposed', by, { ...p });
        b.propose(p);
        return;
      }
      await carryOut(b, p);
    },
  });

  command(b, {
    def: approveAdjustmentUpdate,
    schema: approveAdjustmentInput,
    what: 'approval',
    anyOf: BREAK_FINANCE_ROLES,
    refuse: (facts, _a, by) => refuseApproval(facts, by),
    run: async (a, by) => {
      const p = b.proposal;
      if (!p) return; // the validator refused this (`no_proposal`); a replayed history cannot get here without one
      await audit(b, 'proposal_approved', by, {
        kind: p.kind,
        proposedBy: p.proposedBy,
        ...(a.note ? { note: a.note } : {}),
      });
      await carryOut(b, p, by);
    },
  });
}
