import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../../../activities';
import { makeAwsClients } from '../../../activities/adapters/aws';
import { createDynamoLedger } from '../../../activities/adapters/ledger/dynamo-ledger';
import { awsOptions } from '../../../workers/config';
import { buildDependencies } from '../../../workers/dependencies';
import { creatorPayoutWorkflowId } from '../../../workflows/payouts/contract';
import { timeSkippingEnv } from '../../support/time-skipping';
import { admin, adminGet } from '../admin';
import { addVerdicts, checkPayouts, emptyVerdicts, type Verdicts } from '../checks';
import { scanPostings, settle } from '../observe';
import { FAST_TIMING, pool, seedPayouts, startPayouts, type ChaosPayout } from '../payouts';
import { resetSandboxes, untilPsp, type Row, type RowContext } from '../row';
import type { ChaosStack } from '../stack';
import { startStoreProxy, type StoreProxy } from '../store-proxy';
import { pspQueuePlugin } from '../../../workers/psp-worker';

const MINUTE = 60_000;
/** Longer than the one-hour schedule-to-close of plain bookkeeping activities: what a money posting must outlast. */
const OUTAGE_MS = 61 * MINUTE;
/** After recovery: past the ledger retries' 5-minute backoff cap, so every backed-off posting is tried again. */
const RECOVERY_MS = 10 * MINUTE;

/**
 * The ledger store (DynamoDB on moto) down for over an hour, on a time-skipping server: PSP payouts start, the store
 * goes down (every connection through the ledger's proxy is reset) once half the N transfers exist at the PSP, the
 * last payouts start while it is down, so some meet it at reserve and some at settle; then 61 minutes of workflow time
 * pass. No payout may close as failed meanwhile once its transfer was sent; after recovery every payout must end paid
 * once and booked once.
 */
async function ledgerDownOverAnHour(ctx: RowContext): Promise<Verdicts> {
  const { stack, n, tag } = ctx;
  await resetSandboxes(stack);
  // These payouts run on the time-skipping server, which the stack's ingress does not signal: their PSP events would
  // park there as late events. Held at the sandbox, they stay out of it; the payouts confirm by polling the PSP.
  await admin(stack.psp.url, '/__admin/faults', { holdWebhooks: true });
  // Funding goes straight to moto; only the workers' ledger goes through the proxy.
  const payouts = await seedPayouts(stack, tag, n);
  const moto = awsOptions(stack.config);
  if (!moto.endpoint) throw new Error('the chaos stack has no local AWS endpoint to put the proxy in front of');
  quietRuntime();
  const proxy = await startStoreProxy(moto.endpoint);
  try {
    const env = await timeSkippingEnv();
    try {
      const ledger = createDynamoLedger({
        aws: makeAwsClients({ ...moto, endpoint: proxy.url }),
        table: stack.config.LEDGER_TABLE,
      });
      const worker = await Worker.create({
        connection: env.nativeConnection,
        namespace: env.namespace ?? 'default',
        taskQueue: stack.config.TEMPORAL_TASK_QUEUE,
        workflowBundle: { codePath: stack.bundlePath },
        activities: createActivities(buildDependencies(stack.config, { ledger })),
        plugins: [pspQueuePlugin()], // PSP activities run on `<taskQueue>-psp`
      });
      return await worker.runUntil(() => throughTheOutage(ctx, payouts, env, proxy));
    } finally {
      await env.teardown();
    }
  } finally {
    await proxy.close();
  }
}

