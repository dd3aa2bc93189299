import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { approvals } from '../client';
import {
  amendCompensationSchema,
  compensationRequestId,
  compensationWorkflowId,
  financeDecisionSchema,
  remediesSchema,
  ROLES,
} from '../workflows/approvals/contract';
import { creatorPayoutWorkflowId, opsCommandInput, resolvePayoutInput } from '../workflows/payouts/contract';
import {
  disputeCaseWorkflowId,
  escalationTierSchema,
  evidenceFieldSchema,
  addEvidenceInput,
  assignCaseInput,
  decideCaseInput,
  staffIdSchema,
} from '../workflows/disputes/contract';
import { TIERS } from '../workflows/disputes/policy';
import {
  approveAdjustmentInput,
  BREAK_FINANCE_ROLES,
  BREAK_OPS_ROLES,
  ledgerAccountSchema,
  linkBreakInput,
  markReceivedInput,
  postAdjustmentInput,
  rebookToCreatorInput,
  recoverDuplicateInput,
  reopenBreakInput,
  voidBreakInput,
} from '../workflows/recon-breaks/contract';

/**
 * The staff commands the service signs and sends: for each, the HTTP body it takes, the roles it asks of the caller
 * (defense in depth: the workflow's validator checks the assertion's roles again), and the update's argument it
 * builds. The argument is parsed with the workflow's own wire schema before it is signed, so the digest in the
 * assertion is over exactly what the workflow receives.
 */
export interface StaffCommand {
  domain: 'payouts' | 'approvals' | 'disputes' | 'breaks';
  /** The path segment after the entity ID: `POST /<domain>/<id>/<verb>`. */
  verb: string;
  /** The update's wire name (the assertion's `cmd`). */
  update: string;
  workflowId(id: string): string;
  /** The caller must hold one of these. */
  anyOf: readonly string[];
  /** The HTTP body; issues name its fields. */
  body: z.ZodType;
  /** A role or tier the body names: the caller must hold it (403 otherwise). */
  namedRole?(body: Record<string, unknown>): string | undefined;
  /** The update's argument without a token (the workflow's schema applied). */
  args(body: Record<string, unknown>, ctx: { client: Client; id: string }): Promise<Record<string, unknown>>;
}

const OPS = ['ops'] as const;
const HOLDERS = ['compliance', 'ops'] as const;
/** A hold is a compliance hold: only compliance releases it (and the workflow wants another officer). */
const RELEASERS = ['compliance'] as const;

const reasonBody = z.object({ reason: z.string({ error: 'reason is required' }) }).strict();
const opsArgs = async (body: Record<string, unknown>) => opsCommandInput.parse({ reason: body['reason'] });

const payoutCommand = (verb: string, update: string, anyOf: readonly string[]): StaffCommand => ({
  domain: 'payouts',
  verb,
  update,
  workflowId: creatorPayoutWorkflowId,
  anyOf,
  body: reasonBody.extend({ reason: opsCommandInput.shape.reason }),
  args: opsArgs,
});

const financeBody = z
  .object({
    reason: financeDecisionSchema.shape.reason,
    role: financeDecisionSchema.shape.role,
    /** The total the approver reviewed, in minor units; default: the request's current total. */
    amountMinor: z.number({ error: 'amountMinor must be a whole number of minor units' }).int().positive().optional(),
    /**
     * The remedies the approver reviewed; required by the workflow while it proposes store credit for a refund the
     * PSP refused. Never filled in from the request: what is signed is what the person saw.
     */
    remedies: financeDecisionSchema.shape.remedies,
  })
  .strict();

const financeCommand = (verb: 'approve' | 'reject', update: string): StaffCommand => ({
  domain: 'approvals',
  verb,
  update,
  workflowId: (id) => compensationWorkflowId(compensationRequestId(id)),
  anyOf: ROLES,
  body: financeBody,
  namedRole: (b) => b['role'] as string | undefined,
  args: async (b, { client, id }) => {
    const status = await approvals.getCompensationState(client, compensationRequestId(id));
    const amountMinor = (b['amountMinor'] as number | undefined) ?? status.totalMinor;
    const parsed = financeDecisionSchema.parse({
      reason: b['reason'],
      ...(b['role'] !== undefined ? { role: b['role'] } : {}),
      amount: { amountMinor, currency: status.currency },
      ...(b['remedies'] !== undefined ? { remedies: b['remedies'] } : {}),
    });
    return parsed;
  },
});

