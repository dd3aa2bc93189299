import { failure, FailureType } from '../../../workflows/shared/failures';
import { assertBalanced, postingConflict, sameMoney, type LedgerPort, type Posting } from './port';

/** In-memory ledger with the same idempotency and overdraft rules as the DynamoDB one. */
export function createFakeLedger() {
  const postings = new Map<string, Posting>();
  const balances = new Map<string, number>();
  const key = (a: string, c: string) => `${a}|${c}`;
  const port = {
    async post(posting: Posting) {
      assertBalanced(posting);
      const stored = postings.get(posting.postingId);
      if (stored && !sameMoney(stored, posting)) throw postingConflict(posting.postingId);
      if (stored) return { postingId: posting.postingId, alreadyPosted: true };
      for (const leg of posting.legs) {
        const next = (balances.get(key(leg.account, posting.currency)) ?? 0) + leg.amountMinor;
        if (posting.mustStayNonNegative?.includes(leg.account) && next > 0) {
          throw failure(FailureType.InsufficientFunds, `posting ${posting.postingId}: insufficient balance`);
        }
      }
      for (const leg of posting.legs) {
        balances.set(
          key(leg.account, posting.currency),
          (balances.get(key(leg.account, posting.currency)) ?? 0) + leg.amountMinor,
        );
      }
      postings.set(posting.postingId, posting);
      return { postingId: posting.postingId, alreadyPosted: false };
    },
    async balance(account: string, currency: string) {
      return balances.get(key(account, currency)) ?? 0;
    },
    async getPosting(postingId: string) {
      return postings.get(postingId);
    },
    async getPostings(postingIds: string[]) {
      return postingIds.flatMap((id) => postings.get(id) ?? []);
    },
  } satisfies LedgerPort;
  return { ...port, postings };
}
