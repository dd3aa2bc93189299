import { createAdyenStatements } from '../../../activities/recon/adyen-statements';
import { createReconDayActivities } from '../../../activities/recon-days';
import { reconAccountSchema } from '../../../activities/recon-days/accounts';
import { buildDependencies } from '../../../workers/dependencies';
import { createS3Reports } from '../../../activities/adapters/reports/s3-reports';
import { adyenReferenceFor } from '../../../activities/payouts/adyen';
import { approveBreakAdjustment, getBreakState, recoverDuplicate } from '../../../client/breaks';
import { DEFAULT_ADYEN_BALANCE_ACCOUNT_ID } from '../../../workers/config-adyen';
import type { Break } from '../../../workflows/recon/contract';
import { recoveryPostingId } from '../../../workflows/recon-breaks/contract';
import { CURRENT_RULE_VERSION, reconDayWorkflowId } from '../../../workflows/recon-days/contract';
import { adyenBalanceAccountOf, routedPayoutMethod } from '../../support/routed-creators';
import { staffSigner } from '../../support/staff';
import { scanPostings } from '../observe';
import { createDynamoAudit } from '../../../activities/adapters/audit/dynamo-audit';
import { makeAwsClients } from '../../../activities/adapters/aws';
import { createDynamoLedger } from '../../../activities/adapters/ledger/dynamo-ledger';
import { Accounts } from '../../../activities/adapters/ledger/port';
import { startPayout } from '../../../client/payouts';
import { setLimit } from '../../../client/psp-pacing';
import { payableCreator } from '../../../sandboxes/creators';
import { suffixedTaskQueue } from '../../../workflows/shared/task-queue';
import { awsOptions } from '../../../workers/config';
import { creatorPayoutWorkflowId, payoutAuditStream } from '../../../workflows/payouts/contract';
import { ROUTING_AUDIT } from '../../../workflows/payouts/routed';
import { admin, adminGet, until } from '../admin';
import { addVerdicts, checkPayouts, emptyVerdicts, type Verdicts } from '../checks';
import { settle } from '../observe';
import { FAST_TIMING, fundCreators, pool, startPayouts, type ChaosPayout } from '../payouts';
import { crossProviderViolations, providerRecords } from '../providers';
import { resetSandboxes, type Row, type RowContext } from '../row';
import type { ChaosStack } from '../stack';

/**
 * Routing and failover between the two PSPs (issue 25) as fault rows. Every creator holds a destination at both
 * providers unless the row says otherwise. `first: 'adyen'` pays EUR 1,000+ to German creators (the table's
 * `eur-large` rule: cheapest first, Adyen, then Stripe); `first: 'stripe'` pays USD to US creators (the fallback
 * order: Stripe, then Adyen). Besides the matrix's own checks (which count an attempt's transfers at both providers),
 * each row checks the cross-provider invariants from the sandboxes' records (F1 one provider pays an attempt, F5 no
 * key or reference seen by two providers) and what the row is about, from the sandboxes and the audit stream.
 */

interface RoutedRowDef {
  name: string;
  first: 'adyen' | 'stripe';
  /** Where the creators hold a destination (default: both). */
  holds?: { stripe: boolean; adyen: boolean };
  /** The payouts' failover timing (the table's budget and horizon are 30 and 10 minutes: rows shorten them). */
  failover?: { budgetMs: number; fenceHorizonMs: number };
  before?(ctx: RowContext): Promise<void>;
  /** Undoes what `before` did outside the sandboxes (they are reset by the next row), whatever the row found. */
  cleanup?(ctx: RowContext): Promise<void>;
  /** What the row is about, judged after the payouts settled: a line per violation. */
  expect?(ctx: RowContext, seen: Seen): Promise<string[]> | string[];
  /**
   * What happens after the payouts closed and the matrix's checks and the cross-provider invariants were read (a
   * provider's late success, reconciliation, recovery): its own verdicts, added to the row's.
   */
  after?(ctx: RowContext, seen: Seen): Promise<Verdicts>;
}

