import type { FailoverEvidence, NoFailover, ProviderId, RoutedPayout } from './contract';
import { mayFailOver } from './failover';
import { classifyCode } from './route';
import type { RoutingTable } from './table';

/**
 * The failover state machine of one payout attempt, as a pure reducer: the payout workflow (phase 2) feeds it what
 * its activities and timers report and acts on the state it gets back. Pure and deterministic (replay-safe), so the
 * rule "another provider only on proof, and the proof recorded first" is checked here once, not at each call site.
 *
 *   sending(P) ──paid/pending──► confirming(P)                          (today's confirmation steps)
 *   sending(P) ──refused: definitive──► switching(P→Q, evidence) ──recorded──► sending(Q)
 *   sending(P) ──refused: destination──► awaiting_new_details(P)
 *   sending(P) ──refused: stop──► not_payable(P)
 *   sending(P) ──retryable (429)──► sending(P)                          (pace; never fail over)
 *   sending(P) ──ambiguous (5xx, timeout, unknown code)──► ambiguous(P)
 *   ambiguous(P) ──answer at P──► (as from sending)
 *   sending(P) or ambiguous(P) ──budget over / P paused──► fencing(P)   (psp rail only; the bank parks)
 *   fencing(P) ──fence proof allowed──► switching(P→Q) ;  ──found at P──► confirming(P) ;  ──not yet──► fencing(P)
 *   any switch with no next provider ──► exhausted(P)                    (park for ops; never loop back)
 */

export type FailoverState =
  | { at: 'sending'; provider: ProviderId; tried: ProviderId[] }
  | { at: 'confirming'; provider: ProviderId; tried: ProviderId[] }
  | { at: 'ambiguous'; provider: ProviderId; tried: ProviderId[]; since: number }
  | { at: 'fencing'; provider: ProviderId; tried: ProviderId[]; since: number; lastRefusal?: NoFailover }
  | { at: 'switching'; provider: ProviderId; to: ProviderId; tried: ProviderId[]; evidence: FailoverEvidence }
  | { at: 'awaiting_new_details'; provider: ProviderId; tried: ProviderId[]; code: string }
  | { at: 'not_payable'; provider: ProviderId; tried: ProviderId[]; code: string }
  | { at: 'exhausted'; provider: ProviderId; tried: ProviderId[]; evidence: FailoverEvidence }
  /** The bank rail (or a provider that can be neither answered nor fenced): ops decide. */
  | { at: 'parked'; provider: ProviderId; tried: ProviderId[]; since: number };

export type FailoverEvent =
  | { type: 'accepted'; status: 'paid' | 'pending' }
  | { type: 'refused'; code: string; requestId: string; at: number }
  | { type: 'transport'; code: 'http_5xx' | 'timeout' | 'connection' | 'rate_limited' | 'in_flight'; at: number }
  /** The failover budget ran out at P, or ops paused P's queue: start fencing (psp) or park (bank). */
  | { type: 'budget_over'; at: number }
  | { type: 'fence'; evidence: Extract<FailoverEvidence, { kind: 'fence_never_started' | 'fence_lookup' }> }
  /** The switch's evidence is in the audit stream: only now may the next provider be called. */
  | { type: 'evidence_recorded' };

/** The first state of an attempt routed by `decision`. */
export function startFailover(decision: RoutedPayout): FailoverState {
  return { at: 'sending', provider: decision.provider, tried: [decision.provider] };
}

/** The provider a switch from `s` would go to: none when the chain or the table's limit is used up. */
export function nextProvider(
  table: RoutingTable,
  chain: readonly ProviderId[],
  s: FailoverState,
): ProviderId | undefined {
  return s.tried.length < table.maxProvidersPerPayout ? chain.find((id) => !s.tried.includes(id)) : undefined;
}

/**
 * The next state. `chain` is the decision's `[provider, ...fallbacks]`; `rail` is the attempt's rail. An event that
 * does not apply in a state leaves it unchanged (a late answer after a switch changes nothing here: reconciliation
 * owns a late success at A).
 */
export function nextFailoverState(
  table: RoutingTable,
  chain: readonly ProviderId[],
  rail: 'psp' | 'bank',
  s: FailoverState,
  e: FailoverEvent,
): FailoverState {
  const switchOrExhaust = (evidence: FailoverEvidence): FailoverState => {
    const to = nextProvider(table, chain, s);
    return to === undefined
      ? { at: 'exhausted', provider: s.provider, tried: s.tried, evidence }
      : { at: 'switching', provider: s.provider, to, tried: s.tried, evidence };
  };

  if (s.at === 'sending' || s.at === 'ambiguous') {
    if (e.type === 'accepted') return { at: 'confirming', provider: s.provider, tried: s.tried };
    if (e.type === 'refused') {
      const evidence: FailoverEvidence = {
        kind: 'refusal',
        rail,
        provider: s.provider,
        code: e.code,
        requestId: e.requestId,
      };
      if (mayFailOver(evidence, table).allowed) return switchOrExhaust(evidence);
      switch (classifyCode(table, s.provider, e.code)) {
        case 'destination_refusal':
          return { at: 'awaiting_new_details', provider: s.provider, tried: s.tried, code: e.code };
        case 'stop':
          return { at: 'not_payable', provider: s.provider, tried: s.tried, code: e.code };
        case 'retryable':
          return s;
        default:
          // Ambiguous, or a definitive code without a request ID (or on the bank rail): the provider must decide.
          return s.at === 'ambiguous' ? s : { at: 'ambiguous', provider: s.provider, tried: s.tried, since: e.at };
      }
    }
    if (e.type === 'transport') {
      if (e.code === 'rate_limited') return s;
      return s.at === 'ambiguous' ? s : { at: 'ambiguous', provider: s.provider, tried: s.tried, since: e.at };
    }
    // Unanswered (sending: e.g. scheduled on a paused queue) or ambiguous past the budget.
    if (e.type === 'budget_over')
      return rail === 'bank'
        ? { at: 'parked', provider: s.provider, tried: s.tried, since: e.at }
        : { at: 'fencing', provider: s.provider, tried: s.tried, since: e.at };
    return s;
  }
  if (s.at === 'fencing') {
    if (e.type === 'accepted') return { at: 'confirming', provider: s.provider, tried: s.tried };
    if (e.type !== 'fence' || e.evidence.provider !== s.provider) return s;
    const verdict = mayFailOver(e.evidence, table);
    if (verdict.allowed) return switchOrExhaust(e.evidence);
    // Found at P: follow it (its confirmation steps), never another provider.
    if (verdict.why === 'found_at_provider') return { at: 'confirming', provider: s.provider, tried: s.tried };
    if (verdict.why === 'bank_rail') return { at: 'parked', provider: s.provider, tried: s.tried, since: s.since };
    return { ...s, lastRefusal: verdict.why };
  }
  if (s.at === 'switching' && e.type === 'evidence_recorded')
    return { at: 'sending', provider: s.to, tried: [...s.tried, s.to] };
  return s;
}
