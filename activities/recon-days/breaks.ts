import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { WorkflowIdReusePolicy, WorkflowNotFoundError } from '@temporalio/client';
import {
  BREAK_COUNTERPART_MATCHED,
  BREAK_OBSERVED,
  RECON_BREAK_WORKFLOW,
  factsOf,
  type BreakCounterpartMatched,
  type BreakObserved,
  type ReconBreakInput,
} from '../../workflows/recon-breaks/contract';
import type { MatchDayResult, OpenBreaksResult, ReconAccountFacts } from '../../workflows/recon-days/contract';
import type { ReportsPort } from '../adapters/reports/port';
import type { ClosedBreak, StoredBreak } from './match';
import { readChunks } from './store';

/** What opening breaks needs of a Temporal client (the worker's own, or a recording fake in tests). */
export interface BreakClient {
  workflow: {
    signalWithStart(
      workflowType: string,
      options: {
        workflowId: string;
        taskQueue: string;
        args: unknown[];
        signal: string;
        signalArgs: unknown[];
        workflowIdReusePolicy?: WorkflowIdReusePolicy;
        staticSummary?: string;
      },
    ): Promise<unknown>;
    getHandle(workflowId: string): { signal(signal: string, ...args: unknown[]): Promise<void> };
  };
}

/** Breaks signalled at once: enough to open a bad day's few hundred breaks in seconds, few enough for the frontend. */
const BATCH = 20;

/**
 * Opens (or signals again) one `reconBreak` per break of the day and tells the carried breaks a match closed that
 * their counterpart came. signalWithStart is idempotent by workflow ID: a re-run of the day signals the same
 * workflows with the same observation, which they record once. A break workflow that already closed (resolved) is not
 * started again (REJECT_DUPLICATE): a re-run never reopens what ops closed.
 */
export async function openDayBreaks(
  deps: { reports: ReportsPort },
  client: BreakClient,
  taskQueue: string,
  account: ReconAccountFacts,
  keys: MatchDayResult['keys'],
  beat: (progress: number) => void,
): Promise<OpenBreaksResult> {
  const breaks = await readChunks<StoredBreak>(deps.reports, [keys.breaks]);
  const closed = await readChunks<ClosedBreak>(deps.reports, [keys.closed]);
  let signalled = 0;
  let alreadyClosed = 0;
  for (let at = 0; at < breaks.length; at += BATCH) {
    await Promise.all(
      breaks.slice(at, at + BATCH).map(async (b) => {
        const { workflowId, refs, ...record } = b;
        const facts = factsOf(record, refs);
        const input: ReconBreakInput = { facts, source: 'statement', resultsKey: keys.breaks };
        const observed: BreakObserved = { source: 'statement', facts, resultsKey: keys.breaks };
        try {
          await client.workflow.signalWithStart(RECON_BREAK_WORKFLOW, {
            workflowId,
            taskQueue,
            args: [input],
            signal: BREAK_OBSERVED,
            signalArgs: [observed],
            workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
            staticSummary: `Recon break ${b.class} on ${account.accountId} ${account.businessDate}`,
          });
          signalled++;
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
          alreadyClosed++;
        }
      }),
    );
    beat(at + BATCH);
  }
  let counterpartSignalled = 0;
  const matched = closed.filter((c) => c.byMatchId && c.workflowId);
  for (let at = 0; at < matched.length; at += BATCH) {
    await Promise.all(
      matched.slice(at, at + BATCH).map(async (c) => {
        const signal: BreakCounterpartMatched = {
          businessDate: account.businessDate,
          matchId: c.byMatchId as string,
          resultsKey: keys.matches,
        };
        try {
          await client.workflow.getHandle(c.workflowId).signal(BREAK_COUNTERPART_MATCHED, signal);
          counterpartSignalled++;
        } catch (err) {
          // Resolved (closed) already: nothing left to close.
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        }
      }),
    );
    beat(breaks.length + at + BATCH);
  }
  return { signalled, alreadyClosed, counterpartSignalled };
}