/** What the row's payouts did, per payout: transfer POSTs at each provider and the failover evidence audited. */
export interface Seen {
  payouts: ChaosPayout[];
  stripePosts: Map<string, number>;
  adyenPosts: Map<string, number>;
  /** Adyen's answers to the transfer POSTs, every payout together (proves the fault hit). */
  adyenStatuses: number[];
  failovers: Map<string, Record<string, unknown>>;
}

function routedRow(def: RoutedRowDef): Row {
  return {
    name: def.name,
    async run(ctx) {
      const { stack, tag, n } = ctx;
      await resetSandboxes(stack);
      const payouts = await seedRouted(stack, tag, n, def.first, def.holds ?? { stripe: true, adyen: true });
      ctx.mark?.('seed');
      await def.before?.(ctx);
      try {
        await startRouted(stack, payouts, def.failover);
        ctx.mark?.('start');
        const ids = payouts.map((p) => creatorPayoutWorkflowId(p.payoutId));
        await settle(stack, ids, Math.max(120_000, n * 600));
        ctx.mark?.('settle');
      } finally {
        await def.cleanup?.(ctx);
      }
      // Independent reads of settled records: taken side by side.
      const [v, seen, records] = await Promise.all([
        checkPayouts(stack, tag, payouts, ctx.returned),
        observe(stack, payouts),
        providerRecords(stack, { adyen: attemptOfAdyen }),
      ]);
      const lines = [
        ...crossProviderViolations(records.transfers, records.calls),
        ...((await def.expect?.(ctx, seen)) ?? []),
      ];
      ctx.mark?.('check');
      const checked = routedVerdicts(v, lines, seen);
      if (!def.after) return checked;
      const later = await def.after(ctx, seen);
      ctx.mark?.('after');
      return addVerdicts(checked, later);
    },
  };
}

/**
 * The matrix's verdicts on the row's payouts, with the lines of broken invariants and expectations counted as unmet:
 * they fail the row as such. The money counts stay the matrix's own, from the rails' and the ledger's records (which
 * already count an attempt's transfers at both providers, F1). The outcomes add how many payouts failed over on each
 * basis (`failover:fenced_lookup_absent: 65`).
 */
export function routedVerdicts(v: Verdicts, lines: string[], seen: Pick<Seen, 'failovers'>): Verdicts {
  const checked = lines.length ? addVerdicts(v, { ...emptyVerdicts(), unmet: lines.length, findings: lines }) : v;
  const outcomes: Record<string, number> = { ...checked.outcomes };
  for (const f of seen.failovers.values()) {
    const key = `failover:${String(f['basis'])}`;
    outcomes[key] = (outcomes[key] ?? 0) + 1;
  }
  return { ...checked, outcomes };
}

/** Starts the payouts (EUR or USD as seeded), with the row's failover timing when it has one. */
async function startRouted(
  stack: ChaosStack,
  payouts: ChaosPayout[],
  failover: RoutedRowDef['failover'],
): Promise<void> {
  if (!failover) return startPayouts(stack, payouts, FAST_TIMING);
  await pool(payouts, 16, (p) =>
    startPayout(
      stack.client,
      {
        payoutId: p.payoutId,
        creatorId: p.creatorId,
        period: '2026-11',
        amount: { amountMinor: p.amountMinor, currency: p.currency ?? 'USD' },
        timing: FAST_TIMING,
        failover,
      },
      { taskQueue: stack.config.TEMPORAL_TASK_QUEUE },
    ),
  );
}

/** Adyen's reference `<wf>:initiate[-n]:adyen` names the same attempt as Stripe's `<wf>` + step `<wf>:initiate[-n]`. */
function attemptOfAdyen(reference: string): string {
  const key = reference.replace(/:adyen$/, '');
  return `${key.split(':')[0] ?? ''}:${key}`;
}

