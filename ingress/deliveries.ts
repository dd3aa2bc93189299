import type { TransferSummary } from '../activities/adapters/adyen/port';
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
  /** `psp` is Stripe (its wire name from before the second PSP); `adyen` is Adyen's Balance Platform. */
  source: 'psp' | 'bank' | 'adyen';
  eventId: string;
  type: string;
  payload: unknown;
}

/**
 * What routes may use: the audit store to find the workflow an event belongs to (e.g. a bank EndToEndId → payout
 * workflow ID), `parkForOps` (parking.ts) with both ports for events that concern no workflow but must not be lost,
 * and the rails' look-ups a route must confirm an event with before it signals.
 */
export type RouteDeps = ParkingDeps & {
  /** Adyen's transfer look-up (the trust rule: an Adyen webhook is acted on only as the rail confirms it). */
  adyenRail?: AdyenRail;
};

/** A domain's webhook routing: the deliveries for an event, or [] when the event is not its concern. */
export type WebhookRoute = (event: VerifiedEvent, deps: RouteDeps) => Promise<Delivery[]> | Delivery[];

/** Adyen's transfer look-up by ID: the transfer as Adyen holds it now, or `not_found` when Adyen knows none by that ID. */
export interface AdyenRail {
  getTransfer(transferId: string): Promise<TransferSummary | 'not_found'>;
}
