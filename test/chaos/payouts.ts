import type { Client } from '@temporalio/client';
import { Accounts } from '../../activities/adapters/ledger/port';
import { createDynamoLedger } from '../../activities/adapters/ledger/dynamo-ledger';
import { makeAwsClients } from '../../activities/adapters/aws';
import { startPayout } from '../../client/payouts';
import { payableCreator } from '../../sandboxes/creators';
import { awsOptions } from '../../workers/config';
import { payoutIdFor, type PayoutTiming } from '../../workflows/payouts/contract';
import type { Currency } from '../../workflows/shared/money';
import { admin } from './admin';
import type { ChaosStack } from './stack';

/** One payout a row started: what the checks need to judge it from the outside. */
export interface ChaosPayout {
  payoutId: string;
  creatorId: string;
  amountMinor: number;
  fundedMinor: number;
  rail: 'psp' | 'bank';
  /** The payout's (and the creator's balance) currency; USD unless a row says otherwise (routing rows pay EUR). */
  currency?: Currency;
}

/** Short windows so a row ends in seconds (time-skipping does not exist on the dev server). */
export const FAST_TIMING: PayoutTiming = {
  returnWindowMs: 1_500,
  pollInitialMs: 300,
  pollMaxMs: 1_000,
  confirmationDeadlineMs: 20_000,
  parkDeadlineMs: 30_000,
  reminderEveryMs: 10_000,
  recheckEveryMs: 5_000,
};

/**
 * Registers `n` payable creators on `rail` in the directory and funds each in the ledger (moto DynamoDB). With
 * `period`, each creator has earned its amount in that period and its payout ID is the run's (`payoutIdFor`).
 */
export async function seedPayouts(
  stack: ChaosStack,
  tag: string,
  n: number,
  rail: 'psp' | 'bank' = 'psp',
  period?: string,
): Promise<ChaosPayout[]> {
  const payouts = Array.from({ length: n }, (_, i) => ({
    payoutId: period ? payoutIdFor(`${tag}-c${i}`, period) : `${tag}-${i}`,
    creatorId: `${tag}-c${i}`,
    amountMinor: 1_000 + i,
    fundedMinor: 5_000 + i,
    rail,
  }));
  const earned = (p: ChaosPayout) => (period ? { earnings: { [period]: p.amountMinor } } : {});
  const method = (id: string) =>
    rail === 'bank'
      ? {
          payoutMethod: {
            rail: 'bank',
            currency: 'USD',
            country: 'DE',
            iban: 'DE89370400440532013000',
            accountHolderName: id,
          },
        }
      : {
          payoutMethod: { rail: 'psp', currency: 'USD', country: 'US', accountToken: `acct_${id.replace(/-/g, '_')}` },
        };
  await admin(stack.creators.url, '/__admin/creators', {
    creators: payouts.map((p) =>
      payableCreator(p.creatorId, { ...method(p.creatorId), ...earned(p), balanceCurrency: 'USD' }),
    ),
  });
  await fundCreators(stack, payouts, 'USD');
  return payouts;
}

/** Funds each payout's creator with `fundedMinor` (platform cash → the creator's available balance), once per creator. */
export async function fundCreators(stack: ChaosStack, payouts: ChaosPayout[], currency: Currency): Promise<void> {
  const ledger = createDynamoLedger({
    aws: makeAwsClients(awsOptions(stack.config)),
    table: stack.config.LEDGER_TABLE,
  });
  await pool(payouts, 8, (p) =>
    ledger.post({
      postingId: `fund-${p.creatorId}`,
      currency,
      description: `chaos funding ${p.creatorId}`,
      effectiveDate: new Date().toISOString().slice(0, 10),
      refs: { workflowId: 'chaos-funding' },
      legs: [
        { account: Accounts.platformCash, amountMinor: p.fundedMinor },
        { account: Accounts.creatorAvailable(p.creatorId), amountMinor: -p.fundedMinor },
      ],
    }),
  );
}

/** Starts every payout through the typed client (the stack's, or `client`'s server), in parallel (bounded). */
export async function startPayouts(
  stack: ChaosStack,
  payouts: ChaosPayout[],
  timing = FAST_TIMING,
  client: Client = stack.client,
): Promise<void> {
  await pool(payouts, 16, (p) =>
    startPayout(
      client,
      {
        payoutId: p.payoutId,
        creatorId: p.creatorId,
        period: '2026-11',
        amount: { amountMinor: p.amountMinor, currency: p.currency ?? 'USD' },
        timing,
      },
      { taskQueue: stack.config.TEMPORAL_TASK_QUEUE },
    ),
  );
}

/** Runs `fn` over `items` with at most `width` in flight. */
export async function pool<T, R>(items: T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T);
      }
    }),
  );
  return out;
}
