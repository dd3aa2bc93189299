import { ActivityFailure, patched } from '@temporalio/workflow';
import { mayFailOver } from '../routing/failover';
import { nextFailoverState, nextProvider, startFailover, type FailoverState } from '../routing/failover-machine';
import { routePayout } from '../routing/route';
import { routingTableFor, routingTableVersionAt, type RoutingTable } from '../routing/table';
import type { FailoverEvidence, ProviderId, RoutedPayout, RoutingDecision } from '../routing/contract';
import { PROVIDER_IDS } from '../routing/contract';
import { activityProxies } from '../shared/activities';
import type { AuditEvent } from '../shared/activities';
import { typedFailure } from '../shared/failures';
import type { Money } from '../shared/money';
import { payoutAuditStream, type PayoutActivities, type PayoutProfile } from './contract';
import { initiationKey, moneyMayHaveMoved } from './policy';
import { findAtRail, fixDestination, type Sent } from './rail';
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

/**
 * The patch since which a fence is raised only where a switch can follow: the fence's "never started" check claims the
 * attempt's reference (no attempt may call the provider after it), so with no provider left the payout goes on under
 * its key at the same provider without one (the Stripe-era send: same key, look-up, ops).
 */
export const FENCE_CLAIM_PATCH = 'payout-fence-claim';

/** Audit event types of routing (the payout's audit stream, `payout:<workflowId>`). */
export const ROUTING_AUDIT = {
  decided: 'payout.routing.decided',
  unroutable: 'payout.routing.unroutable',
  failover: 'payout.routing.failover',
} as const;

const { books, lookup } = activityProxies<PayoutActivities>();

/** Whether this payout routes (PSP rail, new payouts only). Call once, where the destination is fixed. */
export function routes(rail: 'psp' | 'bank'): boolean {
  return rail === 'psp' && patched(ROUTING_PATCH);
}

/** What the caller does around each provider's send (the story's waits and its Stripe-era send live in `steps.ts`). */
export interface RoutedSend {
  /** Before any provider is asked (first, and again before a failover): holds stop here, stops throw. */
  beforeSend(): Promise<void>;
  /** One initiation call at the payout's current provider (its key, its fixed destination); no look-up, no park. */
  send(key: string, destinationId: string): Promise<Sent>;
  /** The Stripe-era send: the same key until the provider answers, a look-up, then ops (never another provider). */
  sendOnce(key: string, destinationId: string): Promise<Sent>;
  /** Waits until `untilMs` (a wake-up ends it early; stops throw). */
  waitUntil(untilMs: number, summary: string): Promise<void>;
  /**
   * Parked for ops (no provider can pay): waits for a wake-up (stops throw), then the
   * method as the directory says (the profile's read also refreshes which providers the server has paused).
   */
  wokenMethod(summary: string): Promise<NonNullable<PayoutProfile['payoutMethod']> | undefined>;
}

/**
 * Routes the attempt, then sends at the chosen provider, failing over on proof. Returns what the provider that took
 * the transfer said; a refusal that allows no failover (or leaves no provider) fails as a Stripe-era refusal did.
 * A provider that stays unanswered past the failover budget (a paused queue, an outage) is fenced: never asked at all
 * (proven by the activity's own record) or, when an attempt may have reached it, looked up after the fence horizon;
 * found, the payout follows it; absent, that is the proof to go on. Without proof it is the Stripe-era path.
 */
export async function payRouted(
  p: Payout,
  method: NonNullable<PayoutProfile['payoutMethod']>,
  amount: Money,
  io: RoutedSend,
): Promise<Sent> {
  const decision = await routeOrPark(p, method, amount, io);
  const table = withOverrides(routingTableFor(decision.tableVersion), p);
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
    let evidence: FailoverEvidence | undefined;
    p.sendBudgetMs = table.failover.budgetMs;
    try {
      return await io.send(key, destinationId);
    } catch (err) {
      const refusal = refusalEvidence(err, provider);
      if (refusal) {
        s = nextFailoverState(table, chain, 'psp', s, {
          type: 'refused',
          code: refusal.code,
          requestId: refusal.requestId,
          at: Date.now(),
        });
        if (s.at !== 'switching') throw err;
        evidence = refusal;
      } else {
        if (!moneyMayHaveMoved(true, typedFailure(err)?.type ?? undefined)) throw err;
        // Unanswered within the failover budget: fence the provider before anything else is tried.
        s = nextFailoverState(table, chain, 'psp', s, { type: 'budget_over', at: Date.now() });
        // No provider to go to: nothing to prove, and a fence would bar the key this payout must go on with.
        const noneLeft = nextProvider(table, chain, s) === undefined;
        const fenced =
          noneLeft && patched(FENCE_CLAIM_PATCH) ? undefined : await fence(p, provider, key, err, table, io);
        if (fenced && 'reference' in fenced) return fenced;
        if (fenced) s = nextFailoverState(table, chain, 'psp', s, { type: 'fence', evidence: fenced });
        if (s.at !== 'switching') {
          // No proof (or no provider left): the same key at the same provider until it answers, then ops.
          p.sendBudgetMs = undefined;
          p.step(
            'fence_no_switch',
            fenced || noneLeft ? `${provider}: no provider left` : `${provider}: look-up failed`,
          );
          p.initiating('psp');
          return await io.sendOnce(key, destinationId);
        }
        evidence = fenced;
      }
    } finally {
      p.sendBudgetMs = undefined;
    }
    s = await switchOver(p, table, chain, s, evidence);
  }
}

