import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { log, setHandler } from '@temporalio/workflow';
import {
  pspIncidentProvider,
  pspIncidentSchema,
  pspIncidentSignal,
  type PspIncidentNotice,
} from '../shared/ops-notices';
import { describeZodError } from '../shared/parse';
import { overlayPairs, Retrying } from '../shared/retrying';
import { SA } from '../shared/search-attributes';
import type { PayoutStatus } from './contract';
import { PROVIDER_IDS, type ProviderId } from '../routing/contract';

/** While a payout is in one of these states on the PSP rail it waits on the PSP (sending, or polling the transfer). */
const WAITING_ON_PSP = new Set<PayoutStatus['state']>(['initiating', 'awaiting_confirmation']);

/** The provider a payout waits on (its transfer is being sent there, or polled there), or undefined. */
export function waitsOnProvider(s: PayoutStatus): ProviderId | undefined {
  return s.rail === 'psp' && WAITING_ON_PSP.has(s.state) ? (s.provider ?? 'stripe') : undefined;
}

/** A payout waits on Stripe (the PSP of every payout from before routing). */
export function waitsOnPsp(s: PayoutStatus): boolean {
  return waitsOnProvider(s) === 'stripe';
}

/**
 * What the platform told a payout about its own I/O, and how that shows: an activity retrying past the threshold
 * (the shared {@link Retrying}) and a PSP incident pause (`pspIncident`, sent by ops' pause command, per provider since
 * issue 25: {@link pspIncidentProvider}, a notice without a provider was Stripe's). A pause shows only while the payout
 * waits on the paused provider: `AwaitingActor = psp`, `LastErrorCode = psp_incident` and a details line; a payout doing
 * anything else keeps the notice silently (it shows if the payout reaches that provider during the incident).
 *
 * A pause also makes its provider ineligible for the payout's next routing decision ({@link routingPaused}), with
 * what the server said when the payout last read its profile: a notice reaches only payouts already at that
 * provider's `Rail`, so a payout started (or not yet routed) before the pause learns it from the server's queue.
 */
export class PayoutNotices {
  readonly retrying: Retrying;
  /** The incident each provider is paused by, as the notices said (a resume deletes it). */
  private readonly incidents = new Map<ProviderId, PspIncidentNotice>();
  /** The last notice of any provider: what routing knew before the server's read existed (see `routingPaused`). */
  private lastNotice: PspIncidentNotice | undefined;
  /** The providers paused at the server at the last profile read, minus those a notice resumed since. */
  private pausedAtRead: Set<ProviderId> | undefined;

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
      const n = parsed.data;
      const provider = pspIncidentProvider(n);
      this.lastNotice = n.incidentId === null ? undefined : n;
      if (n.incidentId === null) {
        this.incidents.delete(provider);
        this.pausedAtRead?.delete(provider);
      } else this.incidents.set(provider, n);
      if (this.paused()?.incidentId !== before) publish();
    });
  }

  /** The incident that holds this payout now (undefined unless it waits on the paused provider). */
  paused(): PspIncidentNotice | undefined {
    const at = waitsOnProvider(this.status());
    return at ? this.incidents.get(at) : undefined;
  }

  /**
   * What the server said when the payout read its profile (`PayoutProfile.pausedProviders`); absent (a profile from
   * before, in a recorded history) it changes nothing, so such histories route as they did.
   */
  readAtServer(paused: readonly ProviderId[] | undefined): void {
    if (paused) this.pausedAtRead = new Set(paused);
  }

  /**
   * The providers a new routing decision must pass over: those paused at the server at the last profile read and
   * those a notice paused since (a notice's resume clears both). Before the read existed (a recorded history without
   * it), what routing knew then: any pause notice counted as Stripe's.
   */
  routingPaused(): ProviderId[] {
    if (!this.pausedAtRead) return this.lastNotice ? ['stripe'] : [];
    const all = new Set<ProviderId>([...this.pausedAtRead, ...this.incidents.keys()]);
    return PROVIDER_IDS.filter((p) => all.has(p));
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
    const who = p && pspIncidentProvider(p) !== 'stripe' ? ` (${pspIncidentProvider(p)})` : '';
    return [...(p ? [`paused: PSP incident ${p.incidentId}${who} since ${p.at}`] : []), ...this.retrying.lines()];
  }
}