const disputeCommand = (
  verb: string,
  update: string,
  body: z.ZodObject,
  schema: z.ZodType,
  namedRole?: (b: Record<string, unknown>) => string | undefined,
): StaffCommand => ({
  domain: 'disputes',
  verb,
  update,
  workflowId: disputeCaseWorkflowId,
  anyOf: TIERS,
  body: body.strict(),
  ...(namedRole ? { namedRole } : {}),
  args: async (b) => schema.parse(b) as Record<string, unknown>,
});

/**
 * A reconciliation break's command, addressed by the break's workflow ID (`recon-break-…`, `recon-return-…`): the
 * body is the update's argument without its token, parsed with the workflow's own schema.
 */
const breakCommand = (
  verb: string,
  update: string,
  anyOf: readonly string[],
  body: z.ZodObject,
  schema: z.ZodType,
) => ({
  domain: 'breaks' as const,
  verb,
  update,
  workflowId: (id: string) => id,
  anyOf,
  body: body.strict(),
  args: async (b: Record<string, unknown>) => schema.parse(b) as Record<string, unknown>,
});
const note = markReceivedInput.shape.note;
const reason = voidBreakInput.shape.reason;
const BREAK_COMMANDS: readonly StaffCommand[] = [
  breakCommand(
    'link',
    'linkBreak',
    BREAK_OPS_ROLES,
    z.object({
      workflowId: z.string().max(200).optional(),
      postingId: z.string().max(200).optional(),
      lineId: z.string().max(200).optional(),
      note,
    }),
    linkBreakInput,
  ),
  breakCommand(
    'mark-received',
    'markBreakReceived',
    BREAK_OPS_ROLES,
    z.object({ externalRef: markReceivedInput.shape.externalRef, note }),
    markReceivedInput,
  ),
  breakCommand(
    'adjust',
    'postBreakAdjustment',
    BREAK_FINANCE_ROLES,
    z.object({
      amountMinor: postAdjustmentInput.shape.amountMinor,
      currency: postAdjustmentInput.shape.currency,
      account: ledgerAccountSchema,
      note,
    }),
    postAdjustmentInput,
  ),
  breakCommand(
    'approve',
    'approveBreakAdjustment',
    BREAK_FINANCE_ROLES,
    z.object({ note: approveAdjustmentInput.shape.note }),
    approveAdjustmentInput,
  ),
  breakCommand('rebook', 'rebookToCreator', BREAK_FINANCE_ROLES, z.object({ note }), rebookToCreatorInput),
  breakCommand(
    'recover-duplicate',
    'recoverDuplicate',
    BREAK_OPS_ROLES,
    z.object({ mode: recoverDuplicateInput.shape.mode, note }),
    recoverDuplicateInput,
  ),
  breakCommand('void', 'voidBreak', BREAK_OPS_ROLES, z.object({ reason }), voidBreakInput),
  breakCommand('reopen', 'reopenBreak', BREAK_OPS_ROLES, z.object({ reason }), reopenBreakInput),
];

export const STAFF_COMMANDS: readonly StaffCommand[] = [
  payoutCommand('hold', 'holdPayout', HOLDERS),
  payoutCommand('release', 'releasePayout', RELEASERS),
  payoutCommand('retry', 'retryPayoutNow', OPS),
  payoutCommand('cancel', 'cancelPayout', OPS),
  {
    ...payoutCommand('resolve', 'resolvePayout', OPS),
    body: z.object({ reason: opsCommandInput.shape.reason, outcome: resolvePayoutInput.shape.outcome }).strict(),
    args: async (b) => resolvePayoutInput.parse({ reason: b['reason'], outcome: b['outcome'] }),
  },
  financeCommand('approve', 'approveCompensation'),
  financeCommand('reject', 'rejectCompensation'),
  {
    domain: 'approvals',
    verb: 'amend',
    update: 'amendCompensation',
    workflowId: (id) => compensationWorkflowId(compensationRequestId(id)),
    anyOf: ROLES,
    body: z.object({ remedies: remediesSchema, reason: amendCompensationSchema.shape.reason }).strict(),
    args: async (b) => amendCompensationSchema.parse({ remedies: b['remedies'], reason: b['reason'] }),
  },
  disputeCommand(
    'assign',
    'assignCase',
    z.object({ assignee: staffIdSchema, tier: escalationTierSchema }),
    assignCaseInput,
  ),
  disputeCommand(
    'evidence',
    'addEvidence',
    z.object({ field: evidenceFieldSchema, text: addEvidenceInput.shape.text }),
    addEvidenceInput,
  ),
  disputeCommand(
    'decide',
    'decideCase',
    z.object({
      decision: decideCaseInput.shape.decision,
      tier: decideCaseInput.shape.tier,
      note: decideCaseInput.shape.note,
    }),
    decideCaseInput,
    (b) => b['tier'] as string | undefined,
  ),
  ...BREAK_COMMANDS,
];