async function seedRouted(
  stack: ChaosStack,
  tag: string,
  n: number,
  first: 'adyen' | 'stripe',
  holds: { stripe: boolean; adyen: boolean },
): Promise<ChaosPayout[]> {
  const currency = first === 'adyen' ? ('EUR' as const) : ('USD' as const);
  const payouts: ChaosPayout[] = Array.from({ length: n }, (_, i) => ({
    payoutId: `${tag}-${i}`,
    creatorId: `${tag}-c${i}`,
    // EUR at least 1,000.00: the `eur-large` rule (cheapest first) sends it to Adyen.
    amountMinor: (first === 'adyen' ? 100_000 : 1_000) + i,
    fundedMinor: (first === 'adyen' ? 150_000 : 5_000) + i,
    rail: 'psp',
    currency,
  }));
  await admin(stack.creators.url, '/__admin/creators', {
    creators: payouts.map((p) =>
      payableCreator(p.creatorId, {
        balanceCurrency: currency,
        payoutMethod: routedPayoutMethod(p.creatorId, { currency, country: first === 'adyen' ? 'DE' : 'US' }, holds),
      }),
    ),
  });
  await fundCreators(stack, payouts, currency);
  return payouts;
}

async function observe(stack: ChaosStack, payouts: ChaosPayout[]): Promise<Seen> {
  type Calls = { calls: Array<{ method: string; path: string; idempotencyKey: string | null; status: number }> };
  const [stripe, adyen] = await Promise.all([
    adminGet<Calls>(stack.psp.url, '/__admin/calls'),
    adminGet<Calls>(stack.adyen.url, '/__admin/calls'),
  ]);
  const count = (calls: Calls['calls'], path: string) => {
    const m = new Map<string, number>();
    for (const c of calls)
      if (c.method === 'POST' && c.path === path && c.idempotencyKey) {
        const wf = c.idempotencyKey.split(':')[0] ?? '';
        m.set(wf, (m.get(wf) ?? 0) + 1);
      }
    return m;
  };
  const audit = createDynamoAudit({ aws: makeAwsClients(awsOptions(stack.config)), table: stack.config.AUDIT_TABLE });
  const failovers = new Map<string, Record<string, unknown>>();
  await pool(payouts, 8, async (p) => {
    const wf = creatorPayoutWorkflowId(p.payoutId);
    const f = (await audit.list(payoutAuditStream(wf))).find((e) => e.type === ROUTING_AUDIT.failover);
    if (f) failovers.set(wf, f.data);
  });
  return {
    payouts,
    stripePosts: count(stripe.calls, '/v1/transfers'),
    adyenPosts: count(adyen.calls, '/btl/v4/transfers'),
    adyenStatuses: adyen.calls
      .filter((c) => c.method === 'POST' && c.path === '/btl/v4/transfers')
      .map((c) => c.status),
    failovers,
  };
}

/** A line when the fault did not hit: fewer than `n` Adyen transfer POSTs answered `status`. */
const hit = (seen: Seen, status: number, n: number) => {
  const got = seen.adyenStatuses.filter((s) => s === status).length;
  return got >= n ? [] : [`the fault did not hit: ${got} of ${n} Adyen answers were ${status}`];
};

/** Lines for payouts that broke `rule` (bounded by the caller). */
const each = (seen: Seen, rule: (wf: string) => string | undefined) =>
  seen.payouts.map((p) => rule(creatorPayoutWorkflowId(p.payoutId))).filter((l): l is string => l !== undefined);

