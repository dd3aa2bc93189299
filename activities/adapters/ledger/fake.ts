import { failure, FailureType } from '../../../workflows/shared/failures';
import {
  assertBalanced,
  POSTING_SCOPES,
  postingConflict,
  sameMoney,
  scopeOf,
  type LedgerPort,
  type NewPosting,
  type PageOptions,
  type Posting,
  type PostingScope,
  type StatementLine,
} from './port';

/**
 * In-memory ledger with the same idempotency and overdraft rules as the DynamoDB one, and the same reads (a page is
 * `limit` items, 1,000 by default; cursors are offsets).
 */
export function createFakeLedger() {
  const postings = new Map<string, Posting>();
  const balances = new Map<string, number>();
  const key = (a: string, c: string) => `${a}|${c}`;
  const page = <T>(all: T[], opts: PageOptions) => {
    const from = opts.startKey ? Number(opts.startKey) : 0;
    const to = from + (opts.limit ?? 1000);
    return { items: all.slice(from, to), ...(to < all.length ? { next: String(to) } : {}) };
  };
  const port = {
    async post(posting: NewPosting) {
      assertBalanced(posting);
      const stored = postings.get(posting.postingId);
      if (stored && !sameMoney(stored, posting)) throw postingConflict(posting.postingId);
      if (stored) return { postingId: posting.postingId, alreadyPosted: true };
      for (const leg of posting.legs) {
        const next = (balances.get(key(leg.account, posting.currency)) ?? 0) + leg.amountMinor;
        const overdrawn =
          (posting.mustStayNonNegative?.includes(leg.account) && next > 0) ||
          (posting.mustStayDebit?.includes(leg.account) && next < 0);
        if (overdrawn) {
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
    async postingsOn(date: string, opts: PageOptions & { scope?: PostingScope } = {}) {
      const scopes = opts.scope ? [opts.scope] : POSTING_SCOPES;
      const rank = (p: Posting) => scopes.indexOf(scopeOf(p));
      const day = [...postings.values()]
        .filter((p) => p.effectiveDate === date && rank(p) >= 0)
        .sort((a, b) => rank(a) - rank(b) || (a.postingId < b.postingId ? -1 : 1));
      return page(day, opts);
    },
    async statement(account: string, currency: string, from: string, to: string, opts: PageOptions = {}) {
      let opening = balances.get(key(account, currency)) ?? 0;
      const lines: Array<Omit<StatementLine, 'runningBalanceMinor'>> = [];
      for (const p of postings.values()) {
        if (p.currency !== currency || !p.effectiveDate || p.effectiveDate < from) continue;
        for (const leg of p.legs.filter((l) => l.account === account)) {
          opening -= leg.amountMinor;
          if (p.effectiveDate > to) continue;
          lines.push({
            postingId: p.postingId,
            effectiveDate: p.effectiveDate,
            amountMinor: leg.amountMinor,
            description: p.description,
            ...(p.refs ? { refs: p.refs } : {}),
          });
        }
      }
      lines.sort((a, b) =>
        a.effectiveDate !== b.effectiveDate
          ? a.effectiveDate < b.effectiveDate
            ? -1
            : 1
          : a.postingId < b.postingId
            ? -1
            : 1,
      );
      let running = opening;
      const all = lines.map((l) => ({ ...l, runningBalanceMinor: (running += l.amountMinor) }));
      return { ...page(all, opts), openingBalanceMinor: opening };
    },
  } satisfies LedgerPort;
  return { ...port, postings };
}
