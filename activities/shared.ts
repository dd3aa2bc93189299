import type { ProbeActivities } from '../workflows/probe/contract';
import type { SharedActivities } from '../workflows/shared/activities';
import type { ActivityDeps } from './deps';

/**
 * The activities implemented once for every domain (domain events, audit appends) and the stack probe's PSP health
 * check. Each domain declares the ones it calls in its contract, with these same wire names.
 */
export function createSharedActivities(deps: ActivityDeps) {
  return {
    publishEvent: (input) => deps.notifications.publishEvent(input),
    appendAudit: (event) => deps.audit.append(event),
    pspPing: () => deps.psp.ping(),
  } satisfies SharedActivities & ProbeActivities;
}
