import { patched } from '@temporalio/workflow';
import { mayFailOver } from '../routing/failover';
import { nextFailoverState, startFailover, type FailoverState } from '../routing/failover-machine';
import { routePayout } from '../routing/route';
import { routingTableFor, routingTableVersionAt } from '../routing/table';
import type { FailoverEvidence, ProviderId, RoutedPayout, RoutingDecision } from '../routing/contract';
import { PROVIDER_IDS } from '../routing/contract';
import { activityProxies } from '../shared/activities';
import type { AuditEvent } from '../shared/activities';
import { typedFailure } from '../shared/failures';
import type { Money } from '../shared/money';
import { payoutAuditStream, type PayoutActivities, type PayoutProfile } from './contract';
import { initiationKey } from './policy';
import { fixDestination, type Sent } from './rail';
import type { Payout } from './state';

/**
 * A PSP payout routed by the published table (issue 25), since {@link ROUTING_PATCH}: the pure `routePayout` picks
 * the provider under the table version in effect, the decision goes to the payout's audit trail (riding on the
 * destination fix, no activity of its own) and timeline, and the failover machine (`workflows/routing`) decides
 * whether a refusal lets the payout leave the provider. It leaves only on proof, a definitive refusal with the
 * provider's code and request ID, and the proof is written to the audit stream before the next provider is called.
 * An ambiguous outcome (5xx, timeout, an unknown code) never leaves: it is retried with the same key at the same
 * provider, then looked up there, then parks for ops (the caller's `sendOnce`), exactly as a Stripe-era payout.
 */

/** The patch that routes new PSP payouts; histories from before pay through Stripe as they did. */
export const ROUTING_PATCH = 'payout-routing';

/** Audit event types of routing (the payout's audit stream, `payout:<workflowId>`). */
export const ROUTING_AUDIT = {
  decided: 'payout.routing.decided',
  unroutable: 'payout.routing.unroutable',
  failover: 'payout.routing.failover',
} as const;

const { books } = activityProxies<PayoutActivities>();

/** Whether this payout routes (PSP rail, new payouts only). Call once, where the destination is fixed. */
export function routes(rail: 'psp' | 'bank'): boolean {
  return rail === 'psp' && patched(ROUTING_PATCH);
}

/** What the caller does around each provider's send: stop for a hold or stop request, and send once (parks if unknown). */
export interface RoutedSend {
  /** Before any provider is asked (first, and again before a failover): holds stop here, stops throw. */
  beforeSend(): Promise<void>;
  /** One initiation at the payout's current provider with its key and fixed destination (ambiguous → look-up → ops). */
  sendOnce(key: string, destinationId: string): Promise<Sent>;
  /** Parked for ops (no provider can pay): waits for a wake-up (stops throw), then the method as the directory says. */
  wokenMethod(summary: string): Promise<NonNullable<PayoutProfile['payoutMethod']> | undefined>;
}

/**
 * Routes the attempt, then sends at the chosen provider, failing over on proof. Returns what the provider that took
 * the transfer said; a refusal that allows no failover (or leaves no provider) fails as a Stripe-era refusal did.
 */
export async function payRouted(
  p: Payout,
  method: NonNullable<PayoutProfile['payoutMethod']>,
  amount: Money,
  io: RoutedSend,
): Promise<Sent> {
  const decision = await routeOrPark(p, method, amount, io);
  const table = routingTableFor(decision.tableVersion);
  const chain: ProviderId[] = [decision.provider, ...decision.fallbacks];
  let s: FailoverState = startFailover(decision);
  let audit: AuditEvent | undefined = auditOf(p, `routing-${p.attempt}`, ROUTING_AUDIT.decided, {
    ...decisionData(decision),
    amountMinor: amount.amountMinor,
    currency: amount.currency,
  });
  for (;;) {
    const provider = s.provider;
    const key = initiationKey(p.workflowId, p.attempt, provider);
    const destinationId = await fixDestination(p, 'psp', key, { provider, audit });
    audit = undefined;
    await io.beforeSend();
    p.initiating('psp');
    try {
      return await io.sendOnce(key, destinationId);
    } catch (err) {
      const evidence = refusalEvidence(err, provider);
      if (!evidence) throw err;
      s = nextFailoverState(table, chain, 'psp', s, {
        type: 'refused',
        code: evidence.code,
        requestId: evidence.requestId,
        at: Date.now(),
      });
      if (s.at !== 'switching') throw err;
      const verdict = mayFailOver(evidence, table);
      // The proof first: nothing is sent to the next provider before the audit store holds it.
      await books.appendAudit(
        auditOf(p, `failover-${p.attempt}-${provider}`, ROUTING_AUDIT.failover, {
          from: provider,
          to: s.to,
          basis: verdict.allowed ? verdict.basis : 'none',
          evidence: { ...evidence },
          tableVersion: table.version,
        }),
      );
      const to = s.to;
      s = nextFailoverState(table, chain, 'psp', s, { type: 'evidence_recorded' });
      p.switchedTo(provider, to, `${evidence.code} (request ${evidence.requestId})`);
    }
  }
}

