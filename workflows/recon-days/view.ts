import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { SA } from '../shared/search-attributes';
import type { ReconDayView } from './contract';
import { awaitingActorOf } from './policy';

/**
 * The run's search attributes: like any work waiting on a rail it shows `AwaitingActor` (`bank`/`psp`) with
 * `DeadlineAt` while the statement is awaited, and `none` once it has it (the breaks are their own workflows).
 */
export function daySearchAttributes(v: ReconDayView, rail: 'bank' | 'psp' | undefined): SearchAttributeUpdatePair[] {
  const waiting = v.phase === 'awaiting_statement' && v.deadlineAt !== undefined;
  return [
    { key: SA.AwaitingActor, value: awaitingActorOf(v.phase, rail) },
    { key: SA.DeadlineAt, value: waiting ? new Date(v.deadlineAt as string) : null },
  ];
}

/** The Web UI's current details of a run. */
export function dayDetails(v: ReconDayView): string {
  const head = `Reconciling ${v.accountId} for ${v.businessDate ?? '(date pending)'} with rules ${v.ruleVersion}${v.rerun ? ` (re-run ${v.rerun})` : ''}: ${v.phase}`;
  const lines = [head];
  if (v.phase === 'awaiting_statement')
    lines.push(`waiting for the statement (asked ${v.statementAsks}×), missing after ${v.deadlineAt}`);
  if (v.statementMissing) lines.push('the statement never came: statement_missing break');
  if (v.statement)
    lines.push(
      `statement: ${v.statement.lines} lines (${v.statement.delivery}), sha256 ${v.statement.sha256.slice(0, 12)}`,
    );
  if (v.counts)
    lines.push(
      `matched ${v.counts.matchedLines} lines / ${v.counts.matchedItems} items, ${v.counts.expectedItems} still expected, ${v.counts.breaks} breaks`,
    );
  if (v.keys) lines.push(`summary: ${v.keys.summary}`);
  return lines.join('\n\n');
}
