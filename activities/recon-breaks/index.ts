import type { MatchRecord } from '../../workflows/recon/contract';
import {
  creatorReceivablesStream,
  rebookPostingId,
  recoveryPostingId,
  type ReconBreakActivities,
} from '../../workflows/recon-breaks/contract';
import { failure, failureCode, FailureType } from '../../workflows/shared/failures';
import { caseFold } from '../../workflows/shared/identity';
import { stepName } from '../../workflows/payouts/policy';
import { idempotencyKey } from '../../workflows/shared/task-queue';
import { Accounts, type Posting } from '../adapters/ledger/port';
import { createSharedActivities } from '../shared';
import type { ActivityDeps } from '../deps';

/** How many payout attempts' postings a rebook looks through for the transfer (a re-pay after a return is attempt 2+). */
const MAX_ATTEMPTS = 5;
const CREATOR_AVAILABLE = /^creator:(.+):available$/;

/** The payout steps whose postings name the creator and the transfer (`settle`, `reverse`), per attempt. */
const stepsOf = (base: string) => Array.from({ length: MAX_ATTEMPTS }, (_, i) => stepName(base, i + 1));

/**
 * The activities of a reconciliation break: checking a counterpart claim against the day's own results, the break's
 * ledger postings, and a late return confirmed at the bank and booked back to the creator.
 */
