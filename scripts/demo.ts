/**
 * `npm run demo` (with `npm start` running): real work in the Web UI within a minute —
 * payouts on each rail, one parked on a failing KYC check, one returned by the bank and waiting for
 * new details; a compensation request waiting for finance and one auto-approved; a dispute opened
 * by a signed PSP webhook through the ingress.
 */
import { makeAwsClients } from '../activities/adapters/aws';
import { createDynamoLedger } from '../activities/adapters/ledger/dynamo-ledger';
import { Accounts } from '../activities/adapters/ledger/port';
import { payableCreator } from '../sandboxes/creators';
import { connectClient } from '../client/connect';
import { getPayoutState, startPayout } from '../client/payouts';
import { awsOptions, loadConfig } from '../workers/config';
import { requestToken } from './staff-session';
import { decisionsClient } from './cli/decisions-client';
import { z } from 'zod';
import { parseFlags, parseOrExit } from './cli/args';

const USAGE = `npm run demo   (with npm start running) real work in the Web UI within a minute; takes no flags`;
parseOrExit('demo', USAGE, () => parseFlags(process.argv.slice(2), {}, z.object({})));

const config = loadConfig({
  ...process.env,
  AWS_ENDPOINT_URL: process.env['AWS_ENDPOINT_URL'] ?? 'http://127.0.0.1:5000',
});
const run = Date.now().toString(36);
const period = '2026-10';
const UI = 'http://127.0.0.1:8233/namespaces/default/workflows';

async function admin(base: string, path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${base}${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined && ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`demo: ${what} did not happen within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function main(): Promise<void> {
  const { client, close } = await connectClient();
  const ledger = createDynamoLedger({ aws: makeAwsClients(awsOptions(config)), table: config.LEDGER_TABLE });
  const timing = { returnWindowMs: 15 * 60_000, pollInitialMs: 2_000, pollMaxMs: 30_000 };
  const creators = [
    {
      creatorId: `demo-psp-${run}`,
      kycStatus: 'verified',
      payoutMethod: { rail: 'psp', currency: 'USD', country: 'US', accountToken: `acct_demo_${run}` },
    },
    {
      creatorId: `demo-bank-${run}`,
      kycStatus: 'verified',
      payoutMethod: {
        rail: 'bank',
        currency: 'USD',
        country: 'DE',
        iban: 'DE89370400440532013000',
        accountHolderName: 'Demo Creator',
      },
    },
    {
      creatorId: `demo-parked-${run}`,
      kycStatus: 'pending',
      payoutMethod: { rail: 'psp', currency: 'USD', country: 'US', accountToken: `acct_demo2_${run}` },
    },
    {
      creatorId: `demo-returned-${run}`,
      kycStatus: 'verified',
      payoutMethod: {
        rail: 'bank',
        currency: 'USD',
        country: 'FR',
        iban: 'FR1420041010050500013M02606',
        accountHolderName: 'Demo Returned',
      },
    },
  ];
  for (const c of creators) {
    await admin(
      config.CREATORS_API_BASE,
      '/__admin/creators',
      payableCreator(c.creatorId, { ...c, earnings: { [period]: 25_000 } }),
    );
    await ledger.post({
      postingId: `demo-fund-${c.creatorId}`,
      currency: 'USD',
      description: 'demo earnings',
      effectiveDate: new Date().toISOString().slice(0, 10),
      refs: { workflowId: 'demo-funding' },
      legs: [
        { account: Accounts.platformCash, amountMinor: 25_000 },
        { account: Accounts.creatorAvailable(c.creatorId), amountMinor: -25_000 },
      ],
    });
  }
  const payoutIds: string[] = [];
  for (const c of creators) {
    const payoutId = `${c.creatorId}-${period}`;
    await startPayout(client, {
      payoutId,
      creatorId: c.creatorId,
      period,
      amount: { amountMinor: 25_000, currency: 'USD' },
      timing,
    });
    payoutIds.push(payoutId);
    console.log(
      `payout   ${payoutId} started (${c.payoutMethod.rail}${c.kycStatus === 'pending' ? ', KYC pending: will park' : ''})`,
    );
  }
  const returnedId = payoutIds[3] as string;
  const paid = await until(
    'the bank payout to be paid',
    () => getPayoutState(client, returnedId),
    (s) => s.state === 'paid_in_return_window',
  );
  await admin(config.BANK_API_BASE, '/__admin/returns', { endToEndId: paid.railReference, code: 'R02' });
  console.log(
    `payout   ${returnedId} paid, then returned by the bank with R02 (account closed): it now waits for new details`,
  );

  // The requester proves who they are: a CS agent's token from the local identity provider (`npm start` runs it),
  // presented to the decision service, which signs the start for them (the workflow believes no requester field).
  const agentToken = await requestToken(config.IDP_URL, 'cs.alice');
  const service = decisionsClient(config.DECISIONS_URL, () => agentToken, 'finance');
  const chargeId = `ch_demo_${run}`;
  await admin(config.PSP_API_BASE, '/__admin/charges', { id: chargeId, amount: 20_000, currency: 'eur' });
  for (const [suffix, remedies] of [
    ['big', { refund: { kind: 'partial', amountMinor: 12_000 }, storeCreditMinor: 2_000 }],
    ['small', { storeCreditMinor: 1_000 }],
  ] as const) {
    const orderId = `ord-demo-${suffix}-${run}`;
    await admin(config.COMMERCE_API_BASE, '/__admin/orders', {
      orderId,
      customerId: `cus-demo-${run}`,
      paymentRef: chargeId,
      amountMinor: 20_000,
      currency: 'EUR',
    });
    await admin(config.COMMERCE_API_BASE, '/__admin/customers', {
      customerId: `cus-demo-${run}`,
      email: `cus-demo-${run}@shoppers.example`,
    });
    const { workflowId } = (await service.command('/approvals', {
      requestId: `req-demo-${suffix}-${run}`,
      orderId,
      customerId: `cus-demo-${run}`,
      requester: {},
      reasonCode: 'damaged_item',
      currency: 'EUR',
      remedies,
    })) as unknown as { workflowId: string };
    console.log(
      `approval ${workflowId} requested by cs.alice (${suffix === 'big' ? 'waits for finance: npx payops-finance login --as fin.carol, then list' : 'auto-approved under the threshold'})`,
    );
  }

  const disputeId = `dp_demo${run}`;
  await admin(config.PSP_API_BASE, '/__admin/disputes', {
    id: disputeId,
    charge: chargeId,
    amount: 5_000,
    currency: 'eur',
    reason: 'product_not_received',
    due_by: Math.floor(Date.now() / 1000) + 21 * 86_400,
    orderId: `ord-demo-big-${run}`,
  });
  await until(
    'the dispute webhook to open a case',
    () => client.workflow.getHandle(`dispute-${disputeId}`).describe(),
    () => true,
    30_000,
  );
  console.log(`dispute  dispute-${disputeId} opened from the PSP webhook (evidence due in 21 days)`);

  console.log(`\nOpen the Web UI: ${UI}`);
  console.log(
    `Stuck or waiting payouts: ${UI}?query=${encodeURIComponent("PayoutState IN ('awaiting_payability','awaiting_new_details') AND ExecutionStatus='Running'")}`,
  );
  await close();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
