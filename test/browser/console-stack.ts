import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { createFakeCreators } from '../../activities/adapters/creators/fake';
import { Accounts } from '../../activities/adapters/ledger/port';
import { payouts } from '../../client';
import { loadConsoleConfig } from '../../decisions/console/config';
import { loadDecisionsConfig } from '../../decisions/config';
import { ReportEngine } from '../../decisions/reports/engine';
import { mirroredFactFiles } from '../../decisions/reports/fact-files';
import { mapFactStore } from '../../activities/adapters/reports/fact-store';
import { startDecisionService, type DecisionService } from '../../decisions/server';
import { startIdpSandbox, type IdpSandbox } from '../../sandboxes/idp';
import {
  disputeCaseWorkflowId,
  getStateQuery as getDisputeStateQuery,
  receivePspEventSignal,
  type DisputeCaseView,
} from '../../workflows/disputes/contract';
import { getPayoutStateQuery, type PayoutStatus } from '../../workflows/payouts/contract';
import {
  breakObservedSignal,
  breakWorkflowId,
  getBreakStateQuery,
  type BreakFacts,
  type BreakObserved,
  type ReconBreakView,
  type ReconBreakWorkflow,
} from '../../workflows/recon-breaks/contract';
import { signedEvent } from '../support/rail-proof';
import { testClient, testConfig, testWorker } from '../support/stack';
import { fakeDeps } from '../support/time-skipping';
import { until } from '../support/wait';

const DAY = 86_400_000;

/**
 * The console on real parts, once per file: the local identity provider, a worker on the shared test server (fakes
 * behind the activities: commerce, PSP, creators, audit), and the decision service with its console, whose audit
 * reads are the worker's fake audit store. Seeds what the pages are tested on: an order to compensate, a dispute
 * case in review, a payout parked on KYC, a reconciliation break.
 */
export interface ConsoleStack {
  service: DecisionService;
  idp: IdpSandbox;
  client: Client;
  /** The processes' configuration (its task queue names the PSP queues the PSPs page reads and sets). */
  config: ReturnType<typeof testConfig>;
  webUiBase: string;
  deps: ReturnType<typeof fakeDeps> & { creators: ReturnType<typeof createFakeCreators> };
  /** An order of `customerId` with 500.00 EUR captured (at the PSP too, so a refund of it executes). */
  addOrder(orderId: string, customerId: string): void;
  /** A PSP dispute case, opened by its signed webhook, once its evidence was gathered from the sources. */
  openDispute(disputeId: string, orderId: string): Promise<DisputeCaseView>;
  /** A payout whose creator's KYC is pending: parked in `awaiting_payability`. */
  parkOnKyc(payoutId: string): Promise<PayoutStatus>;
  /** A reconciliation break opened as the day run opens one (signalWithStart), once its workflow answers open. */
  openBreak(facts: BreakFacts): Promise<ReconBreakView>;
  stop(): Promise<void>;
}

