import { ActivityFailure, ApplicationFailure, condition, proxyActivities, TemporalFailure } from '@temporalio/workflow';
import { activityProxies } from '../shared/activities';
import { ActivityPresets } from '../shared/activity-options';
import { failureCode, refuseWith, typedFailure } from '../shared/failures';
import { effectiveDateOf } from '../shared/posting-facts';
import {
  adjustmentPostingId,
  breakAuditStream,
  breakRefusals,
  rebookPostingId,
  recoveryPostingId,
  type BreakProposal,
  type BreakRefusalCode,
  type BreakResolution,
  type ReconBreakActivities,
} from './contract';
import { adjustmentLegs } from './policy';
import type { BreakState } from './state';

/**
 * The I/O of a break: the audit appends every accepted command and check writes before the state changes, the
 * counterpart check, and the money resolutions (an adjustment; a late return booked back to the creator after the
 * bank confirms it). State changes only through the state's transitions.
 */

const { books, mustBook } = activityProxies<ReconBreakActivities>();
/** Reads a command waits on: retried through a blip, then refused (`rail_unavailable`) rather than hanging a person. */
const ask = proxyActivities<ReconBreakActivities>({ ...ActivityPresets.lookup, scheduleToCloseTimeout: '2m' });
/** The day's results are read from the reports bucket: retried for an hour of outage, then the claim is refused. */
const results = proxyActivities<ReconBreakActivities>({ ...ActivityPresets.lookup, scheduleToCloseTimeout: '1h' });

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Appends one entry to the audit stream (idempotent by its sequence number), then to the break's trail. `mustLand`:
 * the money already moved, so the record is retried through an audit-store outage of any length rather than lost.
 */
export async function audit(
  b: BreakState,
  type: string,
  by: string,
  data: Record<string, unknown>,
  opts: { mustLand?: boolean } = {},
): Promise<void> {
  const at = iso(Date.now());
  const seq = b.nextAuditSeq();
  await (opts.mustLand ? mustBook : books).appendAudit({
    stream: breakAuditStream(b.workflowId),
    eventId: `${b.workflowId}:${seq}`,
    at,
    type,
    data: { by, ...data },
  });
  b.recorded({ at, type, by, data });
}

/** Runs a command's or check's I/O with the break marked busy (validators refuse others meanwhile, `busy`). */
export async function exclusively<T>(b: BreakState, fn: () => Promise<T>): Promise<T> {
  b.startWork();
  try {
    return await fn();
  } finally {
    b.endWork();
  }
}

/** A refusal found in the handler (after a read): audited, then thrown as the update's typed failure. */
async function refuseAfterCheck(b: BreakState, by: string, code: BreakRefusalCode, message: string): Promise<never> {
  await audit(b, 'command_refused', by, { code, message });
  throw refuseWith(breakRefusals, { code, message });
}

/**
 * Checks each counterpart claim against the day's own results: a claim is a signal anyone who can write to the
 * namespace could send, so the break closes as `matched` only when the match exists there and names this break.
 * A claim repeated (a re-run of the day) is ignored; one for a break no longer open is only recorded.
 */
export async function checkClaims(b: BreakState): Promise<void> {
  for (const c of b.takeClaims()) {
    if (b.claimSettled(c.matchId)) continue;
    const claim = { matchId: c.matchId, businessDate: c.businessDate, resultsKey: c.resultsKey };
    // The read runs without holding the break: staff commands go on while the results are read (the bucket may be
    // slow or down); the verdict is applied only to a break still open, with no command in flight.
    let why = 'not_open';
    if (b.status === 'open') {
      try {
        // A late return is one break under two breakIds (the ingress's and the statement's): a match may name either.
        const breakIds = [...new Set(b.observations.map((o) => o.breakId))];
        why = (await results.verifyBreakCounterpart({ ...claim, breakIds })).why;
      } catch (err) {
        why = `unreadable:${failureCode(err)}`;
      }
    }
    await condition(() => !b.busy);
    await exclusively(b, async () => {
      // A claim whose results could not be read may be sent again; any other verdict is final for that match.
      if (!why.startsWith('unreadable')) b.settleClaim(c.matchId);
      if (b.status !== 'open') return audit(b, 'counterpart_ignored', 'system', { ...claim, status: b.status });
      if (why !== 'proven') return audit(b, 'counterpart_refused', 'system', { ...claim, why });
      await audit(b, 'counterpart_matched', 'system', claim);
      b.resolve({ kind: 'matched', by: 'system', at: iso(Date.now()), matchId: c.matchId }, Date.now());
    });
  }
}

