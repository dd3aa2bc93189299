import type { ParkingDeps } from './parking';

/** What a webhook turns into: a signal to one workflow, optionally starting it (signalWithStart). */
export interface Delivery {
  workflowId: string;
  signal: string;
  signalArgs: [unknown];
  /**
   * When present, the workflow is started if it is not running (signalWithStart). `rejectDuplicate`: never start
   * the workflow ID again once a run of it has closed; the event is parked for ops instead (like a signal to a closed
   * workflow).
   */
  start?: { workflowType: string; args: [unknown]; taskQueue?: string; rejectDuplicate?: boolean };
  /**
   * Who owns the event when the workflow has closed (besides the parked record): a signalWithStart of another workflow,
   * e.g. a late bank return's reconciliation break (`workflows/recon-breaks/late-events.ts`). Idempotent: the same
   * event names the same workflow and the same observation.
   */
  onClosed?: { workflowType: string; workflowId: string; args: [unknown]; signal: string; signalArgs: [unknown] };
}

/** A verified provider event, reduced to what routing needs. */
export interface VerifiedEvent {
  source: 'psp' | 'bank';
  eventId: string;
  type: string;
  payload: unknown;
}

/**
 * What routes may use: the audit store to find the workflow an event belongs to (e.g. a bank EndToEndId → payout
 * workflow ID), and `parkForOps` (parking.ts) with both ports for events that concern no workflow but must not be lost.
 */
export type RouteDeps = ParkingDeps;

/** A domain's webhook routing: the deliveries for an event, or [] when the event is not its concern. */
export type WebhookRoute = (event: VerifiedEvent, deps: RouteDeps) => Promise<Delivery[]> | Delivery[];