export const routingRows: Row[] = [
  routedRow({
    // A lost answer after the commit: the same key at Adyen replays the transfer; Stripe is never asked.
    name: 'psp-a-commits-then-500',
    first: 'adyen',
    before: ({ stack, n }) =>
      admin(stack.adyen.url, '/__admin/faults', { fail5xxNext: n, fail5xxPhase: 'after', faultMethod: 'POST' }),
    expect: ({ n }, seen) => [
      ...hit(seen, 500, n),
      ...each(seen, (wf) =>
        seen.stripePosts.get(wf) || seen.failovers.has(wf) ? `${wf}: left Adyen after a 500` : undefined,
      ),
    ],
  }),
  routedRow({
    // Stripe has no money: a definitive refusal (code + request ID) is audited, then Adyen pays once.
    name: 'psp-a-balance-insufficient',
    first: 'stripe',
    before: ({ stack }) => admin(stack.psp.url, '/__admin/balance', { currency: 'usd', amount: 0 }),
    expect: (_ctx, seen) =>
      each(seen, (wf) => {
        const f = seen.failovers.get(wf) as
          { basis?: string; evidence?: { code?: string; requestId?: string } } | undefined;
        if (!f) return `${wf}: no failover evidence in the audit stream`;
        if (f.basis !== 'definitive_refusal' || f.evidence?.code !== 'balance_insufficient' || !f.evidence.requestId)
          return `${wf}: failover evidence ${JSON.stringify(f)}`;
        if (seen.adyenPosts.get(wf) !== 1) return `${wf}: ${seen.adyenPosts.get(wf) ?? 0} Adyen transfer POSTs`;
        return undefined;
      }),
  }),
  routedRow({
    // A code the table does not map is ambiguous: retried at Adyen with the same key, never another provider.
    name: 'psp-a-unknown-error-code',
    first: 'adyen',
    before: ({ stack, n }) =>
      admin(stack.adyen.url, '/__admin/faults', {
        errorNext: 2 * n,
        error: { status: 422, errorCode: '99_999', title: 'Unmapped error' },
        faultMethod: 'POST',
      }),
    expect: ({ n }, seen) => [
      ...hit(seen, 422, 2 * n),
      ...each(seen, (wf) =>
        seen.stripePosts.get(wf) || seen.failovers.has(wf) ? `${wf}: left Adyen on an unknown code` : undefined,
      ),
    ],
  }),
  routedRow({
    // Adyen paces with 429s: retried at Adyen after Retry-After, never a failover.
    name: 'psp-429-storm',
    first: 'adyen',
    before: ({ stack, n }) => admin(stack.adyen.url, '/__admin/faults', { rateLimitNext: 3 * n, retryAfterSec: 1 }),
    // The first 3N calls are refused: at least N of them are transfer POSTs (the rest may be status polls).
    expect: ({ n }, seen) => [
      ...hit(seen, 429, n),
      ...each(seen, (wf) =>
        seen.stripePosts.get(wf) || seen.failovers.has(wf) ? `${wf}: left Adyen on a 429` : undefined,
      ),
    ],
  }),
  routedRow({
    // Both refuse: one switch with its evidence, then the payout fails refused (released); it never loops back.
    name: 'psp-b-also-refuses',
    first: 'stripe',
    before: async ({ stack, n }) => {
      await admin(stack.psp.url, '/__admin/balance', { currency: 'usd', amount: 0 });
      await admin(stack.adyen.url, '/__admin/faults', { refuseNext: n, refuseReason: 'notEnoughBalance' });
    },
    expect: (_ctx, seen) =>
      each(seen, (wf) => {
        if (!seen.failovers.has(wf)) return `${wf}: no failover evidence`;
        if ((seen.stripePosts.get(wf) ?? 0) !== 1) return `${wf}: ${seen.stripePosts.get(wf) ?? 0} Stripe POSTs`;
        return (seen.adyenPosts.get(wf) ?? 0) === 1 ? undefined : `${wf}: ${seen.adyenPosts.get(wf) ?? 0} Adyen POSTs`;
      }),
  }),
  routedRow({
    // The creators hold no destination at Stripe: Adyen's refusal has nowhere to go (B ineligible), nothing moves.
    name: 'creator-has-no-destination-at-b',
    first: 'adyen',
    holds: { stripe: false, adyen: true },
    before: ({ stack, n }) =>
      admin(stack.adyen.url, '/__admin/faults', { refuseNext: n, refuseReason: 'notEnoughBalance' }),
    expect: (_ctx, seen) =>
      each(seen, (wf) =>
        seen.stripePosts.get(wf) || seen.failovers.has(wf)
          ? `${wf}: went to a provider it holds nothing at`
          : undefined,
      ),
  }),
  routedRow({
    // Adyen's queue stops after the payouts routed there: the initiations sit unstarted past the budget; never
    // reached is the proof. The hold has no incident mark, so the routing read does not see it (as a pause that comes
    // after the decision); a pause the read sees makes Adyen ineligible instead (payouts-routing-paused.test.ts).
    name: 'psp-a-paused-over-budget',
    first: 'adyen',
    failover: { budgetMs: 5_000, fenceHorizonMs: 2_000 },
    before: ({ stack }) => setLimit(stack.client, adyenQueue(stack), 0, 'held at 0 by the row after routing'),
    cleanup: ({ stack }) => setLimit(stack.client, adyenQueue(stack), 1_000, 'restored by the row'),
    expect: (_ctx, seen) =>
      each(seen, (wf) => {
        const f = seen.failovers.get(wf) as { basis?: string } | undefined;
        if (f?.basis !== 'fenced_never_started') return `${wf}: failover ${JSON.stringify(f)}`;
        return seen.adyenPosts.get(wf) ? `${wf}: Adyen was called although paused` : undefined;
      }),
  }),
  routedRow({
    // Adyen's first answer is lost before anything ran (the connection drops, nothing committed): within the
    // failover budget that is ambiguous, so the same key is retried at Adyen, which pays once; never a failover.
    name: 'psp-a-timeout-before-commit',
    first: 'adyen',
    before: ({ stack, n }) =>
      admin(stack.adyen.url, '/__admin/faults', {
        timeoutNext: n,
        timeoutPhase: 'before',
        hangMs: 300,
        faultMethod: 'POST',
      }),
    expect: async ({ n, stack }, seen) => {
      const { calls } = await adminGet<{ calls: Array<{ method: string; fault?: string }> }>(
        stack.adyen.url,
        '/__admin/calls',
      );
      const timedOut = calls.filter((c) => c.method === 'POST' && c.fault === 'timeout').length;
      return [
        ...(timedOut >= n ? [] : [`the fault did not hit: ${timedOut} of ${n} Adyen POSTs timed out`]),
        // (Which payouts the N drops hit depends on arrival order; every payout must stay at Adyen either way.)
        ...each(seen, (wf) =>
          seen.stripePosts.get(wf) || seen.failovers.has(wf) ? `${wf}: left Adyen after a timeout` : undefined,
        ),
      ];
    },
  }),
  // Adyen stalls (the request hangs, nothing runs): fenced, Stripe pays; then the request Adyen held runs after all (a
  // late success at A after B paid). The payout must not pay again, the Adyen account's reconciliation raises
  // exactly one duplicate_disbursement, and recovery by offset resolves it.
  adyenStallsRow('psp-a-late-success-after-b-paid', lateSuccessAtAdyen),
  // Adyen takes the requests and never answers (nothing runs): past the budget, the horizon, then a look-up.
  adyenStallsRow('psp-a-stalls-after-attempt-started'),
];

