import type { Client } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { z } from 'zod';
import { SA } from '../workflows/shared/search-attributes';
import {
  approveAdjustmentInput,
  approveAdjustmentUpdate,
  getBreakStateQuery,
  linkBreakInput,
  linkBreakUpdate,
  markReceivedInput,
  markReceivedUpdate,
  postAdjustmentInput,
  postAdjustmentUpdate,
  RECON_BREAK_WORKFLOW,
  rebookToCreatorInput,
  rebookToCreatorUpdate,
  recoverDuplicateInput,
  recoverDuplicateUpdate,
  reopenBreakInput,
  reopenBreakUpdate,
  voidBreakInput,
  voidBreakUpdate,
  type ApproveAdjustmentInput,
  type LinkBreakInput,
  type MarkReceivedInput,
  type PostAdjustmentInput,
  type RebookToCreatorInput,
  type RecoverDuplicateInput,
  type ReconBreakView,
  type ReconBreakWorkflow,
  type ReopenBreakInput,
  type VoidBreakInput,
} from '../workflows/recon-breaks/contract';
import { sendSignedCommand, type Signed } from './commands';
import { parseClientInput, type Verdict } from './errors';
import { byDate, listRows } from './lists';

export { breakWorkflowId, lateReturnWorkflowId } from '../workflows/recon-breaks/contract';
export type { ReconBreakView, BreakFacts, BreakResolution } from '../workflows/recon-breaks/contract';

/**
 * Reconciliation breaks (`reconBreak` workflows, opened by the daily run and the ingress): the work list, one break's
 * state, and the staff commands that resolve one. A break is addressed by its workflow ID (`recon-break-…`,
 * `recon-return-…`): the break's own key, shown in every list.
 */

const workflowIdSchema = z.string().regex(/^recon-(break|return)-[A-Fa-f0-9]{1,64}$/, {
  error: 'must be a break workflow ID (recon-break-… or recon-return-…)',
});

const listFilter = z.object({
  /** Only breaks still waiting on someone (AwaitingActor ops or finance); default: every running break. */
  open: z.boolean().default(false),
});
export type BreakListFilter = z.input<typeof listFilter>;

/** The visibility query behind {@link listBreaks}: the type, running, and for `open` what it waits on. */
export function breaksListQuery(filter: BreakListFilter = {}): string {
  const f = parseClientInput(listFilter, filter, 'list filter');
  return [
    `WorkflowType = '${RECON_BREAK_WORKFLOW}'`,
    `ExecutionStatus = 'Running'`,
    ...(f.open ? [`${SA.AwaitingActor.name} IN ('ops', 'finance')`] : []),
  ].join(' AND ');
}

/** One row of the breaks work list (search attributes: eventually consistent, fine for a list). */
export interface BreakListRow {
  workflowId: string;
  /** The current run (the Temporal Web UI's link to a workflow names its run). */
  runId: string;
  /** The break's class while open (`LastErrorCode`); `none` once resolved. */
  breakClass: string | undefined;
  status: 'open' | 'resolved';
  awaitingActor: string | undefined;
  awaitingSince: Date | undefined;
  deadlineAt: Date | undefined;
  amountMinor: number | undefined;
  currency: string | undefined;
}

/** Breaks matching the filter, soonest due first (resolved ones, without a deadline, last). */
export async function listBreaks(client: Client, filter: BreakListFilter = {}): Promise<BreakListRow[]> {
  const rows = await listRows(client, breaksListQuery(filter), (wf): BreakListRow => {
    const sa = wf.typedSearchAttributes;
    const actor = sa.get(SA.AwaitingActor);
    return {
      workflowId: wf.workflowId,
      runId: wf.runId,
      breakClass: sa.get(SA.LastErrorCode),
      status: actor === 'ops' || actor === 'finance' ? 'open' : 'resolved',
      awaitingActor: actor,
      awaitingSince: sa.get(SA.AwaitingSince),
      deadlineAt: sa.get(SA.DeadlineAt),
      amountMinor: sa.get(SA.AmountMinor),
      currency: sa.get(SA.Currency),
    };
  });
  return rows.sort(byDate((r) => r.deadlineAt));
}

/** The break as ops see it (the `getState` query): facts, observations, resolution, proposal and trail. */
export async function getBreakState(client: Client, workflowId: string): Promise<ReconBreakView> {
  const id = parseClientInput(workflowIdSchema, workflowId, 'break workflow ID');
  return client.workflow.getHandle<ReconBreakWorkflow>(id).query(getBreakStateQuery);
}

const send =
  <S extends z.ZodType<object>>(def: UpdateDefinition<ReconBreakView, [z.output<S>]>, schema: S, what: string) =>
  (client: Client, workflowId: string, input: Signed<z.input<S>>): Promise<Verdict<ReconBreakView>> =>
    sendSignedCommand(
      client,
      parseClientInput(workflowIdSchema, workflowId, 'break workflow ID'),
      def as never,
      schema,
      input as never,
      what,
    ) as Promise<Verdict<ReconBreakView>>;

/** Links the break to where its money is explained (ops or finance). */
export const linkBreak: (c: Client, id: string, i: Signed<LinkBreakInput>) => Promise<Verdict<ReconBreakView>> = send(
  linkBreakUpdate,
  linkBreakInput,
  'link',
);
/** Marks the money received outside the statement (an external reference). */
export const markBreakReceived: (
  c: Client,
  id: string,
  i: Signed<MarkReceivedInput>,
) => Promise<Verdict<ReconBreakView>> = send(markReceivedUpdate, markReceivedInput, 'mark received');
/** Posts (or, above the four-eyes threshold, proposes) a ledger adjustment (finance). */
export const postBreakAdjustment: (
  c: Client,
  id: string,
  i: Signed<PostAdjustmentInput>,
) => Promise<Verdict<ReconBreakView>> = send(postAdjustmentUpdate, postAdjustmentInput, 'adjustment');
/** Approves the pending proposal (a second finance member). */
export const approveBreakAdjustment: (
  c: Client,
  id: string,
  i: Signed<ApproveAdjustmentInput>,
) => Promise<Verdict<ReconBreakView>> = send(approveAdjustmentUpdate, approveAdjustmentInput, 'approval');
/** Books a late return back to the creator once the bank lists it (finance; four-eyes above the threshold). */
export const rebookToCreator: (
  c: Client,
  id: string,
  i: Signed<RebookToCreatorInput>,
) => Promise<Verdict<ReconBreakView>> = send(rebookToCreatorUpdate, rebookToCreatorInput, 'rebook');
/**
 * Recovers a duplicate disbursement (ops or finance; four-eyes above the threshold): `reverse` at the provider that
 * paid it (Stripe; refused `reversal_unsupported` elsewhere), or `offset` as a receivable the creator's next payout nets.
 */
export const recoverDuplicate: (
  c: Client,
  id: string,
  i: Signed<RecoverDuplicateInput>,
) => Promise<Verdict<ReconBreakView>> = send(recoverDuplicateUpdate, recoverDuplicateInput, 'recovery');
export const voidBreak: (c: Client, id: string, i: Signed<VoidBreakInput>) => Promise<Verdict<ReconBreakView>> = send(
  voidBreakUpdate,
  voidBreakInput,
  'void',
);
export const reopenBreak: (c: Client, id: string, i: Signed<ReopenBreakInput>) => Promise<Verdict<ReconBreakView>> =
  send(reopenBreakUpdate, reopenBreakInput, 'reopen');
