import { STUCK_CATEGORIES, type StuckCategory } from './contract';

/**
 * The categories of stuck work, as visibility queries: one definition for the sweeper (counts, metrics, alerts), the
 * ops CLI (`npx payops-ops stuck`, with Web UI links), the typed client and the runbook. Each query is evaluated at
 * `now`. Pure string building, below the client and the activities that both use it.
 */
export { STUCK_CATEGORIES, type StuckCategory };

/** The people a workflow can wait on, across domains (`AwaitingActor`). */
export const PERSON_ACTORS = ['finance', 'ops', 'creator', 'compliance', 'tier1', 'tier2', 'legal'] as const;

/** How long a payout run may run before it counts as not finishing (a 100,000-creator run takes hours, not days). */
export const RUN_STUCK_AFTER_MS = 24 * 60 * 60 * 1000;

const list = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');
const running = `ExecutionStatus = 'Running'`;

/** The visibility query of a category at `now`. */
export function stuckQuery(category: StuckCategory, now: Date): string {
  const at = now.toISOString();
  switch (category) {
    case 'overdue_person':
      return `${running} AND AwaitingActor IN (${list(PERSON_ACTORS)}) AND DeadlineAt < '${at}'`;
    case 'retrying':
      return `${running} AND FailedAttempts > 0`;
    case 'parked':
      return `${running} AND WorkflowType = 'creatorPayout' AND (AwaitingActor = 'ops' OR PayoutState IN ('awaiting_payability', 'on_hold', 'awaiting_new_details'))`;
    case 'unconfirmed_at_rail':
      return `${running} AND PayoutState = 'awaiting_confirmation' AND DeadlineAt < '${at}'`;
    case 'runs_not_finishing':
      return `${running} AND WorkflowType = 'payoutRun' AND StartTime < '${new Date(now.getTime() - RUN_STUCK_AFTER_MS).toISOString()}'`;
  }
}

/** The Web UI list of a query (`uiBase` e.g. `http://127.0.0.1:8233`). */
export function webUiListUrl(uiBase: string, namespace: string, query: string): string {
  return `${uiBase.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows?query=${encodeURIComponent(query)}`;
}
