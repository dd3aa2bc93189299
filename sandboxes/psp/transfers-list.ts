import { str, type FormObject } from './form';
import type { Obj, Reply } from './replies';

/**
 * `GET /v1/transfers?transfer_group=…&limit=…`: Stripe's list of transfers, newest first, filtered by transfer group
 * (what a payout looks up before creating a transfer, once its idempotency key may have expired).
 */
export function listTransfers(transfers: ReadonlyMap<string, Obj>, p: FormObject): Reply {
  const group = str(p.transfer_group);
  const limit = Math.min(100, Math.max(1, Number(str(p.limit) ?? 10) || 10));
  const all = [...transfers.values()].filter((t) => group === undefined || t.transfer_group === group).reverse();
  return {
    status: 200,
    body: { object: 'list', url: '/v1/transfers', has_more: all.length > limit, data: all.slice(0, limit) },
  };
}
