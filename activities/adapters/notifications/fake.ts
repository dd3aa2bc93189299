import type { NotificationsPort } from './port';

/** In-memory notifications for unit tests. */
export function createFakeNotifications() {
  const emails: Array<{ to: string; subject: string; body: string }> = [];
  const events: Array<{ type: string; dedupeKey: string; data: Record<string, unknown> }> = [];
  const port = {
    async sendEmail(input) {
      emails.push(input);
      return { messageId: `email-${emails.length}` };
    },
    async publishEvent(input) {
      events.push(input);
      return { messageId: `event-${events.length}` };
    },
  } satisfies NotificationsPort;
  return { ...port, emails, events };
}