export function createReconBreakActivities(deps: ActivityDeps) {
  const { appendAudit } = createSharedActivities(deps);
  return {
    appendAudit,

    async verifyBreakCounterpart(i) {
      const body = await deps.reports.get(i.resultsKey);
      if (body === undefined) return { proven: false, why: 'no_results' };
      const matchId = caseFold(i.matchId);
      const breakIds = new Set(i.breakIds.map(caseFold));
      // One record per line; scanned without keeping the file's records (a day holds up to a million matches).
      for (const line of body.split('\n')) {
        if (!line.includes(i.matchId) && !line.toLowerCase().includes(matchId)) continue;
        let rec: Partial<MatchRecord>;
        try {
          rec = JSON.parse(line) as Partial<MatchRecord>;
        } catch {
          continue;
        }
        if (typeof rec.matchId !== 'string' || caseFold(rec.matchId) !== matchId) continue;
        const names = (rec.closesBreakIds ?? []).some((id) => typeof id === 'string' && breakIds.has(caseFold(id)));
        return names ? { proven: true, why: 'proven' } : { proven: false, why: 'not_named' };
      }
      return { proven: false, why: 'no_match' };
    },

    async postBreakPosting(i) {
      return deps.ledger.post({ ...i });
    },

    async confirmReturnAtRail(i) {
      let returns: Awaited<ReturnType<ActivityDeps['bank']['listReturns']>>;
      try {
        returns = await deps.bank.listReturns(i.endToEndId);
      } catch (err) {
        // The bank does not know the transfer: certainly no return of it (any other error is retried, then surfaces).
        const d = (err as { details?: Array<{ statusCode?: number }> }).details?.[0];
        if (d?.statusCode === 404) return { listed: false, unknownTransfer: true };
        throw err;
      }
      const listed = returns.some((r) => r.amount.amountMinor === i.amountMinor && r.amount.currency === i.currency);
      return { listed, unknownTransfer: false };
    },

    async rebookLateReturn(i) {
      const wf = i.payoutWorkflowId;
      const ids = [...stepsOf('reserve'), ...stepsOf('settle'), ...stepsOf('reverse'), ...stepsOf('reverse_partial')];
      const postings = await deps.ledger.getPostings(ids.map((s) => idempotencyKey(wf, s)));
      const e2e = caseFold(i.endToEndId);
      const ofTransfer = (p: Posting) => p.refs?.endToEndId !== undefined && caseFold(p.refs.endToEndId) === e2e;
      // The transfer must be this payout's own (its settle posting names the EndToEndId); the creator comes from the
      // payout's postings, never from the command.
      const settled = postings.find((p) => ofTransfer(p) && /:settle(-\d+)?$/.test(p.postingId));
      const creatorId = postings
        .flatMap((p) => p.legs.map((l) => CREATOR_AVAILABLE.exec(l.account)?.[1]))
        .find((c): c is string => c !== undefined);
      if (!settled || !creatorId) return { outcome: 'payout_unknown' };
      if (settled.currency !== i.currency)
        throw failure(FailureType.Conflict, `payout ${wf}: settled in another currency than the return`, {
          code: 'currency_mismatch',
        });
      // What the payout already booked back of this transfer (a return it saw itself before it closed) plus this
      // return may not exceed what left: booking more would pay the creator twice.
      const settledLeg = (p: Posting) => p.legs.find((l) => l.account === Accounts.payoutsSettled)?.amountMinor ?? 0;
      const left = -settledLeg(settled);
      const reversed = postings
        .filter((p) => ofTransfer(p) && /:reverse(_partial)?(-\d+)?$/.test(p.postingId))
        .reduce((sum, p) => sum + settledLeg(p), 0);
      if (reversed + i.amountMinor > left) return { outcome: 'already_reversed' };
      const postingId = rebookPostingId(i.breakId);
      const posted = await deps.ledger.post({
        postingId,
        currency: i.currency,
        description: `late return of payout ${wf} booked back to the creator (break ${i.breakWorkflowId})`,
        legs: [
          { account: Accounts.payoutsSettled, amountMinor: i.amountMinor },
          { account: Accounts.creatorAvailable(creatorId), amountMinor: -i.amountMinor },
        ],
        effectiveDate: i.effectiveDate,
        // The next day's run matches the bank's return line to this posting by the transfer's EndToEndId.
        refs: { workflowId: wf, rail: 'bank', endToEndId: i.endToEndId },
      });
      return { outcome: 'posted', postingId, creatorId, alreadyPosted: posted.alreadyPosted };
    },

    async recoveryRailOf(i) {
      const provider = providerOfAccount(deps, i.accountId);
      return { provider, reversible: REVERSIBLE.has(provider) };
    },

    async reverseDuplicateAtRail(i) {
      const provider = providerOfAccount(deps, i.accountId);
      if (!REVERSIBLE.has(provider)) return { outcome: 'unsupported', provider };
      // A reopened break recovered by offset before: the creator owes it already; never take it back a second way.
      const earlier = await deps.ledger.getPosting(recoveryPostingId(i.breakId));
      if (earlier && !earlier.legs.some((l) => l.account === Accounts.duplicatesReversed))
        return { outcome: 'already_recovered', provider };
      const t = await deps.psp.getTransfer(i.transferId);
      if (t.amount?.currency !== i.currency || t.amount.amountMinor < i.amountMinor)
        return { outcome: 'transfer_mismatch', provider };
      const key = recoveryPostingId(i.breakId);
      let made: { reversalId: string; amountMinor: number };
      try {
        made = await deps.psp.reverseTransfer({
          idempotencyKey: key,
          transferId: i.transferId,
          amountMinor: i.amountMinor,
          reference: key,
        });
      } catch (err) {
        // Stripe refuses a reversal of more than is left (or of a transfer already reversed): nothing moved.
        if (NOTHING_LEFT.has(failureCode(err))) return { outcome: 'transfer_mismatch', provider };
        throw err;
      }
      // Believed only once the provider shows it: the transfer read back lists the reversal (or its amount).
      const after = await deps.psp.getTransfer(i.transferId);
      const shown = after.reversals
        ? after.reversals.some((r) => r.id === made.reversalId && r.amountMinor === i.amountMinor)
        : (after.amountReversedMinor ?? 0) >= i.amountMinor;
      return shown
        ? { outcome: 'reversed', reversalId: made.reversalId, provider }
        : { outcome: 'not_confirmed', provider };
    },

    async postRecovery(i) {
      const postingId = recoveryPostingId(i.breakId);
      const rail = RAIL_OF[i.provider];
      const refs = { workflowId: i.payoutWorkflowId, railRef: i.transferId, ...(rail ? { rail } : {}) };
      if (i.mode === 'reverse') {
        const posted = await deps.ledger.post({
          postingId,
          currency: i.currency,
          description: `duplicate disbursement of payout ${i.payoutWorkflowId} reversed at ${i.provider} (${i.reversalId ?? '?'}; break ${i.breakWorkflowId})`,
          legs: [
            { account: Accounts.duplicatesReversed, amountMinor: i.amountMinor },
            { account: Accounts.duplicatesPaid, amountMinor: -i.amountMinor },
          ],
          effectiveDate: i.effectiveDate,
          refs,
        });
        return { outcome: 'posted', postingId, alreadyPosted: posted.alreadyPosted };
      }
      const creatorId = await creatorOfPayout(deps, i.payoutWorkflowId);
      if (!creatorId) return { outcome: 'payout_unknown' };
      const posted = await deps.ledger.post({
        postingId,
        currency: i.currency,
        description: `duplicate disbursement of payout ${i.payoutWorkflowId} at ${i.provider}: owed back by creator ${creatorId}, netted on the next payout (break ${i.breakWorkflowId})`,
        legs: [
          { account: Accounts.creatorReceivable(creatorId), amountMinor: i.amountMinor },
          { account: Accounts.payoutsSettled, amountMinor: -i.amountMinor },
        ],
        effectiveDate: i.effectiveDate,
        refs,
      });
      // What the creator's next payout reads to net the receivable (once: the event ID is the posting's).
      await deps.audit.append({
        stream: creatorReceivablesStream(creatorId),
        eventId: postingId,
        at: new Date().toISOString(),
        type: 'creator.receivable_opened',
        data: {
          postingId,
          amountMinor: i.amountMinor,
          currency: i.currency,
          payoutWorkflowId: i.payoutWorkflowId,
          breakWorkflowId: i.breakWorkflowId,
          provider: i.provider,
          transferId: i.transferId,
        },
      });
      return { outcome: 'posted', postingId, creatorId, alreadyPosted: posted.alreadyPosted };
    },
  } satisfies ReconBreakActivities;
}

