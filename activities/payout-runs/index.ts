import { payoutIdFor } from '../../workflows/payouts/contract';
import type { PayoutRunActivities } from '../../workflows/payout-runs/contract';
import { failure, FailureType } from '../../workflows/shared/failures';
import type { ActivityDeps } from '../deps';

const csvCell = (value: string) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
const partKey = (runKey: string, part: number) => `runs/${runKey}/parts/${String(part).padStart(5, '0')}.csv`;

/** Activities of the batch payout run: pages of payable creators, and its CSV summary in S3, written in parts. */
export function createPayoutRunActivities(deps: ActivityDeps) {
  return {
    /** One page of creators with earnings in `period`, with their conventional payout IDs. */
    async listPayableCreators(i) {
      if (!deps.creators)
        throw failure(FailureType.ProviderPermanent, 'no creator directory configured for this worker');
      const page = await deps.creators.listEarnings(i);
      return {
        creators: page.items.map((it) => ({
          creatorId: it.creatorId,
          payoutId: payoutIdFor(it.creatorId, i.period),
          amount: it.amount,
        })),
        ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
      };
    },
    async writeRunReportPart(input) {
      const body = input.rows.map((r) => [r.payoutId, r.outcome, r.errorCode ?? ''].map(csvCell).join(',')).join('\n');
      return deps.reports.put(partKey(input.runKey, input.part), body, 'text/csv');
    },
    async finalizeRunReport(input) {
      const lines = ['payout_id,outcome,error_code'];
      for (let part = 0; part < input.parts; part++) {
        const body = await deps.reports.get(partKey(input.runKey, part));
        if (body) lines.push(body);
      }
      const summary = Object.entries(input.counts).map(([k, v]) => `# ${k}=${v}`);
      return deps.reports.put(`runs/${input.runKey}/summary.csv`, [...lines, ...summary].join('\n') + '\n', 'text/csv');
    },
  } satisfies PayoutRunActivities;
}
