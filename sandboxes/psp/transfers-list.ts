import { str, type FormObject } from './form';
import type { Obj, Reply } from './replies';

/**
 * `GET /v1/transfers?transfer_group=…&limit=…&starting_after=…`: Stripe's list of transfers, newest first, filtered
 * by transfer group (what a payout looks up before creating a transfer, once its idempotency key may have expired),
 * with Stripe's cursor: `starting_after` an ID continues after it (older), `has_more` says whether more follow.
 */
export function listTransfers(transfers: ReadonlyMap<string, Obj>, p: FormObject): Reply {
  const group = str(p.transfer_group);
  const after = str(p.starting_after);
  const limit = Math.min(100, Math.max(1, Number(str(p.limit) ?? 10) || 10));
  const all = [...transfers.values()].filter((t) => group === undefined || t.transfer_group === group).reverse();
  const from = after === undefined ? 0 : all.findIndex((t) => t.id === after) + 1;
  if (after !== undefined && from === 0)
    return {
      status: 400,
      body: {
        error: {
          type: 'invalid_request_error',
          code: 'resource_missing',
          param: 'starting_after',
          message: `No such transfer: '${after}'`,
        },
      },
    };
  const rest = all.slice(from);
  return {
    status: 200,
    body: { object: 'list', url: '/v1/transfers', has_more: rest.length > limit, data: rest.slice(0, limit) },
  };
}
