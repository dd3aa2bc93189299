import type { AuditPort } from '../activities/adapters/audit/port';
import type { NotificationsPort } from '../activities/adapters/notifications/port';

/**
 * An event no workflow will act on, kept for ops: written to the audit store (stream per reason, one record per
 * event, idempotent by `eventId`) and published as a domain event (deduped by stream + event ID). Both happen before
 * the provider gets its 200; if either fails the ingress answers 503 and the provider delivers again.
 */
export interface ParkedEvent {
  /** e.g. `late-rail-events`, `connected-account-events`. */
  stream: string;
  eventId: string;
  /** The domain event type ops subscribe to, e.g. `payout.late_event`. */
  type: string;
  data: Record<string, unknown>;
}

/** What parking needs: the audit store and the domain-event publisher. */
export interface ParkingDeps {
  audit: AuditPort;
  notifications: Pick<NotificationsPort, 'publishEvent'>;
}

export async function parkForOps(deps: ParkingDeps, p: ParkedEvent): Promise<void> {
  await deps.audit.append({
    stream: p.stream,
    eventId: p.eventId,
    at: new Date().toISOString(),
    type: p.type,
    data: p.data,
  });
  await deps.notifications.publishEvent({ type: p.type, dedupeKey: `${p.stream}:${p.eventId}`, data: p.data });
}
