import { proxyActivities, sleep } from '@temporalio/workflow';
import type { ReconDayActivities } from './contract';
import { nextAskInMs } from './policy';
import type { DayState } from './state';

/**
 * The run's activities. Reading a statement, the ledger's day or matching a 100,000-line day takes minutes, not
 * seconds: they heartbeat, so a crashed worker is noticed in two minutes and the retry starts over (every write is a
 * put of the same key with the same bytes). 14 minutes stays under Lambda's 15-minute limit.
 */
const bulk = proxyActivities<ReconDayActivities>({
  startToCloseTimeout: '14m',
  heartbeatTimeout: '2m',
  retry: {
    initialInterval: '5s',
    backoffCoefficient: 2,
    maximumInterval: '5m',
    nonRetryableErrorTypes: ['InvalidInput'],
  },
  scheduleToCloseTimeout: '6h',
});
/** The account's facts: configuration, so a quick read retried while it fails. */
const lookup = proxyActivities<ReconDayActivities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', maximumInterval: '1m', nonRetryableErrorTypes: ['InvalidInput'] },
});

export async function knowAccount(day: DayState): Promise<void> {
  const a = await lookup.reconAccount({
    accountId: day.input.accountId,
    ...(day.input.businessDate ? { businessDate: day.input.businessDate } : {}),
    atMs: Date.now(),
  });
  day.knowsAccount(a);
}

/**
 * Asks the rail for the day's statement until it is there or the account's deadline passed (then the day has a
 * `statement_missing` break). Each ask that finds it also ingests it, in the same activity: the stream goes straight
 * into NDJSON chunks and only their keys come back.
 */
export async function awaitStatement(day: DayState): Promise<void> {
  const account = day.facts;
  for (;;) {
    day.asked();
    const r = await bulk.fetchReconStatement({ account });
    if (r.status === 'ingested') return day.ingested(r.statement);
    const wait = nextAskInMs(Date.now(), account.deadlineAtMs, account.pollEveryMs);
    if (wait === 0) return day.statementMissing();
    await sleep(wait);
  }
}

export async function loadExpectations(day: DayState): Promise<void> {
  day.loaded(await bulk.loadReconExpectations({ account: day.facts, ruleVersion: day.ruleVersion }));
}

export async function reconcile(day: DayState, runWorkflowId: string): Promise<void> {
  const statement = day.ingestedStatement;
  day.matchedDay(
    await bulk.matchReconDay({
      account: day.facts,
      ruleVersion: day.ruleVersion,
      ...(statement ? { statement } : {}),
      expectations: day.loadedExpectations,
      runWorkflowId,
    }),
  );
}

export async function openBreaks(day: DayState): Promise<void> {
  day.breaksOpened(await bulk.openReconBreaks({ account: day.facts, keys: day.matchKeys }));
}
