import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { log, setHandler } from '@temporalio/workflow';
import { pspIncidentSchema, pspIncidentSignal, type PspIncidentNotice } from '../shared/ops-notices';
import { describeZodError } from '../shared/parse';
import { overlayPairs, Retrying } from '../shared/retrying';
import { SA } from '../shared/search-attributes';
import type { PayoutStatus } from './contract';
import type { ProviderId } from '../routing/contract';

/** While a payout is in one of these states on the PSP rail it waits on the PSP (sending, or polling the transfer). */
const WAITING_ON_PSP = new Set<PayoutStatus['state']>(['initiating', 'awaiting_confirmation']);

/** A payout waits on the PSP: its transfer is being sent there, or polled there. */
export function waitsOnPsp(s: PayoutStatus): boolean {
  // The incident pause holds Stripe's queue (`-psp`): a payout routed to another provider does not wait on it.
  return s.rail === 'psp' && (s.provider ?? 'stripe') === 'stripe' && WAITING_ON_PSP.has(s.state);
}

/**
 * What the platform told a payout about its own I/O, and how that shows: an activity retrying past the threshold
 * (the shared {@link Retrying}) and a PSP incident pause (`pspIncident`, sent by ops' pause command). The pause shows
 * only while the payout waits on the PSP: `AwaitingActor = psp`, `LastErrorCode = psp_incident` and a details line;
 * a payout doing anything else keeps the notice silently (it shows if the payout reaches the PSP during the incident).
 */
export class PayoutNotices {
  readonly retrying: Retrying;
  private incident: PspIncidentNotice | undefined;

  constructor(private readonly status: () => PayoutStatus) {
    this.retrying = new Retrying(() => status().state);
  }

  /** Registers the notice signals; `publish` shows a change (a pause that does not show publishes nothing). */
  register(publish: () => void): void {
    this.retrying.register(publish);
    setHandler(pspIncidentSignal, (raw) => {
      const parsed = pspIncidentSchema.safeParse(raw);
      if (!parsed.success) {
        log.warn('ignored invalid pspIncident notice', { issues: describeZodError(parsed.error) });
        return;
      }
      const before = this.paused()?.incidentId;
      this.incident = parsed.data.incidentId === null ? undefined : parsed.data;
      if (this.paused()?.incidentId !== before) publish();
    });
  }

  /** The incident that holds this payout now (undefined unless it waits on the PSP). */
  paused(): PspIncidentNotice | undefined {
    return this.incident && waitsOnPsp(this.status()) ? this.incident : undefined;
  }

  /**
   * The providers a new routing decision must pass over: during a PSP incident pause, Stripe (the pause holds the
   * `-psp` queue, Stripe's). A pause naming another provider is not known to this notice yet (its schema has no
   * provider): until it has one, only Stripe can be paused from here.
   */
  pausedProviders(): ProviderId[] {
    return this.incident ? ['stripe'] : [];
  }

  /** The payout's search attributes with the notices on top (a pause names the PSP and its code last). */
  searchAttributes(pairs: SearchAttributeUpdatePair[]): SearchAttributeUpdatePair[] {
    const shown = this.retrying.overlay(pairs);
    if (!this.paused()) return shown;
    return overlayPairs(shown, [
      { key: SA.AwaitingActor, value: 'psp' },
      { key: SA.LastErrorCode, value: 'psp_incident' },
    ]);
  }

  /** Current-details lines: the pause first, then what retries. */
  lines(): string[] {
    const p = this.paused();
    return [...(p ? [`paused: PSP incident ${p.incidentId} since ${p.at}`] : []), ...this.retrying.lines()];
  }
}
