import { defineQuery, defineSignal } from '@temporalio/workflow';
import { z } from 'zod';
import { payoutTimingSchema } from './contract';

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
});
export type PayoutRunInput = z.input<typeof payoutRunInput>;

/** Outcome a child payout reports to its run once it is decided (or parked); each payout counts once. */
export const payoutOutcome = z.enum(['paid', 'failed', 'cancelled', 'parked', 'already-exists']);
export type PayoutOutcome = z.infer<typeof payoutOutcome>;

export const reportPayoutOutcomeInput = z.object({
  payoutId: z.string().min(1),
  outcome: payoutOutcome,
  errorCode: z.string().optional(),
});
export type ReportPayoutOutcomeInput = z.infer<typeof reportPayoutOutcomeInput>;

/** Sent by each `creatorPayout` started by a run to the run's workflow ID. */
export const reportPayoutOutcomeSignal = defineSignal<[ReportPayoutOutcomeInput]>('reportPayoutOutcome');

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

/** Progress of the run: counts by state, in flight, whether every creator has been started. */
export const getRunProgressQuery = defineQuery<PayoutRunProgress>('getRunProgress');

/** Workflow ID of an on-demand run for a period. Payout IDs are per creator and period, so two runs never pay twice. */
export const payoutRunWorkflowId = (period: string) => `payout-run-${period}`;
/** The Schedule that starts a run every month. */
export const PAYOUT_RUN_SCHEDULE_ID = 'payout-run-monthly';

/** The month before `isoTime`, as `YYYY-MM`. */
export function previousPeriod(isoTime: string): string {
  const [year, month] = isoTime.slice(0, 7).split('-').map(Number) as [number, number];
  return month === 1 ? `${year - 1}-12` : `${year}-${String(month - 1).padStart(2, '0')}`;
}
