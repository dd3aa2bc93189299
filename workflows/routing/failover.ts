import type { FailoverEvidence, FailoverVerdict } from './contract';
import { classifyCode } from './route';
import type { RoutingTable } from './table';

/**
 * May the payout leave this provider for the next one? Only on proof that the provider did not and will not pay:
 * - a definitive refusal: the provider's code, mapped `definitive_refusal` by the table, with its request ID;
 * - a fence, never started: every attempt sat on the provider's paused queue and was cancelled without a Started
 *   event (Temporal's history proves the provider was never called);
 * - a fence by look-up: no attempt is running any more (cancellation completed), the fence horizon has passed since
 *   the last attempt that started, and a look-up by the payout's reference found nothing.
 * Never on a 5xx, a timeout, a connection loss, a rate limit, an in-flight duplicate or an unknown code (they may
 * follow a commit; the provider decides, with the same idempotency key, or ops fence it), never on a destination
 * refusal (the creator fixes their details), and never on the bank rail (a bank may execute a payment it has not
 * answered for days; only a rejection or a return ends it, and those are handled as the bank rail's own outcomes).
 *
 * Pure and deterministic: the workflow calls it with workflow time already in the evidence, and writes the evidence
 * with the verdict to the audit stream before it schedules anything at the next provider.
 */
export function mayFailOver(evidence: FailoverEvidence, table: RoutingTable): FailoverVerdict {
  if (evidence.rail === 'bank') return { allowed: false, why: 'bank_rail' };
  switch (evidence.kind) {
    case 'transport':
      return {
        allowed: false,
        why: 'transport_outcome',
        decision: classifyCode(table, evidence.provider, evidence.code),
      };
    case 'refusal': {
      if (!evidence.code.trim() || !evidence.requestId.trim())
        return { allowed: false, why: 'missing_code_or_request_id' };
      const decision = classifyCode(table, evidence.provider, evidence.code);
      switch (decision) {
        case 'definitive_refusal':
          return { allowed: true, basis: 'definitive_refusal', decision };
        case 'destination_refusal':
          return { allowed: false, why: 'destination_refusal', decision };
        case 'retryable':
          return { allowed: false, why: 'retryable_code', decision };
        case 'stop':
          return { allowed: false, why: 'stop_code', decision };
        case 'ambiguous':
          return { allowed: false, why: 'ambiguous_code', decision };
      }
      return { allowed: false, why: 'ambiguous_code' };
    }
    case 'fence_never_started':
      return evidence.cancelledWithoutStart && evidence.activityId.trim()
        ? { allowed: true, basis: 'fenced_never_started' }
        : { allowed: false, why: 'never_started_unproven' };
    case 'fence_lookup':
      if (!evidence.attemptsEnded) return { allowed: false, why: 'attempt_running' };
      if (evidence.lookupAt < evidence.lastAttemptStartedAt + table.failover.fenceHorizonMs)
        return { allowed: false, why: 'fence_horizon_not_reached' };
      if (evidence.found) return { allowed: false, why: 'found_at_provider' };
      if (!evidence.lookupRequestId.trim()) return { allowed: false, why: 'missing_code_or_request_id' };
      return { allowed: true, basis: 'fenced_lookup_absent' };
  }
}
