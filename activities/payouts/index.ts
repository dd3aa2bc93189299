import { createHash } from 'node:crypto';
import { bankE2eStream } from '../../workflows/payouts/contract';
import {
  type PayoutActivities,
  type PayoutEmailTemplate,
  type PayoutPostingKind,
  type PostPayoutLedgerInput,
} from '../../workflows/payouts/contract-activities';
import { failure, FailureType } from '../../workflows/shared/failures';
import { formatMoney, type Money } from '../../workflows/shared/money';
import type { CreatorsPort } from '../adapters/creators/port';
import { Accounts, type Posting } from '../adapters/ledger/port';
import { createSharedActivities } from '../shared';
import type { ActivityDeps } from '../deps';

/**
 * ISO 20022 ids are at most 35 characters: derive them from the idempotency key by hashing, so they are stable
 * across retries and resets and reveal nothing.
 */
export function isoIdsFor(idempotencyKey: string): { messageId: string; endToEndId: string } {
  const h = createHash('sha256').update(idempotencyKey).digest('hex').toUpperCase();
  return { messageId: `MSG${h.slice(0, 32)}`, endToEndId: `E2E${h.slice(0, 32)}` };
}

/** Ledger legs per payout step; `mustStayNonNegative` keeps a reservation from overdrawing the creator. */
export function payoutPosting(
  kind: PayoutPostingKind,
  i: { postingId: string; creatorId: string; amount: Money; payoutId: string },
): Posting {
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
  }[kind];
  return {
    postingId: i.postingId,
    currency: i.amount.currency,
    description: `payout ${i.payoutId}: ${kind}`,
    legs,
    ...(kind === 'reserve' ? { mustStayNonNegative: [available] } : {}),
  };
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
};

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
  const methodOrFail = async (creatorId: string, rail: 'bank' | 'psp') => {
    const c = await creatorOrFail(creatorId);
    const m = c.payoutMethod;
    if (!m || m.rail !== rail)
      throw failure(FailureType.NotPayable, `creator ${creatorId} has no ${rail} payout method on file`, {
        code: 'payout_method_missing',
      });
    return { creator: c, method: m };
  };

  return {
    publishEvent,
    appendAudit,

    async getPayoutProfile(i) {
      const c = await creatorOrFail(i.creatorId);
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
              },
            }
          : {}),
      };
    },

    async postPayoutLedger(i: PostPayoutLedgerInput) {
      return deps.ledger.post(payoutPosting(i.kind, i));
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

    /** Stripe Connect transfer to the creator's connected account, looked up here. */
    async initiatePspPayout(i) {
      const { method } = await methodOrFail(i.creatorId, 'psp');
      if (!method.accountToken)
        throw failure(FailureType.NotPayable, `creator ${i.creatorId} has no PSP account on file`, {
          code: 'payout_method_missing',
        });
      return deps.psp.createTransfer({
        idempotencyKey: i.idempotencyKey,
        amount: i.amount,
        destinationAccount: method.accountToken,
        reference: i.reference,
      });
    },

    /**
     * pain.001 credit transfer. The EndToEndId → workflow mapping is written to the audit store *before* sending,
     * so a camt.054 that beats the activity's completion still finds its workflow.
     */
    async initiateBankPayout(i) {
      const { creator, method } = await methodOrFail(i.creatorId, 'bank');
      if (!method.iban)
        throw failure(FailureType.NotPayable, `creator ${i.creatorId} has no bank account on file`, {
          code: 'payout_method_missing',
        });
      const ids = isoIdsFor(i.idempotencyKey);
      await deps.audit.append({
        stream: bankE2eStream(ids.endToEndId),
        eventId: 'route',
        at: new Date().toISOString(),
        type: 'payout.bank_route',
        data: { workflowId: i.workflowId },
      });
      const r = await deps.bank.initiateCreditTransfer({
        ...ids,
        amount: i.amount,
        creditorName: method.accountHolderName ?? creator.displayName,
        accountRef: method.iban,
        remittance: i.remittance,
      });
      return { endToEndId: r.endToEndId, status: r.status, ...(r.reasonCode ? { reasonCode: r.reasonCode } : {}) };
    },

    async pollPspPayout(i) {
      return deps.psp.getTransfer(i.transferId);
    },

    async pollBankPayout(i) {
      return deps.bank.getStatus(i.endToEndId);
    },

    /** Email to the creator; the address is resolved here and never returned or logged. */
    async emailCreator(i) {
      const c = await creatorOrFail(i.creatorId);
      const { subject, body } = TEMPLATES[i.template](formatMoney(i.amount), i.payoutId);
      return deps.notifications.sendEmail({ to: c.email, subject, body });
    },
  } satisfies PayoutActivities;
}
