import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { SA } from '../shared/search-attributes';
import type { PayoutRunProgress } from './contract';

/** What the view renders of a run's carry (the state passes its carry): the progress without the live figures. */
export type RunTally = Pick<PayoutRunProgress, 'period' | 'started' | 'counts' | 'exhausted' | 'executions'>;

/** How a run reads in `getState` / `getRunProgress`: counts by outcome, in flight, whether everyone was started. */
export function runView(carry: RunTally, inFlight: number, summaryKey?: string): PayoutRunProgress {
  return {
    period: carry.period,
    started: carry.started,
    inFlight,
    counts: { ...carry.counts },
    exhausted: carry.exhausted,
    executions: carry.executions,
    summaryKey,
  };
}

/** The run's one attribute: its children list by it (`PayoutRunId`). */
export function runSearchAttributes(runId: string): SearchAttributeUpdatePair[] {
  return [{ key: SA.PayoutRunId, value: [runId] }];
}

/** The Web UI's current details of a run. */
export function runDetails(carry: Pick<RunTally, 'period' | 'executions'>, maxConcurrent: number): string {
  return `Paying creators for ${carry.period}: window of ${maxConcurrent}, execution ${carry.executions}`;
}