/**
 * The decision under the table in effect now; when no provider can pay it (none eligible: paused, no destination,
 * currency, country, limit), the payout parks for ops with the decision audited and routes again when woken (the
 * creator may have added a destination, a pause may have ended).
 */
async function routeOrPark(
  p: Payout,
  method: NonNullable<PayoutProfile['payoutMethod']>,
  amount: Money,
  io: RoutedSend,
): Promise<RoutedPayout> {
  for (let tries = 1; ; tries++) {
    const version = routingTableVersionAt(Date.now());
    const decision: RoutingDecision = routePayout(
      routingTableFor(version),
      { amountMinor: amount.amountMinor, currency: amount.currency, country: method.country },
      { paused: p.notices.pausedProviders(), destinations: destinationsOf(method) },
    );
    if (decision.kind === 'routed') {
      p.routed(decision);
      return decision;
    }
    await books.appendAudit(
      auditOf(p, `unroutable-${p.attempt}-${tries}`, ROUTING_AUDIT.unroutable, decisionData(decision)),
    );
    const why = decision.skipped.map((x) => `${x.provider} (${x.why})`).join(', ');
    p.parkForOps(
      'unroutable',
      `no provider can pay this payout under table ${version}: ${why}; wake it to route again`,
    );
    method = (await io.wokenMethod('ops: no provider can pay')) ?? method;
  }
}

/** Providers the creator holds a destination at; a profile without the list (an older worker) means Stripe only. */
function destinationsOf(method: NonNullable<PayoutProfile['payoutMethod']>): ProviderId[] {
  return method.providers ?? ['stripe'];
}

function decisionData(d: RoutingDecision): Record<string, unknown> {
  return {
    kind: d.kind,
    ...(d.kind === 'routed' ? { provider: d.provider, fallbacks: d.fallbacks } : {}),
    ruleId: d.ruleId,
    tableVersion: d.tableVersion,
    skipped: d.skipped,
  };
}

function auditOf(p: Payout, eventId: string, type: string, data: Record<string, unknown>): AuditEvent {
  return {
    stream: payoutAuditStream(p.workflowId),
    eventId,
    at: new Date().toISOString(),
    type,
    data: { ...data, attempt: p.attempt, state: p.state },
  };
}

/**
 * The refusal a failed send carries, as evidence for `mayFailOver`: the provider's code and request ID from the typed
 * failure's details (the adapters put them there). Anything else (an untyped failure, another provider's details, no
 * code) is no evidence: the payout does not leave the provider.
 */
export function refusalEvidence(
  err: unknown,
  provider: ProviderId,
): Extract<FailoverEvidence, { kind: 'refusal' }> | undefined {
  const typed = typedFailure(err);
  const d = typed?.details?.[0] as { provider?: unknown; code?: unknown; requestId?: unknown } | undefined;
  if (!d || typeof d.code !== 'string' || typeof d.requestId !== 'string') return undefined;
  if (!(PROVIDER_IDS as readonly unknown[]).includes(d.provider) || d.provider !== provider) return undefined;
  return { kind: 'refusal', rail: 'psp', provider, code: d.code, requestId: d.requestId };
}
