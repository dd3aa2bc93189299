import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import http from 'node:http';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { createFakeAudit } from '../../activities/adapters/audit/fake';
import { parseCamt054 } from '../../activities/adapters/bank/webhook';
import { createHttpCreators } from '../../activities/adapters/creators/http-creators';
import type { CreatorRecord } from '../../activities/adapters/creators/port';
import { createFakeLedger } from '../../activities/adapters/ledger/fake';
import { Accounts } from '../../activities/adapters/ledger/port';
import { createFakeNotifications } from '../../activities/adapters/notifications/fake';
import { LOCAL_INGRESS_SIGNING_KEY_JSON } from '../../workers/local-ingress-key';
import { createRailEventSigner, proveDelivery } from '../../ingress/rail-proof';
import { payoutsRoute } from '../../ingress/routes/payouts';
import { createAdyenTransfers } from '../../activities/adapters/adyen/adyen-transfers';
import { LOCAL_ADYEN_HMAC_KEY, startAdyenSandbox, type AdyenSandbox } from '../../sandboxes/adyen';
import { PLATFORM_ACCOUNT } from '../../sandboxes/adyen/state';
import { startBankSandbox, type BankSandbox } from '../../sandboxes/bank';
import { payableCreator, startCreatorsSandbox, type CreatorsSandbox } from '../../sandboxes/creators';
import { startPspSandbox, type PspSandbox } from '../../sandboxes/psp';
import { close, listen, readBody } from '../../sandboxes/shared/http';
import { buildDependencies } from '../../workers/dependencies';
import type { AppConfig } from '../../workers/config';
import { getPayoutStateQuery, type PayoutStatus } from '../../workflows/payouts/contract';
import { testClient, testConfig, testWorker } from '../support/stack';

/**
 * Everything a payout workflow test needs: PSP, bank and creator-directory sandboxes, a webhook receiver that runs
 * the real payouts route and signals the workflow, in-memory ledger/audit/notifications, and a running worker.
 */
export interface PayoutHarness {
  psp: PspSandbox;
  /** The second PSP (Adyen's Transfers API); routed payouts may go there (no webhooks yet: payouts poll it). */
  adyen: AdyenSandbox;
  bank: BankSandbox;
  creators: CreatorsSandbox;
  config: AppConfig;
  client: Client;
  worker: Worker;
  ledger: ReturnType<typeof createFakeLedger>;
  audit: ReturnType<typeof createFakeAudit>;
  notifications: ReturnType<typeof createFakeNotifications>;
  /** Webhook deliveries the route turned into signals. */
  delivered: Array<{ workflowId: string; signalArgs: unknown[] }>;
  stop(): Promise<void>;
}

export async function startPayoutHarness(): Promise<PayoutHarness> {
  const delivered: PayoutHarness['delivered'] = [];
  const ledger = createFakeLedger();
  const audit = createFakeAudit();
  const notifications = createFakeNotifications();
  const clientRef: { client?: Client } = {};

  const receiver = http.createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const isBank = req.url === '/bank';
      const event = isBank
        ? {
            source: 'bank' as const,
            eventId: String(req.headers['x-bank-event-id']),
            type: 'camt.054',
            payload: parseCamt054(body),
          }
        : (() => {
            const e = JSON.parse(body) as { id: string; type: string };
            return { source: 'psp' as const, eventId: e.id, type: e.type, payload: e };
          })();
      const sign = await createRailEventSigner(LOCAL_INGRESS_SIGNING_KEY_JSON);
      for (const unsigned of await payoutsRoute(event, { audit, notifications })) {
        // As the ingress does: every delivered event carries its proof.
        const d = await proveDelivery(sign, unsigned);
        delivered.push(d);
        await clientRef.client?.workflow.getHandle(d.workflowId).signal(d.signal, ...d.signalArgs);
      }
      res.writeHead(200).end('ok');
    })().catch(() => res.writeHead(500).end('error'));
  });
  const receiverPort = await listen(receiver, 0);

  const psp = await startPspSandbox({
    port: 0,
    webhookSecret: 'whsec_test',
    webhookUrl: `http://127.0.0.1:${receiverPort}/psp`,
  });
  const bank = await startBankSandbox({
    port: 0,
    hmacSecret: 'bank_test',
    webhookUrl: `http://127.0.0.1:${receiverPort}/bank`,
  });
  const creators = await startCreatorsSandbox({ port: 0 });
  const adyen = await startAdyenSandbox({ port: 0, hmacKey: LOCAL_ADYEN_HMAC_KEY });
  const config = testConfig({ PSP_API_BASE: psp.url, BANK_API_BASE: bank.url });
  const deps = buildDependencies(config, {
    adyen: createAdyenTransfers({ apiKey: 'adyen_test', balanceAccountId: PLATFORM_ACCOUNT, apiBase: adyen.url }),
    ledger,
    audit,
    notifications,
    creators: createHttpCreators({ apiBase: creators.url }),
  });
  const { worker, connection: workerConnection } = await testWorker(config, deps);
  const running = worker.run();
  const c = await testClient(config);
  clientRef.client = c.client;

  return {
    psp,
    adyen,
    bank,
    creators,
    config,
    client: c.client,
    worker,
    ledger,
    audit,
    notifications,
    delivered,
    async stop() {
      worker.shutdown();
      await running;
      await c.connection.close();
      await workerConnection.close();
      await Promise.all([psp.stop(), adyen.stop(), bank.stop(), creators.stop(), close(receiver)]);
    },
  };
}

