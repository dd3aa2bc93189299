import type { ActivityDeps } from './deps';
import { createApprovalActivities } from './approvals';
import { createSharedActivities } from './shared';
import { createDisputeActivities } from './disputes';
import { createPayoutRunActivities } from './payout-runs';
import { createPayoutActivities } from './payouts';

/** What workers register and what workflows are typed against (`proxyActivities<Activities>`). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createSharedActivities(deps),
    ...createApprovalActivities(deps),
    ...createPayoutRunActivities(deps),
    ...createPayoutActivities(deps),
    ...createDisputeActivities(deps),
  };
}
export type { ActivityDeps } from './deps';
export type Activities = ReturnType<typeof createActivities>;
