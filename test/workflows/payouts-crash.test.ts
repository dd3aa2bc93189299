import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { makeAwsClients } from '../../activities/adapters/aws';
import { awsOptions } from '../../workers/config';
import { createDynamoLedger } from '../../activities/adapters/ledger/dynamo-ledger';
import { Accounts } from '../../activities/adapters/ledger/port';
import { startPayout } from '../../client/payouts';
import { startCreatorsSandbox, type CreatorsSandbox } from '../../sandboxes/creators';
import { startPspSandbox, type PspSandbox } from '../../sandboxes/psp';
import { creatorPayoutWorkflowId } from '../../workflows/payouts/contract';
import { stackEnv, testClient, testConfig } from '../support/stack';

/** Starts the worker as a child process and resolves once it polls. */
function spawnWorker(env: Record<string, string>, creatorsUrl: string): Promise<ChildProcess> {
  // `node --import tsx` (not the tsx CLI, which forks): the PID we SIGKILL is the worker itself.
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(__dirname, 'payouts-crash-worker.ts'), creatorsUrl, stackEnv('PAYOPS_TEST_BUNDLE')],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('worker-ready')) resolve(child);
    });
    child.stderr?.on('data', () => undefined);
    child.once('exit', (code) => reject(new Error(`worker exited early (${code})`)));
  });
}

async function untilTrue(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}

describe('creatorPayout survives a worker killed mid-initiation', () => {
  let psp: PspSandbox;
  let creators: CreatorsSandbox;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    psp = await startPspSandbox({ port: 0, webhookSecret: 'whsec_test' });
    creators = await startCreatorsSandbox({ port: 0 });
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    await Promise.all([psp.stop(), creators.stop()]);
  });

  test('when the worker is SIGKILLed while the PSP transfer call is in flight, then a new worker finishes the payout with exactly one transfer', async () => {
    const config = testConfig({ PSP_API_BASE: psp.url });
    const env = {
      TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS,
      TEMPORAL_TASK_QUEUE: config.TEMPORAL_TASK_QUEUE,
      PSP_API_BASE: psp.url,
      AWS_ENDPOINT_URL: config.AWS_ENDPOINT_URL ?? '',
      PAYOPS_MODE: 'local',
    };
    const creatorId = `crash-${Date.now().toString(36)}`;
    await fetch(`${creators.url}/__admin/creators`, {
      method: 'POST',
      body: JSON.stringify({
        creatorId,
        payoutMethod: { rail: 'psp', currency: 'USD', country: 'US', accountToken: 'acct_crash' },
      }),
    });
    const ledger = createDynamoLedger({ aws: makeAwsClients(awsOptions(config)), table: config.LEDGER_TABLE });
    await ledger.post({
      postingId: `fund-${creatorId}`,
      currency: 'USD',
      description: 'test funding',
      effectiveDate: new Date().toISOString().slice(0, 10),
      refs: { workflowId: 'test-funding' },
      legs: [
        { account: Accounts.platformCash, amountMinor: 50_000 },
        { account: Accounts.creatorAvailable(creatorId), amountMinor: -50_000 },
      ],
    });
    await fetch(`${psp.url}/__admin/faults`, { method: 'POST', body: JSON.stringify({ latencyMs: 4_000 }) });

    const first = await spawnWorker(env, creators.url);
    children.push(first);
    const { client, connection } = await testClient(config);
    try {
      const payoutId = `${creatorId}-2026-11`;
      const { handle } = await startPayout(
        client,
        {
          payoutId,
          creatorId,
          period: '2026-11',
          amount: { amountMinor: 10_000, currency: 'USD' },
          timing: { returnWindowMs: 1_000, pollInitialMs: 200 },
        },
        { taskQueue: config.TEMPORAL_TASK_QUEUE },
      );
      const transferPosts = async () => {
        const r = (await (await fetch(`${psp.url}/__admin/calls`)).json()) as {
          calls: Array<{ method: string; path: string }>;
          created: { transfer: number };
        };
        return {
          posts: r.calls.filter((c) => c.method === 'POST' && c.path === '/v1/transfers').length,
          lookups: r.calls.filter((c) => c.method === 'GET' && c.path.startsWith('/v1/transfers?')).length,
          created: r.created.transfer,
        };
      };
      await untilTrue(async () => (await transferPosts()).posts >= 1, 30_000);

      const exited = new Promise((r) => first.once('exit', r));
      process.kill(first.pid as number, 'SIGKILL');
      await exited;
      await fetch(`${psp.url}/__admin/faults`, { method: 'DELETE' });
      children.push(await spawnWorker(env, creators.url));

      const result = await handle.result();
      expect(result).toMatchObject({ state: 'completed', rail: 'psp' });
      const { created, posts, lookups } = await transferPosts();
      expect(created).toBe(1);
      // The new worker's retry looks the transfer up first (it exists: no second POST) or re-sends the same key.
      expect(posts).toBeGreaterThanOrEqual(1);
      expect(posts + lookups).toBeGreaterThanOrEqual(3);
      expect(await ledger.balance(Accounts.creatorAvailable(creatorId), 'USD')).toBe(-40_000);
      expect(result.railReference).toMatch(/^tr_/);
      expect(creatorPayoutWorkflowId(payoutId)).toBe(`payout-${payoutId}`);
    } finally {
      await connection.close();
    }
  }, 120_000);
});
