import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { bankE2eStream } from '../../workflows/payouts/contract';
import type { PayoutActivities } from '../../workflows/payouts/contract';
import { failure, failureCode, FailureType, typedFailure } from '../../workflows/shared/failures';
import { ProviderTransientError } from '../adapters/errors';
import type { CreatorRecord, CreatorsPort, PayoutMethod } from '../adapters/creators/port';
import type { ActivityDeps } from '../deps';

/**
 * ISO 20022 ids are at most 35 characters: derive them from the idempotency key by hashing, so they are stable
 * across retries and resets and reveal nothing.
 */
export function isoIdsFor(idempotencyKey: string): { messageId: string; endToEndId: string } {
  const h = createHash('sha256').update(idempotencyKey).digest('hex').toUpperCase();
  return { messageId: `MSG${h.slice(0, 32)}`, endToEndId: `E2E${h.slice(0, 32)}` };
}

/** The opaque ID an attempt's destination is kept under: derived from the initiation key, so stable across retries. */
export const destinationIdFor = (idempotencyKey: string) =>
  `dst_${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32)}`;
export const destinationStream = (destinationId: string) => `payout-destination:${destinationId}`;
/** Destinations a worker remembers (a few hundred bytes each): far more than the initiations it runs at once. */
const KNOWN_DESTINATIONS = 2_000;

/** The running activity's context; undefined when an activity function is called directly (unit tests). */
function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/** The PSP's 429 (with or without `Retry-After`): refused before processing, so nothing was created. */
const rateLimited = (err: unknown) =>
  (err instanceof ProviderTransientError ? err.code : failureCode(err)) === 'PSP_RATE_LIMITED';

/** Where an attempt pays, as read once from the directory (kept by the audit store, never in history). */
interface Destination {
  rail: 'bank' | 'psp';
  accountToken?: string;
  /** A routed payout's Adyen destination (then `accountToken` is absent: one provider per fixed destination). */
  adyenBalanceAccountId?: string;
  iban?: string;
  creditorName: string;
}

/**
 * Whether two destinations pay the same account: the rail and its account (PSP account token; IBAN without spaces,
 * case-folded). The holder's name is not part of it: a bounced account with a corrected name bounces again.
 */
type Account = Pick<Destination, 'rail' | 'accountToken' | 'iban' | 'adyenBalanceAccountId'>;
function sameAccount(kept: Account, now: Account): boolean {
  const iban = (d: Account) => d.iban?.replace(/\s+/g, '').toUpperCase();
  // A routed payout's Adyen destination is compared with the creator's Adyen balance account only.
  if (kept.adyenBalanceAccountId) return now.rail === 'psp' && now.adyenBalanceAccountId === kept.adyenBalanceAccountId;
  return kept.rail === now.rail && kept.accountToken === now.accountToken && iban(kept) === iban(now);
}

const missingMethod = (creatorId: string, rail: string) =>
  failure(FailureType.NotPayable, `creator ${creatorId} has no ${rail} payout method on file`, {
    code: 'payout_method_missing',
  });

/**
 * The rail activities of a payout: the destination is fixed once per attempt and the initiation pays it without
 * re-reading the directory; a PSP transfer is looked up before it is created (an idempotency key may have expired).
 */
