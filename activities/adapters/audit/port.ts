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

export interface AuditPort {
  append(event: AuditEvent): Promise<{ appended: boolean }>;
  list(stream: string): Promise<AuditEvent[]>;
  /** Whether an event with this ID was appended to the stream (webhook dedupe, look-ups by key). */
  get(stream: string, eventId: string): Promise<AuditEvent | undefined>;
}
