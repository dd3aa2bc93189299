import type { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { createHttpCreators } from '../../activities/adapters/creators/http-creators';
import { createFakeLedger } from '../../activities/adapters/ledger/fake';
import { Accounts } from '../../activities/adapters/ledger/port';
import { createFakeNotifications } from '../../activities/adapters/notifications/fake';
import { payouts } from '../../client';
import { payableCreator, startCreatorsSandbox, type CreatorsSandbox } from '../../sandboxes/creators';
import { startPspSandbox, type PspSandbox } from '../../sandboxes/psp';
import type { AppConfig } from '../../workers/config';
import { buildDependencies } from '../../workers/dependencies';
import { getPayoutStateQuery, type PayoutStatus } from '../../workflows/payouts/contract';
import { testClient, testWorker } from '../support/stack';
import { until } from '../support/wait';

/**
 * Stuck payouts as ops meet them, on real parts: a worker on `config`'s server with the PSP and creator-directory
 * sandboxes and the real audit store (DynamoDB on moto, so `ops show` reads the trail the workflow wrote); ledger and
 * notifications in memory (nothing here is about them).
 */
export interface StuckPayouts {
  config: AppConfig;
  client: Client;
  psp: PspSandbox;
  creators: CreatorsSandbox;
  /** A payout whose creator's KYC is pending: parked in `awaiting_payability`, waiting on the creator. */
  parkOnKyc(payoutId: string): Promise<PayoutStatus>;
  /**
   * A payout whose PSP call keeps failing (every PSP request answers 500 from now on): resolves once its initiation
   * activity has failed at least `attempts` times.
   */
  failAtPsp(payoutId: string, attempts?: number): Promise<void>;
  stop(): Promise<void>;
}

const admin = async (base: string, path: string, body: unknown) => {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
};

export async function startStuckPayouts(config: AppConfig): Promise<StuckPayouts> {
  const psp = await startPspSandbox({ port: 0, webhookSecret: 'whsec_test' });
  const creators = await startCreatorsSandbox({ port: 0 });
  const cfg = { ...config, PSP_API_BASE: psp.url };
  const ledger = createFakeLedger();
  const deps = buildDependencies(cfg, {
    ledger,
    notifications: createFakeNotifications(),
    creators: createHttpCreators({ apiBase: creators.url }),
  });
  const { worker, connection: workerConnection } = await testWorker(cfg, deps);
  const running = (worker as Worker).run();
  const { client, connection } = await testClient(cfg);

  const start = async (payoutId: string, creator: Record<string, unknown>) => {
    const creatorId = `${payoutId}-c`;
    await admin(creators.url, '/__admin/creators', payableCreator(creatorId, creator));
    await ledger.post({
      postingId: `fund-${creatorId}`,
      currency: 'USD',
      description: 'test funding',
      effectiveDate: new Date().toISOString().slice(0, 10),
      refs: { workflowId: 'test-funding' },
      legs: [
        { account: Accounts.platformCash, amountMinor: 100_000 },
        { account: Accounts.creatorAvailable(creatorId), amountMinor: -100_000 },
      ],
    });
    const amount = { amountMinor: 12_500, currency: 'USD' as const };
    const { handle } = await payouts.startPayout(
      client,
      { payoutId, creatorId, period: '2026-11', amount },
      { taskQueue: cfg.TEMPORAL_TASK_QUEUE },
    );
    return handle;
  };

  return {
    config: cfg,
    client,
    psp,
    creators,
    async parkOnKyc(payoutId) {
      const handle = await start(payoutId, { kycStatus: 'pending' });
      return until(async () => {
        const s = await handle.query(getPayoutStateQuery);
        return s.state === 'awaiting_payability' && s.awaiting ? s : undefined;
      }, 30_000);
    },
    async failAtPsp(payoutId, attempts = 2) {
      await admin(psp.url, '/__admin/faults', { fail5xxNext: 1_000_000 });
      const handle = await start(payoutId, {});
      await until(async () => {
        const { raw } = await handle.describe();
        return (raw.pendingActivities ?? []).some((a) => (a.attempt ?? 0) >= attempts && a.lastFailure)
          ? true
          : undefined;
      }, 60_000);
    },
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
      await workerConnection.close();
      await Promise.all([psp.stop(), creators.stop()]);
    },
  };
}
