import { proxyActivities } from '@temporalio/workflow';
import { ActivityPresets } from './activity-options';

/** A domain event for other systems; `dedupeKey` lets consumers drop the repeats at-least-once delivery allows. */
export interface PublishEventInput {
  type: string;
  dedupeKey: string;
  data: Record<string, unknown>;
}

/** An append-only record kept outside workflow history (who did what, when, under which policy). */
export interface AuditEvent {
  /** Stream the event belongs to, e.g. `approval:<workflowId>` or `order:<orderId>`. */
  stream: string;
  /** Unique per stream; appending the same ID twice keeps the first (idempotent). */
  eventId: string;
  at: string;
  type: string;
  data: Record<string, unknown>;
}

/** Activities every domain may declare in its own contract (same wire names, one implementation). */
export interface SharedActivities {
  publishEvent(input: PublishEventInput): Promise<{ messageId: string }>;
  appendAudit(event: AuditEvent): Promise<{ appended: boolean }>;
}

/**
 * A domain's activity proxies, one per preset, typed against that domain's own activity interface (declared in its
 * `contract.ts`). Proxies are lazy: declaring them issues no command.
 */
export function activityProxies<A extends object>() {
  return {
    lookup: proxyActivities<A>(ActivityPresets.lookup),
    books: proxyActivities<A>(ActivityPresets.bookkeeping),
    mustBook: proxyActivities<A>(ActivityPresets.mustBook),
    money: proxyActivities<A>(ActivityPresets.moneyMovement),
    poll: proxyActivities<A>(ActivityPresets.statusPoll),
    notify: proxyActivities<A>(ActivityPresets.notification),
  };
}
