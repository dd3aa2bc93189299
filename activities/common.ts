import type { ActivityDeps } from './deps';

/** Activities every domain shares: events, ledger postings, audit appends, and the PSP health probe. */
export function createCommonActivities(deps: ActivityDeps) {
  return {
    publishEvent: (input: Parameters<ActivityDeps['notifications']['publishEvent']>[0]) =>
      deps.notifications.publishEvent(input),
    pspPing: () => deps.psp.ping(),
    /** Does nothing: the benchmark floor's unit of work. */
    noop: async (): Promise<void> => undefined,
    postLedger: (posting: Parameters<ActivityDeps['ledger']['post']>[0]) => deps.ledger.post(posting),
    appendAudit: (event: Parameters<ActivityDeps['audit']['append']>[0]) => deps.audit.append(event),
  };
}