export function createPayoutRailActivities(deps: ActivityDeps, creators: () => CreatorsPort) {
  const creatorOrFail = async (creatorId: string): Promise<CreatorRecord> => {
    const c = await creators().getCreator(creatorId);
    if (!c) throw failure(FailureType.InvalidInput, `creatorId: unknown creator ${creatorId}`);
    return c;
  };
  /** Histories from before fixed destinations: the method as the directory says now. */
  const currentDestination = async (creatorId: string, rail: 'bank' | 'psp'): Promise<Destination> => {
    const c = await creatorOrFail(creatorId);
    const m: PayoutMethod | undefined = c.payoutMethod;
    if (!m || m.rail !== rail) throw missingMethod(creatorId, rail);
    return {
      rail,
      ...(m.accountToken ? { accountToken: m.accountToken } : {}),
      ...(m.iban ? { iban: m.iban } : {}),
      creditorName: m.accountHolderName ?? c.displayName,
    };
  };
  /** A routed payout's Adyen destination: the creator's balance account there, nothing of Stripe's. */
  const adyenDestination = async (creatorId: string): Promise<Destination> => {
    const c = await creatorOrFail(creatorId);
    const m = c.payoutMethod;
    if (!m || m.rail !== 'psp' || !m.adyenBalanceAccountId) throw missingMethod(creatorId, 'adyen');
    return {
      rail: 'psp',
      adyenBalanceAccountId: m.adyenBalanceAccountId,
      creditorName: m.accountHolderName ?? c.displayName,
    };
  };
  /**
   * Destinations this worker fixed or read, by ID. An audit event is never changed once appended, so the initiation
   * that follows a fixing on the same worker pays what was written without reading it back (one read per payout
   * fewer); another worker, or this one after the entry went, reads the audit store as before.
   */
  const known = new Map<string, Destination>();
  const remember = (destinationId: string, d: Destination) => {
    known.delete(destinationId);
    known.set(destinationId, d);
    // A Map iterates in insertion order: the first key is the oldest entry.
    if (known.size > KNOWN_DESTINATIONS) known.delete(known.keys().next().value as string);
  };
  const kept = async (destinationId: string): Promise<Destination | undefined> => {
    const hit = known.get(destinationId);
    if (hit) return hit;
    const event = await deps.audit.get(destinationStream(destinationId), 'destination');
    if (!event) return undefined;
    const d = event.data as unknown as Destination;
    remember(destinationId, d);
    return d;
  };
  const destination = async (i: { creatorId: string; destinationId?: string }, rail: 'bank' | 'psp') => {
    if (!i.destinationId) return currentDestination(i.creatorId, rail);
    const d = await kept(i.destinationId);
    if (!d) throw failure(FailureType.ProviderPermanent, `no destination kept under ${i.destinationId}`);
    return d;
  };

  return {
    /**
     * One conditional write, no read first: the append keeps whichever destination was fixed first under the key (an
     * earlier attempt's, or the run's before a reset), so a later directory answer never replaces it. Only when the
     * directory gives no destination is the kept one looked for: a destination already fixed stands even after the
     * method has gone, as the initiation pays it.
     */
    async fixPayoutDestination(i) {
      // The routing decision rides along (appending the same event ID again keeps the first).
      if (i.audit) await deps.audit.append(i.audit);
      const destinationId = destinationIdFor(i.idempotencyKey);
      const stream = destinationStream(destinationId);
      let d: Destination;
      try {
        d =
          i.provider === 'adyen' ? await adyenDestination(i.creatorId) : await currentDestination(i.creatorId, i.rail);
      } catch (err) {
        if (await kept(destinationId)) return { destinationId };
        throw err;
      }
      const { appended } = await deps.audit.append({
        stream,
        eventId: 'destination',
        at: new Date().toISOString(),
        type: 'payout.destination_fixed',
        data: { ...d },
      });
      if (appended) remember(destinationId, d);
      return { destinationId };
    },

    async comparePayoutDestination(i) {
      const fixed = await kept(destinationIdFor(i.idempotencyKey));
      if (!fixed) return { destination: 'unknown' as const };
      const c = await creatorOrFail(i.creatorId);
      const m = c.payoutMethod;
      return { destination: m && sameAccount(fixed, m) ? 'same' : 'changed' };
    },

    /**
     * Stripe Connect transfer to the fixed destination; an earlier transfer of the same step is found first, except
     * right after an attempt whose create the PSP refused unprocessed (429): then nothing exists under the key but
     * in-flight requests its idempotency covers, and the look-up would only spend the rate limit the retry waits for.
     */
    async initiatePspPayout(i) {
      const d = await destination(i, 'psp');
      if (!d.accountToken) throw missingMethod(i.creatorId, 'psp');
      const ctx = activityContext();
      const last = ctx?.info.heartbeatDetails as { unprocessedAttempt?: number } | undefined;
      if (!ctx || last?.unprocessedAttempt !== ctx.info.attempt - 1) {
        const existing = await deps.psp.findTransfer({ transferGroup: i.reference, stepKey: i.idempotencyKey });
        if (existing?.status === 'paid' || existing?.status === 'pending')
          return { transferId: existing.transferId, status: existing.status };
      }
      try {
        return await deps.psp.createTransfer({
          idempotencyKey: i.idempotencyKey,
          amount: i.amount,
          destinationAccount: d.accountToken,
          reference: i.reference,
          stepKey: i.idempotencyKey,
        });
      } catch (err) {
        if (ctx && rateLimited(err)) ctx.heartbeat({ unprocessedAttempt: ctx.info.attempt });
        throw err;
      }
    },

    /**
     * pain.001 credit transfer. The EndToEndId → workflow mapping is written to the audit store *before* sending,
     * so a camt.054 that beats the activity's completion still finds its workflow.
     */
    async initiateBankPayout(i) {
      const d = await destination(i, 'bank');
      if (!d.iban) throw missingMethod(i.creatorId, 'bank');
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
        creditorName: d.creditorName,
        accountRef: d.iban,
        remittance: i.remittance,
      });
      return { endToEndId: r.endToEndId, status: r.status, ...(r.reasonCode ? { reasonCode: r.reasonCode } : {}) };
    },

    async findRailPayout(i) {
      if (i.rail === 'psp') {
        const t = await deps.psp.findTransfer({ transferGroup: i.reference, stepKey: i.idempotencyKey });
        if (!t) return { found: false };
        return { found: true, reference: t.transferId, status: t.status === 'reversed' ? 'returned' : t.status };
      }
      const { endToEndId } = isoIdsFor(i.idempotencyKey);
      try {
        const s = await deps.bank.getStatus(endToEndId);
        const status =
          s.status === 'settled'
            ? 'paid'
            : s.status === 'rejected'
              ? 'failed'
              : s.status === 'returned'
                ? 'returned'
                : 'pending';
        return { found: true, reference: endToEndId, status };
      } catch (err) {
        const details = typedFailure(err)?.details?.[0] as { statusCode?: number } | undefined;
        if (details?.statusCode === 404) return { found: false };
        throw err;
      }
    },

    async pollPspPayout(i) {
      const t = await deps.psp.getTransfer(i.transferId);
      return {
        status: t.status,
        ...(t.failureCode ? { failureCode: t.failureCode } : {}),
        ...(t.amount ? { amount: t.amount } : {}),
        ...(t.amountReversedMinor !== undefined ? { returnedAmountMinor: t.amountReversedMinor } : {}),
      };
    },

    async pollBankPayout(i) {
      const s = await deps.bank.getStatus(i.endToEndId);
      const base = { status: s.status, ...(s.reasonCode ? { reasonCode: s.reasonCode } : {}) };
      if (s.status !== 'returned') return base;
      // What came back, return by return, as the bank booked it: the workflow sums it in the transfer's currency.
      const returns = await deps.bank.listReturns(i.endToEndId);
      return {
        ...base,
        returns: returns.map((r) => ({ amount: r.amount, ...(r.reasonCode ? { reasonCode: r.reasonCode } : {}) })),
      };
    },
  } satisfies Partial<PayoutActivities>;
}
