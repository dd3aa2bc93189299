/** Pure decisions of the daily run: how long to wait for a statement, who the run waits on. */

import type { ReconDayPhase } from './contract';

/**
 * How long to sleep before asking the rail again for a statement that is not there yet: the poll interval, but never
 * past the deadline (the last ask happens at the deadline, so a statement that arrives just in time still counts).
 * 0 = the deadline has passed: the statement is missing.
 */
export function nextAskInMs(nowMs: number, deadlineAtMs: number, pollEveryMs: number): number {
  if (nowMs >= deadlineAtMs) return 0;
  return Math.max(1, Math.min(pollEveryMs, deadlineAtMs - nowMs));
}

/** `AwaitingActor`: the rail while its statement is awaited, `none` otherwise (the run needs no person). */
export function awaitingActorOf(phase: ReconDayPhase, rail: 'bank' | 'psp' | undefined): string {
  return phase === 'awaiting_statement' && rail ? rail : 'none';
}
