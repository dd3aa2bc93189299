import { defineQuery } from '@temporalio/workflow';
import { z } from 'zod';
import type { Money } from '../shared/money';
import { payoutTimingSchema, type PayoutOutcome } from '../payouts/contract';

/** A calendar month, `YYYY-MM`: the period creators are paid for. */
export const periodSchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, { error: 'must be a month like 2026-11' });

/** Input of {@link payoutRun}. Without `period`, the run pays the month before it started (what the Schedule wants). */
export const payoutRunInput = z.object({
  period: periodSchema.optional(),
  /** Children in flight at once (sliding window); bounded by Temporal's pending-children limit and the PSP's rate limit. */
  maxConcurrent: z.number().int().min(1).max(1000).default(200),
  /** Children started per execution before continue-as-new: about 8 events each, so ~4,000 events per execution. */
  childrenPerExecution: z.number().int().min(10).max(1000).default(500),
  pageSize: z.number().int().min(1).max(1000).default(500),
  /** Stop after this many creators (demos, benchmarks); absent = everyone payable. */
  limit: z.number().int().positive().optional(),
  /** Timing overrides handed to every child payout (demos, benchmarks); production uses the rail defaults. */
  payoutTiming: payoutTimingSchema.optional(),
  /**
   * How often a waiting run checks that the payouts an earlier execution started are still open (default 1 h): one
   * that closed without reporting (e.g. terminated) frees its slot.
   */
  probeEveryMs: z.number().int().min(1_000).max(86_400_000).optional(),
});
export type PayoutRunInput = z.input<typeof payoutRunInput>;
/** A run's input after parsing (defaults filled in). */
export type ParsedPayoutRunInput = z.infer<typeof payoutRunInput>;

/* The report a child payout sends its run (outcome, input, signal) is declared with the payouts, the lower side. */
export {
  payoutOutcome,
  reportPayoutOutcomeInput,
  reportPayoutOutcomeSignal,
  type PayoutOutcome,
  type ReportPayoutOutcomeInput,
} from '../payouts/contract';

/** What `getState` (alias `getRunProgress`) returns: where the run is. */
export interface PayoutRunProgress {
  period: string;
  /** Children started (or found already existing) so far. */
  started: number;
  inFlight: number;
  counts: Record<PayoutOutcome, number>;
  exhausted: boolean;
  executions: number;
  summaryKey?: string;
}

/** Progress of the run under the name every domain answers: counts by outcome, in flight, whether all started. */
export const getStateQuery = defineQuery<PayoutRunProgress>('getState');
/** The same progress under its older name, kept for running runs and existing tooling. */
export const getRunProgressQuery = defineQuery<PayoutRunProgress>('getRunProgress');

/** The run workflow's signature, for typed handles without importing workflow code. */
export type PayoutRunWorkflow = (input: PayoutRunInput) => Promise<PayoutRunProgress>;

/** Workflow ID of an on-demand run for a period. Payout IDs are per creator and period, so two runs never pay twice. */
export const payoutRunWorkflowId = (period: string) => `payout-run-${period}`;
/** The Schedule that starts a run every month. */
export const PAYOUT_RUN_SCHEDULE_ID = 'payout-run-monthly';

// ---------- activities ----------

/** Input of the `listPayableCreators` activity: a page of creators with earnings in `period`. */
export interface ListPayableCreatorsInput {
  period: string;
  cursor?: string;
  limit: number;
}
/** One page of payable creators, each with its conventional payout ID. */
export interface ListPayableCreatorsResult {
  creators: Array<{ creatorId: string; payoutId: string; amount: Money }>;
  nextCursor?: string;
}

/** One line of the run's CSV report. */
export interface RunReportRow {
  payoutId: string;
  outcome: string;
  errorCode?: string;
}

/** The activities `payoutRun` calls (implemented in `activities/payout-runs/`). */
export interface PayoutRunActivities {
  listPayableCreators(i: ListPayableCreatorsInput): Promise<ListPayableCreatorsResult>;
  /** Writes one part of the report (the outcomes since the last part), so no payload grows with the run. */
  writeRunReportPart(i: { runKey: string; part: number; rows: RunReportRow[] }): Promise<{ key: string }>;
  /** Joins the parts into the summary CSV. */
  finalizeRunReport(i: { runKey: string; parts: number; counts: Record<string, number> }): Promise<{ key: string }>;
}
