import type { AuditEvent } from '../../../workflows/shared/activities';

export type { AuditEvent };

export interface AuditPort {
  append(event: AuditEvent): Promise<{ appended: boolean }>;
  list(stream: string): Promise<AuditEvent[]>;
  /** Whether an event with this ID was appended to the stream (webhook dedupe, look-ups by key). */
  get(stream: string, eventId: string): Promise<AuditEvent | undefined>;
}