export async function startConsoleStack(): Promise<ConsoleStack> {
  const webUiBase = 'http://127.0.0.1:8233';
  const idp = await startIdpSandbox({ port: 0 });
  const config = testConfig({ IDP_URL: idp.url, WEB_UI_URL: webUiBase });
  const deps = { ...fakeDeps(), creators: createFakeCreators() };
  const { worker, connection: workerConnection } = await testWorker(config, deps);
  const running = (worker as Worker).run();
  const { client, connection } = await testClient(config);
  const service = await startDecisionService({
    config,
    decisions: loadDecisionsConfig(config, {}),
    console: loadConsoleConfig(config, {}),
    client,
    audit: deps.audit,
    // The reports read the facts the worker writes (the fake bucket) and tie out to the worker's ledger.
    reports: {
      engine: new ReportEngine({ threads: 1 }),
      files: mirroredFactFiles(mapFactStore(deps.reports.objects), mkdtempSync(join(tmpdir(), 'console-facts-'))),
      ledger: deps.ledger,
    },
    port: 0,
  });

  return {
    service,
    idp,
    client,
    config,
    webUiBase,
    deps,
    addOrder(orderId, customerId) {
      const paymentRef = `ch_${orderId.replace(/-/g, '_')}`;
      const captured = { amountMinor: 50_000, currency: 'EUR' as const };
      deps.commerce.addCustomer(customerId, `${customerId}@customers.example`);
      deps.commerce.addOrder({ orderId, customerId, paymentRef, captured });
      deps.psp.addPayment(paymentRef, captured);
    },
    async openDispute(disputeId, orderId) {
      const now = Date.now();
      const dueBy = new Date(now + 5 * DAY).toISOString();
      const amount = { amountMinor: 12_500, currency: 'EUR' as const };
      deps.psp.addDispute({ disputeId, dueBy, amount, reason: 'product_not_received' });
      deps.evidence.seed(orderId, {
        order: { productDescription: 'Ceramic mug set', orderedAt: new Date(now - 10 * DAY).toISOString() },
        shipment: {
          carrier: 'DHL',
          trackingNumber: 'JD0001',
          shippedAt: new Date(now - 9 * DAY).toISOString(),
          deliveredAt: new Date(now - 7 * DAY).toISOString(),
        },
        communications: [],
      });
      const workflowId = disputeCaseWorkflowId(disputeId);
      const event = {
        eventId: `evt_${disputeId}_1`,
        type: 'charge.dispute.created' as const,
        createdAt: new Date(now).toISOString(),
        disputeId,
        status: 'needs_response' as const,
        dueBy,
        amount,
        reason: 'product_not_received',
        orderId,
        submissionCount: 0,
      };
      const handle = await client.workflow.signalWithStart('disputeCase', {
        workflowId,
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        args: [{ disputeId }],
        signal: receivePspEventSignal,
        signalArgs: [await signedEvent(workflowId, receivePspEventSignal.name, event)],
      });
      let last: DisputeCaseView | undefined;
      return until(
        async () => {
          last = await handle.query(getDisputeStateQuery).catch(() => last);
          return last && last.state !== 'opened' && last.evidenceSources.order !== 'pending' ? last : undefined;
        },
        30_000,
        () => `dispute case worked on (last: ${JSON.stringify(last)})`,
      );
    },
    async parkOnKyc(payoutId) {
      const creatorId = `${payoutId}-c`;
      deps.creators.creators.set(creatorId, {
        creatorId,
        displayName: creatorId,
        email: `${creatorId}@creators.example`,
        kycStatus: 'pending',
        sanctionsStatus: 'clear',
        balanceCurrency: 'USD',
        payoutMethod: {
          rail: 'psp',
          currency: 'USD',
          country: 'US',
          accountToken: `acct_${creatorId.replace(/-/g, '_')}`,
        },
        earnings: {},
      });
      await deps.ledger.post({
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
      const { handle } = await payouts.startPayout(
        client,
        { payoutId, creatorId, period: '2026-11', amount: { amountMinor: 12_500, currency: 'USD' } },
        { taskQueue: config.TEMPORAL_TASK_QUEUE },
      );
      return until(async () => {
        const s = await handle.query(getPayoutStateQuery).catch(() => undefined);
        return s?.state === 'awaiting_payability' && s.awaiting ? s : undefined;
      }, 30_000);
    },
    async openBreak(facts) {
      const seen: BreakObserved = { source: 'statement', facts };
      const handle = await client.workflow.signalWithStart<ReconBreakWorkflow, [typeof seen]>('reconBreak', {
        workflowId: breakWorkflowId(facts),
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        args: [seen],
        signal: breakObservedSignal,
        signalArgs: [seen],
      });
      return until(async () => {
        const v = await handle.query(getBreakStateQuery).catch(() => undefined);
        return v?.status === 'open' && v.observations.length ? v : undefined;
      }, 30_000);
    },
    async stop() {
      await service.stop();
      worker.shutdown();
      await running;
      await connection.close();
      await workerConnection.close();
      await idp.stop();
    },
  };
}