/**
 * Posts an adjustment under the break's one adjustment ID: after a reopen, the same money again is already posted
 * (nothing moves twice) and other money is refused by the ledger (`posting_conflict`): a wrong adjustment is
 * corrected with a new entry of its own, never by moving the break's money a second time.
 */
export async function postAdjustment(b: BreakState, p: BreakProposal): Promise<string> {
  const postingId = adjustmentPostingId(b.facts.breakId);
  try {
    await mustBook.postBreakPosting({
      postingId,
      currency: p.currency,
      description: `recon break ${b.facts.breakId}: adjustment to ${p.account ?? '?'}`,
      legs: adjustmentLegs(b.facts, p.account ?? '', p.amountMinor),
      effectiveDate: effectiveDateOf(Date.now()),
      refs: { workflowId: b.workflowId },
    });
  } catch (err) {
    await audit(b, 'adjustment_failed', p.proposedBy, { postingId, code: failureCode(err) });
    throw asUpdateFailure(err);
  }
  return postingId;
}

/** The bank must list a return of exactly the break's amount and currency for the transfer, or nothing is booked. */
export async function confirmAtRail(b: BreakState, by: string): Promise<void> {
  const { endToEndId } = b.facts.refs;
  let listed = false;
  try {
    listed = (
      await ask.confirmReturnAtRail({
        endToEndId: endToEndId ?? '',
        amountMinor: Math.abs(b.facts.amountMinor),
        currency: b.facts.currency,
      })
    ).listed;
  } catch (err) {
    return refuseAfterCheck(b, by, 'rail_unavailable', `the bank could not be asked (${failureCode(err)})`);
  }
  if (!listed)
    await refuseAfterCheck(b, by, 'return_not_at_rail', 'the bank lists no return of this amount for the transfer');
}

/**
 * Books a late return back to the creator, once: the rail confirms it first, then the activity reads the creator from
 * the payout's own postings and posts `recon-rebook:<breakId>` (the same ID after a reopen: money never moves twice).
 */
export async function rebook(b: BreakState, by: string): Promise<string> {
  await confirmAtRail(b, by);
  const { endToEndId = '', workflowId: payoutWorkflowId = '' } = b.facts.refs;
  let r: Awaited<ReturnType<ReconBreakActivities['rebookLateReturn']>>;
  try {
    r = await mustBook.rebookLateReturn({
      breakWorkflowId: b.workflowId,
      breakId: b.facts.breakId,
      payoutWorkflowId,
      endToEndId,
      amountMinor: Math.abs(b.facts.amountMinor),
      currency: b.facts.currency,
      effectiveDate: effectiveDateOf(Date.now()),
    });
  } catch (err) {
    await audit(b, 'rebook_failed', by, { postingId: rebookPostingId(b.facts.breakId), code: failureCode(err) });
    throw asUpdateFailure(err);
  }
  if (r.outcome !== 'posted') return refuseAfterCheck(b, by, r.outcome, breakRefusals[r.outcome].summary);
  return r.postingId;
}

/** A reversal is asked for only where the provider has one: refused (audited) before anything moves or is proposed. */
export async function confirmReversible(b: BreakState, by: string): Promise<void> {
  let rail: { provider: string; reversible: boolean };
  try {
    rail = await ask.recoveryRailOf({ accountId: b.facts.accountId });
  } catch (err) {
    return refuseAfterCheck(b, by, 'provider_unavailable', `the provider could not be named (${failureCode(err)})`);
  }
  if (!rail.reversible) await refuseReversal(b, by, rail.provider);
}

const refuseReversal = (b: BreakState, by: string, provider: string) =>
  refuseAfterCheck(
    b,
    by,
    'reversal_unsupported',
    `${provider} has no transfer reversal the product can ask for: recover by offset on the creator's next payout`,
  );

/**
 * Recovers a duplicate disbursement, once. `reverse`: the provider reverses the duplicate transfer (its key is the
 * posting ID, so a retry asks once) and must show the reversal before anything is booked; the reversal is audited
 * (must land: money moved) before the posting. `offset`: the creator's receivable. Both post `recon-recover:<breakId>`.
 */