/**
 * A row where Adyen takes the payouts' transfer POSTs and never answers (each hangs past the budget, then drops
 * without running), with a 5 s failover budget and a 2 s fence horizon. Adyen's queue is paced, so under a large N some
 * payouts' initiations never start within the budget: those are fenced as never started (no pre-call route record),
 * the others by a look-up after the horizon that finds nothing. Either is proof; nothing else is. A payout fenced as
 * never started must have sent Adyen nothing, and at least one attempt must have started (else the row proved no
 * look-up: what it is about).
 */
function adyenStallsRow(name: string, after?: RoutedRowDef['after']): Row {
  const failover = { budgetMs: 5_000, fenceHorizonMs: 2_000 };
  return routedRow({
    name,
    first: 'adyen',
    failover,
    before: ({ stack, n }) =>
      admin(stack.adyen.url, '/__admin/faults', {
        timeoutNext: 10 * n,
        timeoutPhase: 'before',
        // Longer than the budget, which counts from scheduling: no answer can come within it, whenever the call
        // started. Not much longer: a hung call holds one of the worker's Adyen activity slots until it drops, and
        // the fence's look-ups wait for those slots.
        hangMs: 2 * failover.budgetMs,
        faultMethod: 'POST',
      }),
    expect: (_ctx, seen) => fencedOnly(seen),
    ...(after ? { after } : {}),
  });
}