let seq = 0;
/** A unique creator ID per test (the dev server and ledgers outlive single tests). */
export const uniqueId = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++seq}`;

export async function admin(base: string, path: string, body: unknown = {}, method = 'POST'): Promise<unknown> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: method === 'GET' ? undefined : JSON.stringify(body),
  });
  return res.json();
}

export async function seedCreator(
  h: PayoutHarness,
  c: Partial<CreatorRecord> & { creatorId: string },
  fundMinor = 100_000,
): Promise<void> {
  await admin(h.creators.url, '/__admin/creators', payableCreator(c.creatorId, c));
  await h.ledger.post({
    postingId: `fund-${c.creatorId}`,
    currency: c.balanceCurrency ?? 'USD',
    description: 'test funding',
    effectiveDate: new Date().toISOString().slice(0, 10),
    refs: { workflowId: 'test-funding' },
    legs: [
      { account: Accounts.platformCash, amountMinor: fundMinor },
      { account: Accounts.creatorAvailable(c.creatorId), amountMinor: -fundMinor },
    ],
  });
}

/** Polls the payout's query until `predicate` holds (a condition, not a fixed sleep). */
export async function waitForState(
  handle: WorkflowHandle,
  predicate: (s: PayoutStatus) => boolean,
  timeoutMs = 30_000,
): Promise<PayoutStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: PayoutStatus | undefined;
  while (Date.now() < deadline) {
    try {
      last = await handle.query(getPayoutStateQuery);
      if (predicate(last)) return last;
    } catch {
      // not started yet or between tasks
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`payout never reached the expected state; last: ${JSON.stringify(last)}`);
}

export async function pspTransfers(
  h: PayoutHarness,
): Promise<{ created: number; posts: Array<{ idempotencyKey: string | null; status: number }> }> {
  const r = (await (await fetch(`${h.psp.url}/__admin/calls`)).json()) as {
    calls: Array<{ method: string; path: string; idempotencyKey: string | null; status: number }>;
    created: { transfer: number };
  };
  return {
    created: r.created.transfer,
    posts: r.calls.filter((c) => c.method === 'POST' && c.path === '/v1/transfers'),
  };
}

/** Every transfer the Adyen sandbox executed (its own record: key, reference, status) and its transfer POSTs. */
export async function adyenTransfers(h: PayoutHarness): Promise<{
  executed: Array<{
    id: string;
    reference?: string;
    idempotencyKey: string | null;
    status: string;
    counterparty: string;
  }>;
  posts: Array<{ idempotencyKey: string | null; status: number; fault?: string }>;
}> {
  const t = (await (await fetch(`${h.adyen.url}/__admin/transfers`)).json()) as {
    transfers: Array<{
      id: string;
      reference?: string;
      idempotencyKey: string | null;
      status: string;
      counterparty: string;
    }>;
  };
  const c = (await (await fetch(`${h.adyen.url}/__admin/calls`)).json()) as {
    calls: Array<{ method: string; path: string; idempotencyKey: string | null; status: number; fault?: string }>;
  };
  return {
    executed: t.transfers,
    posts: c.calls.filter((x) => x.method === 'POST' && x.path === '/btl/v4/transfers'),
  };
}

/** Paths of the PSP's transfer look-ups (`GET /v1/transfers?transfer_group=…`) so far. */
export async function pspLookups(h: PayoutHarness): Promise<string[]> {
  const r = (await (await fetch(`${h.psp.url}/__admin/calls`)).json()) as {
    calls: Array<{ method: string; path: string }>;
  };
  return r.calls.filter((c) => c.method === 'GET' && c.path.startsWith('/v1/transfers?')).map((c) => c.path);
}

export const balance = (h: PayoutHarness, account: string) => h.ledger.balance(account, 'USD');

export const usd = (amountMinor: number) => ({ amountMinor, currency: 'USD' as const });
/** Short timings so payouts close within a test: return window 1.5 s, polls from 200 ms. */
export const fast = { returnWindowMs: 1_500, pollInitialMs: 200, pollMaxMs: 1_000 };

/** The typed failure a payout workflow ended with; fails the test when it did not fail. */
export async function workflowFailure(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}