async function throughTheOutage(
  ctx: RowContext,
  payouts: ChaosPayout[],
  env: TestWorkflowEnvironment,
  proxy: StoreProxy,
): Promise<Verdicts> {
  const { stack, n, tag } = ctx;
  // The stack as the observers see it, with the time-skipping server's client in place of the dev server's.
  const view: ChaosStack = { ...stack, client: env.client };
  // Three quarters start at once; the store goes down once half of all the transfers exist, so the early ones still
  // between reserve and settle meet it at settle. The last quarter starts while it is down and meets it at reserve.
  const early = payouts.slice(0, Math.ceil((3 * n) / 4));
  await startPayouts(stack, early, FAST_TIMING, env.client);
  if (!(await untilPsp(stack, (t) => t.created >= Math.ceil(n / 2))))
    throw new Error('half the transfers were never created at the PSP');
  proxy.down();
  const met = await whereTheOutageMet(stack, tag, early);
  const late = payouts.slice(early.length);
  await startPayouts(stack, late, FAST_TIMING, env.client);
  met['met:reserve'] += late.length;
  const downAt = await env.currentTimeMs();
  await env.sleep(OUTAGE_MS);
  const downMinutes = Math.round(((await env.currentTimeMs()) - downAt) / MINUTE);
  const during = await closedDuringOutage(view, payouts);
  proxy.up();
  if (proxy.refused === 0) throw new Error('the outage refused no connection: the row proved nothing');
  await env.sleep(RECOVERY_MS);
  await settle(
    view,
    payouts.map((p) => creatorPayoutWorkflowId(p.payoutId)),
    120_000,
  );
  const v = addVerdicts(await checkPayouts(view, tag, payouts), during.verdicts);
  return {
    ...v,
    outcomes: { ...v.outcomes, ...met, ...during.seen, downMinutes, refused: proxy.refused, cut: proxy.cut },
  };
}

/**
 * Where each payout started so far stood when the store went down, read from moto directly (a posting in flight may still land):
 * nothing booked yet (it meets the outage at reserve), reserved only (at settle), or already settled.
 */
async function whereTheOutageMet(stack: ChaosStack, tag: string, payouts: ChaosPayout[]) {
  const booked = new Set((await scanPostings(stack, `payout-${tag}-`)).map((p) => p.postingId));
  const met = { 'met:reserve': 0, 'met:settle': 0, 'met:after-settle': 0 };
  for (const p of payouts) {
    const wf = creatorPayoutWorkflowId(p.payoutId);
    if (booked.has(`${wf}:settle`)) met['met:after-settle']++;
    else if (booked.has(`${wf}:reserve`)) met['met:settle']++;
    else met['met:reserve']++;
  }
  return met;
}

/**
 * How the payouts stand after an hour without the store, from Temporal's describe (not the workflows' word): a payout
 * closed as anything but completed while its transfer was accepted at the PSP gave up on money that moved.
 */
async function closedDuringOutage(view: ChaosStack, payouts: ChaosPayout[]) {
  const verdicts = emptyVerdicts();
  const seen: Record<string, number> = {};
  const calls = await adminGet<{
    calls: Array<{ method: string; path: string; idempotencyKey: string | null; status: number }>;
  }>(view.psp.url, '/__admin/calls');
  const sent = (wf: string) =>
    calls.calls.some(
      (c) =>
        c.method === 'POST' && c.path === '/v1/transfers' && c.status === 200 && c.idempotencyKey?.startsWith(`${wf}:`),
    );
  const standings = await pool(payouts, 16, async (p) => {
    const wf = creatorPayoutWorkflowId(p.payoutId);
    const d = await view.client.workflow.getHandle(wf).describe();
    return { wf, status: d.status.name };
  });
  for (const { wf, status } of standings) {
    seen[`down:${status}`] = (seen[`down:${status}`] ?? 0) + 1;
    if (status === 'RUNNING' || status === 'COMPLETED') continue;
    if (sent(wf)) {
      verdicts.lost++;
      verdicts.findings.push(`${wf}: ${status} during the ledger outage although the PSP accepted its transfer`);
    } else verdicts.findings.push(`${wf}: ${status} during the ledger outage (nothing sent)`);
  }
  return { verdicts, seen };
}

/**
 * The in-process worker logs every failed attempt, hundreds per payout over an hour of backed-off retries: keep
 * errors only. The runtime is one per process; when something installed it already, its logger stays.
 */
function quietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // Already installed.
  }
}

/** The ledger store down for over an hour, on a time-skipping server with its own in-process worker. */
export const ledgerOutageRow: Row = { name: 'ledger-down-over-an-hour', run: ledgerDownOverAnHour };