/** What a stalled Adyen row expects (see {@link adyenStallsRow}): a line per violation. */
export function fencedOnly(seen: Seen): string[] {
  return [
    ...each(seen, (wf) => {
      const f = seen.failovers.get(wf) as { basis?: string } | undefined;
      if (f?.basis === 'fenced_lookup_absent') return undefined;
      if (f?.basis !== 'fenced_never_started') return `${wf}: failover ${JSON.stringify(f)}`;
      const posts = seen.adyenPosts.get(wf) ?? 0;
      return posts ? `${wf}: fenced as never started, yet Adyen saw ${posts} transfer POSTs` : undefined;
    }),
    ...(lookedUp(seen).length
      ? []
      : [`the fault did not hit: no payout's Adyen attempt started (none fenced by a look-up)`]),
  ];
}

/** The payouts fenced by a look-up after the horizon (their Adyen attempt started), by workflow ID. */
const lookedUp = (seen: Seen) =>
  [...seen.failovers].filter(([, f]) => f['basis'] === 'fenced_lookup_absent').map(([wf]) => wf);

/** Adyen's own task queue in the chaos stack. */
const adyenQueue = (stack: ChaosStack) => suffixedTaskQueue(stack.config.TEMPORAL_TASK_QUEUE, 'psp-adyen');

const recoverer = staffSigner('ops.routing', ['ops']);
const approver = staffSigner('fin.routing', ['finance_manager']);
/** The Adyen account of the chaos stack's reconciliation (`RECON_ACCOUNTS` in stack.ts). */
const ADYEN_RECON_ACCOUNT = 'psp-adyen';
/** Stripe's platform balance, reconciled first (its carry names the payouts Stripe settled). */
const STRIPE_RECON_ACCOUNT = 'psp-platform';

/**
 * The late success of a fenced Adyen attempt that really started (fenced by the look-up after the horizon, so its
 * request reached Adyen): the request Adyen held runs (the sandbox executes it under the attempt's own key and
 * reference, as a held request would), after Stripe paid that payout. A payout fenced as never started is no
 * candidate: Adyen never had its request, so nothing of it can succeed late. Then the Adyen account's day is
 * reconciled and the one duplicate disbursement it raises is recovered by offset (above the four-eyes threshold: ops
 * propose, finance approve). Judged from the records: the payout paid once at Stripe and did not move again, one
 * break of the class for this row's payouts (on the late one), resolved, one recovery posting, and the creator's
 * receivable holds the amount. What did not happen as staged is unmet; money counts come from the records.
 */
