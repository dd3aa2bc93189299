import type { Currency } from '../shared/money';

/**
 * The payout router's vocabulary: provider IDs, the facts a routing decision reads, the decision it records, and the
 * evidence a failover needs. Workflow-safe (types and constants only): the payout workflow, the activities that
 * gather evidence and the ops tools all speak it.
 */

/** The PSPs a payout can be routed to. The bank is a rail, not a routing choice (see {@link FailoverEvidence}). */
export const PROVIDER_IDS = ['stripe', 'adyen'] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];

/** Every routing table ever published (workflows/routing/table.ts); a decision records the one it was taken under. */
export const ROUTING_TABLE_VERSIONS = ['2026-12.1', '2027-01.1'] as const;
export type RoutingTableVersion = (typeof ROUTING_TABLE_VERSIONS)[number];

/**
 * What a provider answer means for the payout, per provider and code (the table's `errorMap`). An unknown code is
 * `ambiguous`: the provider may have committed, so only a look-up at the same provider (or a fence) can end it.
 * - `definitive_refusal`: refused before any money moved (e.g. not enough balance): another provider may be tried.
 * - `destination_refusal`: refused because of the creator's account there; nothing moved, but the creator must fix
 *   their details (another provider pays another account of theirs only if the ops decide so).
 * - `retryable`: nothing moved and the same provider will take it later (rate limits): pace, never fail over.
 * - `ambiguous`: may have moved: retry with the same idempotency key at the same provider, or fence it.
 * - `stop`: our request was wrong (validation): nothing moved; retrying anywhere repeats the mistake.
 */
export const CODE_DECISIONS = ['definitive_refusal', 'destination_refusal', 'retryable', 'ambiguous', 'stop'] as const;
export type CodeDecision = (typeof CODE_DECISIONS)[number];

/**
 * Transport outcomes every provider shares. They are never definitive whatever a table says (publishing refuses a
 * map that calls them anything but `ambiguous`, or `retryable` for `rate_limited`): a 5xx or a timeout on a POST may
 * follow a commit.
 */
export const TRANSPORT_CODES = ['http_5xx', 'timeout', 'connection', 'rate_limited', 'in_flight'] as const;
export type TransportCode = (typeof TRANSPORT_CODES)[number];

/** The payout facts a decision reads. `country` is the creator's (ISO 3166-1 alpha-2, any case). */
export interface PayoutRouteFacts {
  amountMinor: number;
  currency: Currency;
  country: string;
}

/** What the workflow knows besides the payout: paused providers and where the creator holds a destination. */
export interface RouteContext {
  /** Providers ops paused (incident pause): ineligible for new decisions. */
  paused: readonly ProviderId[];
  /** Providers the creator holds a destination at (a connected account at Stripe, a balance account at Adyen). */
  destinations: readonly ProviderId[];
}

/** Why a provider was passed over, kept in the decision so the audit trail explains the choice. */
export type SkipReason = 'paused' | 'no_destination' | 'currency' | 'country' | 'amount';

export interface RoutedPayout {
  kind: 'routed';
  provider: ProviderId;
  /** The rule that ordered the candidates, or `fallback` when none matched. */
  ruleId: string;
  tableVersion: RoutingTableVersion;
  /** The eligible providers after `provider`, in order, at most `maxProvidersPerPayout - 1`. */
  fallbacks: ProviderId[];
  skipped: Array<{ provider: ProviderId; why: SkipReason }>;
}

export interface UnroutablePayout {
  kind: 'unroutable';
  ruleId: string;
  tableVersion: RoutingTableVersion;
  skipped: Array<{ provider: ProviderId; why: SkipReason }>;
}

export type RoutingDecision = RoutedPayout | UnroutablePayout;

/**
 * What the workflow holds when it considers leaving a provider. Evidence is what the provider said or what Temporal
 * proves, never an inference from silence.
 */
export type FailoverEvidence =
  | {
      kind: 'refusal';
      rail: 'psp' | 'bank';
      provider: ProviderId;
      /** The provider's own code (Stripe `error.code`, Adyen `reason` or `errorCode`). */
      code: string;
      /** The provider's request ID (Stripe `Request-Id`, Adyen `requestId` or the refused transfer's `id`). */
      requestId: string;
    }
  | {
      kind: 'transport';
      rail: 'psp' | 'bank';
      provider: ProviderId;
      code: TransportCode;
    }
  | {
      /** Temporal proves the provider was never called: every attempt was scheduled on the paused queue, none started. */
      kind: 'fence_never_started';
      rail: 'psp' | 'bank';
      provider: ProviderId;
      activityId: string;
      /** The activity's history ends Scheduled → CancelRequested → Canceled with no Started event. */
      cancelledWithoutStart: boolean;
    }
  | {
      /** An attempt did start: it is cancelled (and its cancellation completed), then a look-up after the horizon. */
      kind: 'fence_lookup';
      rail: 'psp' | 'bank';
      provider: ProviderId;
      activityId: string;
      /** No attempt is still running: the cancellation completed (WAIT_CANCELLATION_COMPLETED). */
      attemptsEnded: boolean;
      /** When the last attempt that reached the provider started (workflow time, epoch ms). */
      lastAttemptStartedAt: number;
      /** When the look-up ran (workflow time, epoch ms) and what it found by the payout's reference. */
      lookupAt: number;
      found: boolean;
      /** The look-up's own request ID at the provider. */
      lookupRequestId: string;
    };

/** Why a failover is allowed, recorded with the evidence before the next provider is called. */
export type FailoverBasis = 'definitive_refusal' | 'fenced_never_started' | 'fenced_lookup_absent';

/** Why it is not. */
export type NoFailover =
  | 'bank_rail'
  | 'missing_code_or_request_id'
  | 'ambiguous_code'
  | 'retryable_code'
  | 'destination_refusal'
  | 'stop_code'
  | 'transport_outcome'
  | 'never_started_unproven'
  | 'attempt_running'
  | 'fence_horizon_not_reached'
  | 'found_at_provider';

export type FailoverVerdict =
  | { allowed: true; basis: FailoverBasis; decision?: CodeDecision }
  | { allowed: false; why: NoFailover; decision?: CodeDecision };
