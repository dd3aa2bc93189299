/** What a webhook turns into: a signal to one workflow, optionally starting it (signalWithStart). */
export interface Delivery {
  workflowId: string;
  signal: string;
  signalArgs: [unknown];
  /** When present, the workflow is started if it is not running (signalWithStart). */
  start?: { workflowType: string; args: [unknown]; taskQueue?: string };
}

/** A verified provider event, reduced to what routing needs. */
export interface VerifiedEvent {
  source: 'psp' | 'bank';
  eventId: string;
  type: string;
  payload: unknown;
}

/** A domain's webhook routing: returns the deliveries for an event, or [] when the event is not its concern. */
export type WebhookRoute = (event: VerifiedEvent) => Delivery[];