async function lateSuccessAtAdyen({ stack }: RowContext, seen: Seen): Promise<Verdicts> {
  const { payouts } = seen;
  const v = emptyVerdicts();
  const find = (what: string, kind: 'unmet' | 'duplicates' | 'ledgerBreaks' = 'unmet') => {
    v[kind] = (v[kind] ?? 0) + 1;
    if (v.findings.length < 20) v.findings.push(what);
  };
  const started = new Set(lookedUp(seen));
  // The first payout whose Adyen attempt started and that Stripe has paid (under load some may still be fencing when
  // the row's settle window ends: those are the matrix's to count, not a late success's).
  let late: ChaosPayout | undefined;
  for (const p of payouts) {
    const wf = creatorPayoutWorkflowId(p.payoutId);
    if (started.has(wf) && (await stripePaidOf(stack, wf)) === 1) {
      late = p;
      break;
    }
  }
  if (!late) {
    find(
      started.size
        ? `none of the ${started.size} payouts whose Adyen attempt started was paid at Stripe: nothing to succeed late`
        : `no payout's Adyen attempt started (none fenced by a look-up): no request at Adyen to succeed late`,
    );
    return v;
  }
  const wf = creatorPayoutWorkflowId(late.payoutId);
  const key = `${wf}:initiate:adyen`;
  await admin(stack.adyen.url, '/__admin/faults', undefined, 'DELETE');
  const res = await fetch(`${stack.adyen.url}/btl/v4/transfers`, {
    method: 'POST',
    headers: { 'X-API-Key': 'chaos', 'Idempotency-Key': key, 'content-type': 'application/json' },
    body: JSON.stringify({
      amount: { currency: 'EUR', value: late.amountMinor },
      balanceAccountId: DEFAULT_ADYEN_BALANCE_ACCOUNT_ID,
      category: 'internal',
      counterparty: { balanceAccountId: adyenBalanceAccountOf(late.creatorId) },
      reference: adyenReferenceFor(key),
    }),
  });
  const transfer = (await res.json()) as { id?: string };
  if (!res.ok || !transfer.id) {
    find(`the late transfer was not made: ${res.status}`);
    return v;
  }
  const booked = await until(async () => {
    const { transfers } = await adminGet<{ transfers: Array<{ id: string; status: string }> }>(
      stack.adyen.url,
      '/__admin/transfers',
    );
    return transfers.find((t) => t.id === transfer.id)?.status === 'booked';
  }, 30_000);
  if (!booked) find(`${transfer.id}: the late transfer never booked`);

  // The Adyen account's day, by the activities the day's workflow runs, with the clock past the day's end (a day is
  // read only once it has ended: the row cannot wait for midnight).
  const keys = await reconcileAdyenDay(stack);
  if (typeof keys === 'string') {
    find(`${ADYEN_RECON_ACCOUNT}: ${keys}`);
    return v;
  }
  const ours = new Set(payouts.map((p) => creatorPayoutWorkflowId(p.payoutId)));
  const dups = (await reportLines<StoredBreak>(stack, keys.breaks)).filter(
    (b) => b.class === 'duplicate_disbursement' && ours.has(b.refs.workflowId ?? ''),
  );
  if (dups.length !== 1 || dups[0]?.refs.workflowId !== wf) {
    find(`duplicate_disbursement breaks: ${JSON.stringify(dups.map((b) => b.refs.workflowId))}, expected [${wf}]`);
    return v;
  }
  const dup = dups[0];
  const proposed = await recoverDuplicate(stack.client, dup.workflowId, {
    mode: 'offset',
    note: 'late success at Adyen after Stripe paid: netted from the next payout',
    sign: recoverer,
  });
  const approved = proposed.accepted
    ? await approveBreakAdjustment(stack.client, dup.workflowId, { sign: approver })
    : proposed;
  if (!approved.accepted) find(`recovery refused: ${JSON.stringify(approved).slice(0, 200)}`);
  const resolved = await until(
    async () => (await getBreakState(stack.client, dup.workflowId).catch(() => undefined))?.status === 'resolved',
    30_000,
  );
  if (!resolved) find(`${dup.workflowId}: not resolved after recovery`);
  const recoveries = await scanPostings(stack, recoveryPostingId(dup.breakId));
  if (recoveries.length !== 1)
    find(
      `${recoveryPostingId(dup.breakId)}: ${recoveries.length} postings`,
      recoveries.length ? 'duplicates' : 'unmet',
    );
  const receivable = await createDynamoLedger({
    aws: makeAwsClients(awsOptions(stack.config)),
    table: stack.config.LEDGER_TABLE,
  }).balance(Accounts.creatorReceivable(late.creatorId), 'EUR');
  if (Math.abs(receivable) !== late.amountMinor)
    find(`${late.creatorId}: receivable ${receivable}, expected ${late.amountMinor}`, 'ledgerBreaks');
  // The payout itself never moved again: Stripe's one payment, nothing more asked of either provider by it.
  const stripeAfter = await stripePaidOf(stack, wf);
  if (stripeAfter !== 1) find(`${wf}: Stripe paid it ${stripeAfter} times after the late success`, 'duplicates');
  return v;
}