async function recover(
  b: BreakState,
  p: BreakProposal,
  by: string,
): Promise<{ postingId: string; recovery: NonNullable<BreakResolution['recovery']> }> {
  const { workflowId: payoutWorkflowId = '', railRef: transferId = '' } = b.facts.refs;
  const mode = p.mode ?? 'offset';
  const money = { amountMinor: Math.abs(b.facts.amountMinor), currency: b.facts.currency };
  let provider: string;
  let reversalId: string | undefined;
  try {
    if (mode === 'reverse') {
      const r = await ask.reverseDuplicateAtRail({
        breakId: b.facts.breakId,
        accountId: b.facts.accountId,
        transferId,
        ...money,
      });
      provider = r.provider;
      if (r.outcome !== 'reversed') {
        if (r.outcome === 'unsupported') return refuseReversal(b, by, r.provider);
        const code = r.outcome === 'not_confirmed' ? 'reversal_not_confirmed' : r.outcome;
        return refuseAfterCheck(b, by, code, breakRefusals[code].summary);
      }
      reversalId = r.reversalId;
      await audit(b, 'duplicate_reversed', by, { provider, transferId, reversalId, ...money }, { mustLand: true });
    } else provider = (await ask.recoveryRailOf({ accountId: b.facts.accountId })).provider;
  } catch (err) {
    if (typedFailure(err)) throw err;
    // Asked under one key: whether the provider reversed is looked up again by the next command, never guessed.
    return refuseAfterCheck(
      b,
      by,
      'provider_unavailable',
      `the provider could not be asked (${failureCode(err)}): nothing was booked; a retry asks under the same key`,
    );
  }
  let r: Awaited<ReturnType<ReconBreakActivities['postRecovery']>>;
  try {
    r = await mustBook.postRecovery({
      mode,
      breakWorkflowId: b.workflowId,
      breakId: b.facts.breakId,
      payoutWorkflowId,
      provider,
      transferId,
      ...(reversalId ? { reversalId } : {}),
      ...money,
      effectiveDate: effectiveDateOf(Date.now()),
    });
  } catch (err) {
    await audit(b, 'recovery_failed', by, { postingId: recoveryPostingId(b.facts.breakId), code: failureCode(err) });
    throw asUpdateFailure(err);
  }
  if (r.outcome !== 'posted') return refuseAfterCheck(b, by, r.outcome, breakRefusals[r.outcome].summary);
  return {
    postingId: r.postingId,
    recovery: {
      mode,
      provider,
      ...(reversalId ? { reversalId } : {}),
      ...(r.creatorId ? { creatorId: r.creatorId } : {}),
    },
  };
}

const RESOLVED_AS = { adjust: 'adjusted', rebook: 'rebooked', recover: 'recovered' } as const;

/** Carries out an approved (or small enough) money proposal and resolves the break. */
export async function carryOut(b: BreakState, p: BreakProposal, approvedBy?: string): Promise<void> {
  let postingId: string;
  let recovery: BreakResolution['recovery'];
  if (p.kind === 'adjust') postingId = await postAdjustment(b, p);
  else if (p.kind === 'rebook') postingId = await rebook(b, approvedBy ?? p.proposedBy);
  else ({ postingId, recovery } = await recover(b, p, approvedBy ?? p.proposedBy));
  const resolution: BreakResolution = {
    kind: RESOLVED_AS[p.kind],
    by: p.proposedBy,
    at: iso(Date.now()),
    note: p.note,
    postingId,
    ...(approvedBy ? { approvedBy } : {}),
    ...(recovery ? { recovery } : {}),
  };
  await audit(
    b,
    resolution.kind,
    approvedBy ?? p.proposedBy,
    { postingId, ...(approvedBy ? { proposedBy: p.proposedBy } : {}), ...(recovery ? { recovery } : {}) },
    { mustLand: true },
  );
  b.resolve(resolution, Date.now());
}

/**
 * An error thrown from an update handler must be a Temporal failure (else the workflow task, not the update, fails):
 * the product's typed failure from the cause chain (so the caller's verdict carries its type and code), else a
 * failure naming the most specific code.
 */
function asUpdateFailure(err: unknown): Error {
  const typed = typedFailure(err);
  if (typed) return typed;
  if (err instanceof TemporalFailure && !(err instanceof ActivityFailure)) return err;
  return ApplicationFailure.create({ message: `the command failed (${failureCode(err)})`, nonRetryable: true });
}
