/** Pure decisions of the payout run: which period, how many children to start now, when to continue as new. */

/** The month before `isoTime`, as `YYYY-MM`: what a run started by the monthly Schedule pays. */
export function previousPeriod(isoTime: string): string {
  const [year, month] = isoTime.slice(0, 7).split('-').map(Number) as [number, number];
  return month === 1 ? `${year - 1}-12` : `${year}-${String(month - 1).padStart(2, '0')}`;
}

/**
 * How many children to start now: what is buffered, within the sliding window (`maxConcurrent` undecided at once),
 * within this execution's share, and at most `maxBatch` per workflow task.
 */
export function windowRoom(o: {
  buffered: number;
  maxConcurrent: number;
  inFlight: number;
  childrenPerExecution: number;
  startedThisExecution: number;
  maxBatch: number;
}): number {
  return Math.min(
    o.buffered,
    o.maxConcurrent - o.inFlight,
    o.childrenPerExecution - o.startedThisExecution,
    o.maxBatch,
  );
}

/** Continue as new once this execution started its share of children, or when the server suggests it. */
export function timeToContinueAsNew(startedThisExecution: number, childrenPerExecution: number, suggested: boolean) {
  return startedThisExecution >= childrenPerExecution || suggested;
}