/** Providers the product can ask to reverse a transfer: Stripe (transfer reversals). Adyen's adapter has none. */
const REVERSIBLE: ReadonlySet<string> = new Set(['stripe']);
const NOTHING_LEFT: ReadonlySet<string> = new Set(['transfer_already_reversed', 'parameter_invalid_integer']);
/** The ledger's rail scope of each provider's postings (`refs.rail`). */
const RAIL_OF: Readonly<Record<string, 'bank' | 'psp' | 'psp-adyen'>> = {
  bank: 'bank',
  stripe: 'psp',
  adyen: 'psp-adyen',
};
/** The default accounts' providers when no configuration names them (recon-days' defaults; late events' accounts). */
const DEFAULT_PROVIDERS: Readonly<Record<string, string>> = {
  'bank-main': 'bank',
  'psp-platform': 'stripe',
  'psp-adyen': 'adyen',
};

/** Which provider pays through a reconciliation account: its configuration, else the default accounts'. */
function providerOfAccount(deps: ActivityDeps, accountId: string): string {
  const a = deps.reconAccounts?.find((x) => caseFold(x.accountId) === caseFold(accountId));
  if (a) return a.rail === 'bank' ? 'bank' : (a.provider ?? 'stripe');
  return DEFAULT_PROVIDERS[accountId] ?? 'unknown';
}

/** The creator of a payout, from the payout's own postings (reserve and settle of any attempt). */
async function creatorOfPayout(deps: ActivityDeps, wf: string): Promise<string | undefined> {
  const ids = [...stepsOf('reserve'), ...stepsOf('settle')];
  const postings = await deps.ledger.getPostings(ids.map((s) => idempotencyKey(wf, s)));
  return postings
    .flatMap((p) => p.legs.map((l) => CREATOR_AVAILABLE.exec(l.account)?.[1]))
    .find((c): c is string => c !== undefined);
}