/** Writes the proof to the audit stream, then (only then) moves the attempt to the next provider. */
async function switchOver(
  p: Payout,
  table: RoutingTable,
  chain: readonly ProviderId[],
  s: FailoverState,
  evidence: FailoverEvidence | undefined,
): Promise<FailoverState> {
  if (s.at !== 'switching' || !evidence) throw new Error('switchOver outside a switch');
  const verdict = mayFailOver(evidence, table);
  await books.appendAudit(
    auditOf(p, `failover-${p.attempt}-${s.provider}`, ROUTING_AUDIT.failover, {
      from: s.provider,
      to: s.to,
      basis: verdict.allowed ? verdict.basis : 'none',
      evidence: { ...evidence },
      tableVersion: table.version,
    }),
  );
  const [from, to] = [s.provider, s.to];
  const next = nextFailoverState(table, chain, 'psp', s, { type: 'evidence_recorded' });
  const why =
    evidence.kind === 'refusal'
      ? `${evidence.code} (request ${evidence.requestId})`
      : evidence.kind === 'fence_never_started'
        ? 'fenced: never reached'
        : 'fenced: absent after the horizon';
  p.switchedTo(from, to, why);
  return next;
}

type FenceEvidence = Extract<FailoverEvidence, { kind: 'fence_never_started' | 'fence_lookup' }>;

/**
 * Fences a provider whose initiation ran out of budget (every attempt has ended: the activity failed). Never asked
 * (the activity's pre-call record is absent): proof at once. Otherwise the horizon passes, then a look-up by the
 * attempt's key and reference: a transfer found is followed (returned), none is proof; a failed look-up is no proof.
 */
async function fence(
  p: Payout,
  provider: ProviderId,
  key: string,
  err: unknown,
  table: RoutingTable,
  io: RoutedSend,
): Promise<Sent | FenceEvidence | undefined> {
  const activityId = err instanceof ActivityFailure && err.activityId ? err.activityId : `initiate:${key}`;
  const endedAt = Date.now();
  // Only Adyen's initiation keeps a pre-call record; a Stripe attempt is taken to have started (the look-up decides).
  const started =
    provider === 'adyen'
      ? (await lookup.adyenAttemptStarted({ idempotencyKey: key, workflowId: p.workflowId })).started
      : true;
  if (!started) {
    p.step('fenced', `${provider}: the initiation never reached it (${activityId})`);
    return { kind: 'fence_never_started', rail: 'psp', provider, activityId, cancelledWithoutStart: true };
  }
  const until = endedAt + table.failover.fenceHorizonMs;
  p.moveTo('awaiting_confirmation', {
    awaiting: {
      actor: 'psp',
      reason: `fencing ${provider}: no answer within the failover budget; looking the transfer up after the fence horizon`,
      untilMs: until,
    },
    errorCode: 'provider_fencing',
  });
  while (Date.now() < until) await io.waitUntil(until, 'fence horizon');
  const found = await findAtRail(p, 'psp', key);
  if (found === undefined) return undefined;
  if (found !== 'none') {
    p.step('found_at_rail', found.reference);
    return found;
  }
  p.step('fenced', `${provider}: nothing under the attempt's reference after the horizon`);
  return {
    kind: 'fence_lookup',
    rail: 'psp',
    provider,
    activityId,
    attemptsEnded: true,
    // The activity's end bounds every attempt's start from above: the horizon counts from no earlier than that.
    lastAttemptStartedAt: endedAt,
    lookupAt: Date.now(),
    found: false,
    lookupRequestId: `${activityId}:lookup@${new Date().toISOString()}`,
  };
}

/** The table with the payout's own failover timing overrides (tests); the decision keeps the table's version. */
function withOverrides(table: RoutingTable, p: Payout): RoutingTable {
  const o = p.input.failover;
  if (!o) return table;
  return { ...table, failover: { ...table.failover, ...o } };
}

/**
 * The decision under the table in effect now. A paused provider is passed over while another can pay; when only
 * pauses stand in the way (every provider that could pay is paused), the payout takes the table's choice as if
 * nothing were paused and waits on that provider's paused queue: its call is scheduled, not started, costs no action
 * while it waits, and leaves at the paced rate when the pause ends (the incident runbook's promise), where parking and
 * re-checking would cost every waiting payout a timer a minute for the whole incident. When no provider can pay it
 * for any other reason (no destination, currency, country, limit), the payout parks for ops with the decision audited
 * and routes again when woken (the creator may have added a destination).
 */
async function routeOrPark(
  p: Payout,
  method: NonNullable<PayoutProfile['payoutMethod']>,
  amount: Money,
  io: RoutedSend,
): Promise<RoutedPayout> {
  for (let tries = 1; ; tries++) {
    const version = routingTableVersionAt(Date.now());
    const decide = (paused: readonly ProviderId[]) =>
      routePayout(
        routingTableFor(version),
        { amountMinor: amount.amountMinor, currency: amount.currency, country: method.country },
        { paused, destinations: destinationsOf(method) },
      );
    const decision: RoutingDecision = decide(p.notices.routingPaused());
    const taken =
      decision.kind === 'unroutable' && decision.skipped.some((x) => x.why === 'paused') ? decide([]) : decision;
    if (taken.kind === 'routed') {
      p.routed(taken);
      return taken;
    }
    const why = taken.skipped.map((x) => `${x.provider} (${x.why})`).join(', ');
    await books.appendAudit(
      auditOf(p, `unroutable-${p.attempt}-${tries}`, ROUTING_AUDIT.unroutable, decisionData(taken)),
    );
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
