import type { ActivityDeps } from './deps';
import { createApprovalActivities } from './approvals';
import { createSpendActivities } from './approvals/spend';
import { createSharedActivities } from './shared';
import { createDisputeActivities } from './disputes';
import { createPayoutRunActivities } from './payout-runs';
import { createPayoutActivities } from './payouts';
import { createServiceLevelActivities } from './payouts/service-level';
import { createReconBreakActivities } from './recon-breaks';
import { createSweeperActivities } from './sweeper';
import { createReconDayActivities } from './recon-days';

/** What workers register: every domain's activities (each workflow proxies only its own domain's interface). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createSharedActivities(deps),
    ...createApprovalActivities(deps),
    ...createSpendActivities(deps),
    ...createPayoutRunActivities(deps),
    ...createPayoutActivities(deps),
    ...createServiceLevelActivities(deps),
    ...createDisputeActivities(deps),
    ...createSweeperActivities(deps),
    ...createReconBreakActivities(deps),
    ...createReconDayActivities(deps),
  };
}
export type { ActivityDeps } from './deps';
