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
 * Undefined when it cannot be known (no client in this context, the server's answer failed): the payout then routes
 * with what the notices told it. That is safe, not silent: a paused provider's queue still dispatches nothing, so a
 * payout routed there is fenced after the failover budget and moves on only on proof.
 */
export async function pausedAtServer(): Promise<ProviderId[] | undefined> {
  let client: Client;
  let queue: string;
  try {
    const ctx = Context.current();
    client = ctx.client;
    queue = ctx.info.taskQueue;
  } catch {
    return undefined;
  }
  try {
    return (await pausedProviders(client, queue)).map((p) => p.provider);
  } catch (err) {
    log.warn('paused providers unknown: routing uses the notices only', {
      error: err instanceof Error ? err.name : 'unknown',
    });
    return undefined;
  }
}
