import type { Currency, Money } from '../../../workflows/shared/money';
import type { CreatorRecord, CreatorsPort, FxLock } from './port';

/** In-memory creator directory for tests; rates are integers per million to stay float-free. */
export function createFakeCreators(seed: CreatorRecord[] = []) {
  const creators = new Map(seed.map((c) => [c.creatorId, structuredClone(c)]));
  const locks = new Map<string, FxLock>();
  const ratesPerMillion = new Map<string, number>([
    ['USD>EUR', 920_000],
    ['EUR>USD', 1_087_000],
    ['USD>GBP', 790_000],
    ['EUR>GBP', 858_000],
  ]);
  const calls: string[] = [];
  const port = {
    async getCreator(creatorId: string) {
      calls.push(`getCreator:${creatorId}`);
      const c = creators.get(creatorId);
      return c ? structuredClone(c) : undefined;
    },
    async listEarnings(i: { period: string; cursor?: string; limit: number }) {
      calls.push(`listEarnings:${i.period}`);
      const all = [...creators.values()]
        .filter((c) => (c.earnings[i.period] ?? 0) > 0)
        .sort((a, b) => a.creatorId.localeCompare(b.creatorId))
        .filter((c) => !i.cursor || c.creatorId > i.cursor);
      const page = all.slice(0, i.limit);
      const last = page[page.length - 1];
      return {
        items: page.map((c) => ({
          creatorId: c.creatorId,
          amount: { amountMinor: c.earnings[i.period] ?? 0, currency: c.balanceCurrency },
        })),
        ...(all.length > i.limit && last ? { nextCursor: last.creatorId } : {}),
      };
    },
    async lockFxQuote(i: { idempotencyKey: string; source: Money; targetCurrency: Currency }) {
      calls.push(`lockFxQuote:${i.idempotencyKey}`);
      const existing = locks.get(i.idempotencyKey);
      if (existing) return existing;
      const perMillion = ratesPerMillion.get(`${i.source.currency}>${i.targetCurrency}`) ?? 1_000_000;
      const lock: FxLock = {
        quoteId: `q_${locks.size + 1}`,
        lockId: `lock_${locks.size + 1}`,
        rate: (perMillion / 1_000_000).toFixed(6),
        source: i.source,
        target: {
          amountMinor: Math.floor((i.source.amountMinor * perMillion) / 1_000_000),
          currency: i.targetCurrency,
        },
        expiresAt: new Date(Date.now() + 15 * 60_000).toISOString(),
      };
      locks.set(i.idempotencyKey, lock);
      return lock;
    },
  } satisfies CreatorsPort;
  return Object.assign(port, {
    creators,
    locks,
    calls,
    upsert(c: CreatorRecord) {
      creators.set(c.creatorId, structuredClone(c));
    },
    patch(creatorId: string, p: Partial<CreatorRecord>) {
      const c = creators.get(creatorId);
      if (c) creators.set(creatorId, { ...c, ...structuredClone(p) });
    },
  });
}
export type FakeCreators = ReturnType<typeof createFakeCreators>;
