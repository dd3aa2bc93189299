import { createHash, randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { WorkflowIdReusePolicy } from '@temporalio/common';
import type { Worker } from '@temporalio/worker';
import { Accounts } from '../../activities/adapters/ledger/port';
import { payoutPosting } from '../../activities/payouts';
import {
  breakObservedSignal,
  breakWorkflowId,
  type BreakFacts,
  type BreakSource,
  type ReconBreakInput,
  type ReconBreakView,
  type ReconBreakWorkflow,
} from '../../workflows/recon-breaks/contract';
import type { CommandSigner } from '../../client/commands';
import { staffSigner } from '../support/staff';
import { fakeDeps } from '../support/time-skipping';
import { testClient, testConfig, testWorker } from '../support/stack';
import { until } from '../support/wait';

/** Helpers of the break workflow tests: a worker on the dev server with fakes, breaks opened as the day run does. */

export const DAY = 86_400_000;
const hex = (s: string) => createHash('sha256').update(s).digest('hex');
export const freshHex = () => hex(randomUUID());

/** The tests' staff and their roles, as the decision service would sign for them. */
const ROLES: Record<string, string[]> = {
  'ops.cy': ['ops'],
  'fin.ann': ['finance_approver'],
  'fin.bo': ['finance_manager'],
  'cs.di': ['cs_agent'],
};
export const as = (sub: string): CommandSigner => staffSigner(sub, ROLES[sub.toLowerCase()] ?? []);

/** A break's facts as the day run would send them (a fresh breakId each). */
export function breakFacts(over: Partial<BreakFacts> = {}): BreakFacts {
  return {
    breakId: freshHex(),
    class: 'unexpected_external',
    accountId: 'bank-main',
    businessDate: '2026-12-01',
    amountMinor: -500,
    currency: 'EUR',
    lineIds: [freshHex()],
    itemIds: [],
    reason: 'a debit on the statement the ledger did not expect',
    dueAtMs: Date.now() + DAY,
    ruleVersion: 'r2026.1',
    refs: {},
    ...over,
  };
}

/** A dev-server worker with every port faked; `open` delivers a break as the day run does (signalWithStart). */
export function breakBed() {
  const config = testConfig();
  const bed = {
    config,
    deps: fakeDeps(),
    client: undefined as unknown as Client,
    async open(
      facts: BreakFacts,
      opts: {
        source?: BreakSource;
        resultsKey?: string;
        policy?: ReconBreakInput['policy'];
        workflowIdReusePolicy?: WorkflowIdReusePolicy;
      } = {},
    ): Promise<WorkflowHandle<ReconBreakWorkflow>> {
      const source = opts.source ?? 'statement';
      const seen = { source, facts, ...(opts.resultsKey ? { resultsKey: opts.resultsKey } : {}) };
      return bed.client.workflow.signalWithStart<ReconBreakWorkflow, [typeof seen]>('reconBreak', {
        workflowId: breakWorkflowId(facts),
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        args: [{ ...seen, ...(opts.policy ? { policy: opts.policy } : {}) }],
        signal: breakObservedSignal,
        signalArgs: [seen],
        ...(opts.workflowIdReusePolicy ? { workflowIdReusePolicy: opts.workflowIdReusePolicy } : {}),
      });
    },
    /** Polls the break's view until `predicate` holds. */
    async until(h: WorkflowHandle, predicate: (v: ReconBreakView) => boolean, what: string): Promise<ReconBreakView> {
      let last: ReconBreakView | undefined;
      return until(
        async () => {
          last = await h.query<ReconBreakView>('getState');
          return predicate(last) ? last : undefined;
        },
        15_000,
        () => `${what}; last view ${JSON.stringify(last)}`,
      );
    },
    /** Postings of a payout that settled one bank transfer (`endToEndId`) for `creatorId`, as the payout wrote them. */
    async paidPayout(payoutWorkflowId: string, creatorId: string, endToEndId: string, amountMinor: number) {
      const amount = { amountMinor, currency: 'EUR' as const };
      const base = { creatorId, amount, payoutId: payoutWorkflowId, effectiveDate: '2026-11-20' };
      // The creator's earnings first: the reserve may not overdraw the available balance.
      await bed.deps.ledger.post({
        postingId: `${payoutWorkflowId}:earned`,
        currency: 'EUR',
        description: 'earnings',
        legs: [
          { account: Accounts.platformCash, amountMinor },
          { account: Accounts.creatorAvailable(creatorId), amountMinor: -amountMinor },
        ],
        effectiveDate: '2026-11-01',
        refs: { workflowId: payoutWorkflowId },
      });
      await bed.deps.ledger.post(
        payoutPosting('reserve', {
          ...base,
          postingId: `${payoutWorkflowId}:reserve`,
          refs: { workflowId: payoutWorkflowId },
        }),
      );
      await bed.deps.ledger.post(
        payoutPosting('settle', {
          ...base,
          postingId: `${payoutWorkflowId}:settle`,
          refs: { workflowId: payoutWorkflowId, rail: 'bank', endToEndId },
        }),
      );
    },
  };
  let worker: Worker;
  let workerConnection: { close(): Promise<void> };
  let connection: { close(): Promise<void> };
  let running: Promise<void>;
  beforeAll(async () => {
    ({ worker, connection: workerConnection } = await testWorker(config, bed.deps));
    running = worker.run();
    ({ client: bed.client, connection } = await testClient(config));
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await connection?.close();
    await workerConnection?.close();
  });
  return bed;
}
