import { creatorReceivablesStream } from '../../workflows/recon-breaks/contract';
import {
  type NetReceivableInput,
  type PayoutActivities,
  type PayoutEmailTemplate,
  type PayoutPostingKind,
  type PostPayoutLedgerInput,
} from '../../workflows/payouts/contract';
import { failure, FailureType, typedFailure } from '../../workflows/shared/failures';
import { formatMoney, type Money } from '../../workflows/shared/money';
import type { PostingFacts } from '../../workflows/shared/posting-facts';
import { idempotencyKey } from '../../workflows/shared/task-queue';
import { stepName } from '../../workflows/payouts/policy';
import type { CreatorsPort, PayoutMethod } from '../adapters/creators/port';
import type { ProviderId } from '../../workflows/routing/contract';
import { Accounts, type NewPosting } from '../adapters/ledger/port';
import { postingFactsOf } from '../posting-facts';
import { createSharedActivities } from '../shared';
import type { ActivityDeps } from '../deps';
import { createAdyenPayoutActivities } from './adyen';
import { pausedAtServer } from './paused';
import { createPayoutRailActivities, isoIdsFor } from './rail';

export { isoIdsFor } from './rail';

/**
 * Ledger legs per payout step; `mustStayNonNegative` keeps a debit of the creator's available balance from overdrawing
 * it. The date and references come from the workflow (see `postingFactsOf` for inputs from before).
 */
export function payoutPosting(
  kind: PayoutPostingKind,
  i: { postingId: string; creatorId: string; amount: Money; payoutId: string } & Partial<PostingFacts>,
): NewPosting {
  const a = i.amount.amountMinor;
  const available = Accounts.creatorAvailable(i.creatorId);
  const legs = {
    reserve: [
      { account: available, amountMinor: a },
      { account: Accounts.payoutsInTransit, amountMinor: -a },
    ],
    release: [
      { account: Accounts.payoutsInTransit, amountMinor: a },
      { account: available, amountMinor: -a },
    ],
    settle: [
      { account: Accounts.payoutsInTransit, amountMinor: a },
      { account: Accounts.payoutsSettled, amountMinor: -a },
    ],
    reverse: [
      { account: Accounts.payoutsSettled, amountMinor: a },
      { account: available, amountMinor: -a },
    ],
    // `amount` is the part that came back (the workflow computed it from the rail's own answer).
    reverse_partial: [
      { account: Accounts.payoutsSettled, amountMinor: a },
      { account: available, amountMinor: -a },
    ],
    settle_elsewhere: [
      { account: available, amountMinor: a },
      { account: Accounts.payoutsSettled, amountMinor: -a },
    ],
  }[kind];
  return {
    postingId: i.postingId,
    currency: i.amount.currency,
    description: `payout ${i.payoutId}: ${kind}`,
    legs,
    ...withBankIds(postingFactsOf(i)),
    // Both debit what the creator may still take out: neither may overdraw it (a reserve before paying; a payout ops
    // paid outside the system, booked after its money came back or before anything was reserved).
    ...(kind === 'reserve' || kind === 'settle_elsewhere' ? { mustStayNonNegative: [available] } : {}),
  };
}

/**
 * A payout paying what its creator owes: the creator's available balance is debited (never overdrawn) and the
 * receivable credited, so the receivable falls by what was netted and the payout reserves only the rest.
 */
export function receivableNetting(i: NetReceivableInput): NewPosting {
  const a = i.amount.amountMinor;
  const available = Accounts.creatorAvailable(i.creatorId);
  return {
    postingId: i.postingId,
    currency: i.amount.currency,
    description: `payout ${i.payoutId}: net_receivable`,
    legs: [
      { account: available, amountMinor: a },
      { account: Accounts.creatorReceivable(i.creatorId), amountMinor: -a },
    ],
    effectiveDate: i.effectiveDate,
    refs: i.refs,
    mustStayNonNegative: [available],
    // Netted once: a payout that read the receivable before another netted it is refused, and reads it again.
    mustStayDebit: [Accounts.creatorReceivable(i.creatorId)],
  };
}

/**
 * A bank step's ISO ids, derived from the attempt's initiation key exactly as the pain.001 was built (EndToEndId;
 * PmtInfId = MsgId, one transaction per message): a pure function of the input, so a retry sends the same posting.
 */
function withBankIds(facts: PostingFacts): PostingFacts {
  const { refs } = facts;
  if (refs.rail !== 'bank' || refs.attempt === undefined) return facts;
  const ids = isoIdsFor(idempotencyKey(refs.workflowId, stepName('initiate', refs.attempt)));
  return { ...facts, refs: { ...refs, endToEndId: ids.endToEndId, pmtInfId: ids.messageId } };
}

/** The PSPs a creator holds a destination at (names only: the workflow routes on them, never on account data). */
function pspProviders(m: PayoutMethod): ProviderId[] {
  return [...(m.accountToken ? (['stripe'] as const) : []), ...(m.adyenBalanceAccountId ? (['adyen'] as const) : [])];
}

const TEMPLATES: Record<PayoutEmailTemplate, (amount: string, id: string) => { subject: string; body: string }> = {
  paid: (amount: string, id: string) => ({
    subject: 'Your payout is on its way',
    body: `Your payout ${id} of ${amount} has been paid.`,
  }),
  failed: (amount: string, id: string) => ({
    subject: 'Your payout could not be made',
    body: `Your payout ${id} of ${amount} could not be made. The funds are back in your balance.`,
  }),
  returned: (amount: string, id: string) => ({
    subject: 'Your payout came back',
    body: `Your payout ${id} of ${amount} was returned by the receiving bank. The funds are back in your balance.`,
  }),
  action_required: (amount: string, id: string) => ({
    subject: 'Action needed to receive your payout',
    body: `Your payout ${id} of ${amount} is waiting for you: please complete your profile or payout details.`,
  }),
  new_details_required: (amount: string, id: string) => ({
    subject: 'Please update your payout details',
    body: `Your payout ${id} of ${amount} could not be delivered to the account on file. Please add new payout details.`,
  }),
  netted: (amount: string, id: string) => ({
    subject: 'Your payout settled what you owed',
    body: `Your payout ${id} of ${amount} went in full towards the amount you owed from an earlier payment made to you twice. Nothing is sent to your account this time.`,
  }),
};

