import { z } from 'zod';
import { currencySchema } from '../../../workflows/shared/money';
import { failure, FailureType } from '../../../workflows/shared/failures';
import { ProviderTransientError } from '../errors';
import type { CreatorRecord, CreatorsPort, FxLock } from './port';

const methodSchema = z.object({
  rail: z.enum(['bank', 'psp']),
  currency: currencySchema,
  country: z.string(),
  accountToken: z.string().optional(),
  adyenBalanceAccountId: z.string().optional(),
  iban: z.string().optional(),
  accountHolderName: z.string().optional(),
});
const creatorSchema = z.object({
  creatorId: z.string(),
  displayName: z.string(),
  email: z.string(),
  kycStatus: z.enum(['verified', 'pending', 'required', 'rejected']),
  sanctionsStatus: z.enum(['clear', 'pending', 'hit']),
  holdUntil: z.string().optional(),
  balanceCurrency: currencySchema,
  payoutMethod: methodSchema.optional(),
  earnings: z.record(z.string(), z.number().int()),
});
const moneyWire = z.object({ amountMinor: z.number().int(), currency: currencySchema });
const lockSchema = z.object({
  quoteId: z.string(),
  lockId: z.string(),
  rate: z.string(),
  source: moneyWire,
  target: moneyWire,
  expiresAt: z.string(),
});
const pageSchema = z.object({
  items: z.array(z.object({ creatorId: z.string(), amount: moneyWire })),
  nextCursor: z.string().optional(),
});

/** The real creator-directory client (JSON over HTTP). Response bodies are never copied into errors (they carry PII). */
export function createHttpCreators(opts: { apiBase: string; timeoutMs?: number }): CreatorsPort {
  const request = async <T>(
    operation: string,
    schema: z.ZodType<T>,
    path: string,
    init?: { method: string; body: unknown },
  ): Promise<T | undefined> => {
    let res: Response;
    try {
      res = await fetch(new URL(path, opts.apiBase), {
        method: init?.method ?? 'GET',
        headers: init ? { 'Content-Type': 'application/json' } : {},
        body: init ? JSON.stringify(init.body) : undefined,
        signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
      });
    } catch (err) {
      if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'))
        throw new ProviderTransientError(
          'creators',
          'DIRECTORY_TIMEOUT',
          `${operation}: directory did not answer in time`,
        );
      throw new ProviderTransientError(
        'creators',
        'DIRECTORY_CONNECTION',
        `${operation}: connection to directory failed`,
      );
    }
    const text = await res.text();
    if (res.status === 404) return undefined;
    if (res.status >= 500 || res.status === 429)
      throw new ProviderTransientError(
        'creators',
        'DIRECTORY_UNAVAILABLE',
        `${operation}: directory unavailable (${res.status})`,
      );
    if (!res.ok)
      throw failure(FailureType.ProviderPermanent, `${operation}: directory refused the request (${res.status})`);
    const parsed = schema.safeParse(JSON.parse(text));
    if (!parsed.success)
      throw failure(FailureType.ProviderPermanent, `${operation}: directory answered in an unexpected shape`);
    return parsed.data;
  };
  return {
    async getCreator(creatorId): Promise<CreatorRecord | undefined> {
      return request('getCreator', creatorSchema, `/v1/creators/${encodeURIComponent(creatorId)}`);
    },
    async listEarnings(i) {
      const q = new URLSearchParams({
        period: i.period,
        limit: String(i.limit),
        ...(i.cursor ? { cursor: i.cursor } : {}),
      });
      return (await request('listEarnings', pageSchema, `/v1/earnings?${q.toString()}`)) ?? { items: [] };
    },
    async lockFxQuote(i): Promise<FxLock> {
      const lock = await request('lockFxQuote', lockSchema, '/v1/fx/locks', { method: 'POST', body: i });
      if (!lock) throw failure(FailureType.ProviderPermanent, 'lockFxQuote: no quote for this currency pair');
      return lock;
    },
  };
}