const today = () => new Date().toISOString().slice(0, 10);

/**
 * Reconciles today's day of Stripe's account, then of Adyen's (statement, expectations, match, breaks), as the day's
 * workflow does: Stripe's first, so its carry says which payouts Stripe settled (what makes a transfer at Adyen for
 * the same payout a duplicate disbursement). Returns the Adyen day's results keys.
 */
async function reconcileAdyenDay(stack: ChaosStack): Promise<{ breaks: string } | string> {
  const base = { rail: 'psp', currency: 'EUR', timezone: 'UTC', statementDeadlineHours: 6 } as const;
  const stripe = reconAccountSchema.parse({ ...base, accountId: STRIPE_RECON_ACCOUNT });
  const adyen = reconAccountSchema.parse({ ...base, accountId: ADYEN_RECON_ACCOUNT, provider: 'adyen' });
  const deps = buildDependencies(stack.config, {
    adyenStatements: createAdyenStatements({
      apiKey: 'chaos',
      balanceAccountId: DEFAULT_ADYEN_BALANCE_ACCOUNT_ID,
      apiBase: stack.adyen.url,
    }),
    reconAccounts: [stripe, adyen],
  });
  const date = today();
  const now = Date.parse(`${date}T00:00:00Z`) + 31 * 3_600_000;
  const acts = createReconDayActivities(deps, {
    client: () => stack.client,
    taskQueue: () => stack.config.TEMPORAL_TASK_QUEUE,
    now: () => now,
  });
  let keys: { breaks: string } | string = 'not run';
  for (const accountId of [STRIPE_RECON_ACCOUNT, ADYEN_RECON_ACCOUNT]) {
    const facts = await acts.reconAccount({ accountId, businessDate: date, atMs: now });
    const fetched = await acts.fetchReconStatement({ account: facts });
    if (fetched.status !== 'ingested') return `${accountId}: statement ${fetched.status}`;
    const expectations = await acts.loadReconExpectations({ account: facts, ruleVersion: CURRENT_RULE_VERSION });
    const matched = await acts.matchReconDay({
      account: facts,
      ruleVersion: CURRENT_RULE_VERSION,
      statement: fetched.statement,
      expectations,
      runWorkflowId: `${reconDayWorkflowId(accountId, date)}-${Date.now().toString(36)}`,
    });
    await acts.openReconBreaks({ account: facts, keys: matched.keys });
    keys = matched.keys;
  }
  return keys;
}

/** A break as the day's results store it: with its workflow and the references it names (`StoredBreak`). */
type StoredBreak = Break & { workflowId: string; refs: { workflowId?: string } };

async function stripePaidOf(stack: ChaosStack, wf: string): Promise<number> {
  const { calls } = await adminGet<{
    calls: Array<{ method: string; path: string; idempotencyKey: string | null; status: number }>;
  }>(stack.psp.url, '/__admin/calls');
  return calls.filter(
    (c) =>
      c.method === 'POST' && c.path === '/v1/transfers' && c.status === 200 && c.idempotencyKey?.startsWith(`${wf}:`),
  ).length;
}

/** The NDJSON records of a reconciliation results object. */
async function reportLines<T>(stack: ChaosStack, key: string): Promise<T[]> {
  const reports = createS3Reports({
    aws: makeAwsClients(awsOptions(stack.config)),
    bucket: stack.config.REPORTS_BUCKET,
  });
  const body = (await reports.get(key)) ?? '';
  return body
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}