/**
 * A creator email's text. A payout that netted what the creator owed speaks of the rest (what the account is paid,
 * or what comes back) and says where the netted part went, so the figure matches the creator's bank statement.
 */
export function payoutEmail(i: Parameters<PayoutActivities['emailCreator']>[0]): { subject: string; body: string } {
  const { netted, amount } = i;
  if (!netted || i.template === 'netted') return TEMPLATES[i.template](formatMoney(amount), i.payoutId);
  const rest = { amountMinor: amount.amountMinor - netted.amountMinor, currency: amount.currency };
  const { subject, body } = TEMPLATES[i.template](formatMoney(rest), i.payoutId);
  const note = `Of your ${formatMoney(amount)} payout, ${formatMoney(netted)} went towards the amount you owed from an earlier payment made to you twice.`;
  return { subject, body: `${body} ${note}` };
}

/** Payout activities. Account details and emails are resolved here, from the creator ID, and never returned. */
export function createPayoutActivities(deps: ActivityDeps) {
  const { publishEvent, appendAudit } = createSharedActivities(deps);
  const creators = (): CreatorsPort => {
    if (!deps.creators) throw failure(FailureType.ProviderPermanent, 'no creator directory configured for this worker');
    return deps.creators;
  };
  const creatorOrFail = async (creatorId: string) => {
    const c = await creators().getCreator(creatorId);
    if (!c) throw failure(FailureType.InvalidInput, `creatorId: unknown creator ${creatorId}`);
    return c;
  };
  return {
    publishEvent,
    appendAudit,
    ...createPayoutRailActivities(deps, creators),
    ...createAdyenPayoutActivities(deps),

    async getPayoutProfile(i) {
      const c = await creatorOrFail(i.creatorId);
      // A PSP payout routes on this profile: the providers paused at the server ride on it (no activity of their own).
      const paused = c.payoutMethod?.rail === 'psp' ? await pausedAtServer() : undefined;
      // What the creator owes (a duplicate recovered by offset) rides on it too: the payout nets it without a read
      // activity of its own, and a payout with nothing owed runs exactly the activities it ran before.
      const owed = await deps.ledger.balance(Accounts.creatorReceivable(c.creatorId), c.balanceCurrency);
      return {
        creatorId: c.creatorId,
        kycStatus: c.kycStatus,
        sanctionsStatus: c.sanctionsStatus,
        balanceCurrency: c.balanceCurrency,
        ...(c.holdUntil ? { holdUntil: c.holdUntil } : {}),
        ...(c.payoutMethod
          ? {
              payoutMethod: {
                rail: c.payoutMethod.rail,
                currency: c.payoutMethod.currency,
                country: c.payoutMethod.country,
                ...(c.payoutMethod.rail === 'psp' ? { providers: pspProviders(c.payoutMethod) } : {}),
              },
            }
          : {}),
        ...(paused !== undefined ? { pausedProviders: paused } : {}),
        ...(owed > 0 ? { receivableMinor: owed } : {}),
      };
    },

    async postPayoutLedger(i: PostPayoutLedgerInput) {
      return deps.ledger.post(payoutPosting(i.kind, i));
    },

    async netCreatorReceivable(i: NetReceivableInput) {
      let posted: { postingId: string; alreadyPosted: boolean };
      try {
        posted = await deps.ledger.post(receivableNetting(i));
      } catch (err) {
        // Refused because less is owed now (another payout netted part of it meanwhile): say how much, post nothing.
        // Refused with the receivable intact: the creator's balance cannot cover it, a failure as a reserve's is.
        if (typedFailure(err)?.type !== FailureType.InsufficientFunds) throw err;
        const owed = await deps.ledger.balance(Accounts.creatorReceivable(i.creatorId), i.amount.currency);
        if (owed >= i.amount.amountMinor) throw err;
        return { postingId: i.postingId, alreadyPosted: false, owedMinor: Math.max(0, owed) };
      }
      // The receivables stream says what was netted, by which payout (once: the event ID is the posting's).
      await appendAudit({
        stream: creatorReceivablesStream(i.creatorId),
        eventId: i.postingId,
        at: new Date().toISOString(),
        type: 'creator.receivable_netted',
        data: {
          postingId: i.postingId,
          amountMinor: i.amount.amountMinor,
          currency: i.amount.currency,
          payoutId: i.payoutId,
          payoutWorkflowId: i.refs.workflowId,
        },
      });
      return posted;
    },

    async readPayoutPostings(i) {
      const stored = await deps.ledger.getPostings(i.postingIds);
      return { posted: stored.map((p) => p.postingId) };
    },

    async lockPayoutFx(i) {
      const lock = await creators().lockFxQuote(i);
      return {
        lockId: lock.lockId,
        quoteId: lock.quoteId,
        rate: lock.rate,
        target: lock.target,
        expiresAt: lock.expiresAt,
      };
    },

    /** Email to the creator; the address is resolved here and never returned or logged. */
    async emailCreator(i) {
      const c = await creatorOrFail(i.creatorId);
      const { subject, body } = payoutEmail(i);
      return deps.notifications.sendEmail({ to: c.email, subject, body });
    },
  } satisfies PayoutActivities;
}
