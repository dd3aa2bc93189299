import { Context, log } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { pausedProviders } from '../../client/psp-control';
import type { ProviderId } from '../../workflows/routing/contract';

/**
 * The providers paused at the server now (their queue's rate limit is an incident pause, the pause's source of truth),
 * for a payout about to route (issue 25 item 4): read by the profile look-up the payout already runs before routing,
 * through the worker's own client, so the happy path gains no billable action. The product queue is the one this
 * activity runs on (the payout's).
 *
 * Empty when it cannot be known (no client in this context, the server's answer failed; logged): the payout then
 * routes with what the per-provider notices told it. That is safe, not silent: a paused provider's queue still
 * dispatches nothing, so a payout routed there is fenced after the failover budget and moves on only on proof. Never
 * absent: an absent list is what a recorded history from before the read carries (see `PayoutNotices.routingPaused`).
 */
export async function pausedAtServer(): Promise<ProviderId[]> {
  let client: Client;
  let queue: string;
  try {
    const ctx = Context.current();
    client = ctx.client;
    queue = ctx.info.taskQueue;
  } catch {
    log.warn('paused providers unknown (no client in this context): routing uses the notices only');
    return [];
  }
  try {
    return (await pausedProviders(client, queue)).map((p) => p.provider);
  } catch (err) {
    log.warn('paused providers unknown: routing uses the notices only', {
      error: err instanceof Error ? err.name : 'unknown',
    });
    return [];
  }
}
