import { failure, FailureType } from '../../../workflows/shared/failures';
import { bankRejection } from './errors';
import type { BankPort, BankTransferStatus } from './port';

type InitiateInput = Parameters<BankPort['initiateCreditTransfer']>[0];

interface FakeTransfer {
  input: InitiateInput;
  status: BankTransferStatus;
  reasonCode?: string;
  returns?: Array<{ amountMinor: number; reasonCode: string }>;
}

/** In-memory bank for workflow/activity tests: idempotent on messageId + endToEndId, scriptable outcomes. */
export function createFakeBank() {
  const transfers = new Map<string, FakeTransfer>();
  const rejectAccounts = new Map<string, string>();
  const failNext: Error[] = [];
  const calls: { method: keyof BankPort; endToEndId: string }[] = [];

  const port = {
    async initiateCreditTransfer(i) {
      calls.push({ method: 'initiateCreditTransfer', endToEndId: i.endToEndId });
      const scripted = failNext.shift();
      if (scripted) throw scripted;
      const existing = transfers.get(i.endToEndId);
      if (existing) {
        const same =
          existing.input.messageId === i.messageId &&
          existing.input.amount.amountMinor === i.amount.amountMinor &&
          existing.input.amount.currency === i.amount.currency &&
          existing.input.accountRef === i.accountRef;
        if (!same)
          throw failure(
            FailureType.Conflict,
            'initiateCreditTransfer: bank reports a duplicate with different content (DUPL)',
            { reasonCode: 'DUPL' },
          );
      } else {
        const reject = rejectAccounts.get(i.accountRef);
        transfers.set(
          i.endToEndId,
          reject ? { input: i, status: 'rejected', reasonCode: reject } : { input: i, status: 'accepted' },
        );
      }
      const t = transfers.get(i.endToEndId) as FakeTransfer;
      if (t.status === 'rejected') throw bankRejection('initiateCreditTransfer', t.reasonCode);
      return { endToEndId: i.endToEndId, status: t.status === 'returned' ? 'settled' : t.status };
    },
    async getStatus(endToEndId) {
      calls.push({ method: 'getStatus', endToEndId });
      const scripted = failNext.shift();
      if (scripted) throw scripted;
      const t = transfers.get(endToEndId);
      if (!t) throw failure(FailureType.ProviderPermanent, 'getStatus: unknown to the bank', { statusCode: 404 });
      return { endToEndId, status: t.status, ...(t.reasonCode ? { reasonCode: t.reasonCode } : {}) };
    },
    async listReturns(endToEndId) {
      calls.push({ method: 'listReturns', endToEndId });
      const t = transfers.get(endToEndId);
      if (!t) throw failure(FailureType.ProviderPermanent, 'listReturns: unknown to the bank', { statusCode: 404 });
      return (t.returns ?? []).map((r) => ({
        amount: { amountMinor: r.amountMinor, currency: t.input.amount.currency },
        reasonCode: r.reasonCode,
      }));
    },
  } satisfies BankPort;

  return Object.assign(port, {
    calls,
    transfers,
    /** Transfers to this account are rejected with `code` (e.g. AC04). */
    rejectAccount(accountRef: string, code: string) {
      rejectAccounts.set(accountRef, code);
    },
    /** The next call throws `err` (e.g. `new ProviderTransientError('bank', 'BANK_TIMEOUT', …)`). */
    failNextWith(err: Error) {
      failNext.push(err);
    },
    settle(endToEndId: string) {
      const t = transfers.get(endToEndId);
      if (t) t.status = 'settled';
    },
    /** The transfer comes back (all of what is left, or `amountMinor` of it). */
    returnTransfer(endToEndId: string, code: string, amountMinor?: number) {
      const t = transfers.get(endToEndId);
      if (!t) return;
      const left = t.input.amount.amountMinor - (t.returns ?? []).reduce((s, r) => s + r.amountMinor, 0);
      t.returns = [...(t.returns ?? []), { amountMinor: amountMinor ?? left, reasonCode: code }];
      Object.assign(t, { status: 'returned', reasonCode: code });
    },
  });
}
export type FakeBank = ReturnType<typeof createFakeBank>;
