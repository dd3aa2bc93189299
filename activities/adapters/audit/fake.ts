import type { AuditEvent, AuditPort } from './port';

/** In-memory append-only audit trail for unit tests. */
export function createFakeAudit() {
  const events: AuditEvent[] = [];
  const port = {
    async append(event: AuditEvent) {
      if (events.some((e) => e.stream === event.stream && e.eventId === event.eventId)) return { appended: false };
      events.push(event);
      return { appended: true };
    },
    async get(stream: string, eventId: string) {
      return events.find((e) => e.stream === stream && e.eventId === eventId);
    },
    async list(stream: string) {
      return events.filter((e) => e.stream === stream);
    },
  } satisfies AuditPort;
  return { ...port, events };
}
