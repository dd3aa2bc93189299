import type { ServiceLevelActivities } from '../../workflows/payouts/service-level';
import { factKey } from '../../workflows/shared/report-facts';
import type { ActivityDeps } from '../deps';

/** Writes a closed payout's service-level fact to the reports bucket (a put of the same key replaces it). */
export function createServiceLevelActivities(deps: ActivityDeps) {
  return {
    async recordPayoutServiceLevel(fact) {
      const key = factKey('payout-sla', fact.day, fact.factId);
      await deps.reports.put(key, `${JSON.stringify(fact)}\n`, 'application/x-ndjson');
      return { key };
    },
  } satisfies ServiceLevelActivities;
}
