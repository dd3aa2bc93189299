import type { PublishEventInput } from '../../../workflows/shared/activities';

/** Outbound notifications: email to a person, and domain events for other systems. */
export interface NotificationsPort {
  /** Sends an email; `to` is resolved by the caller from an internal ID and never logged. */
  sendEmail(input: { to: string; subject: string; body: string }): Promise<{ messageId: string }>;
  /** Publishes a domain event; `dedupeKey` lets consumers drop the repeats that at-least-once delivery allows. */
  publishEvent(input: PublishEventInput): Promise<{ messageId: string }>;
}
