import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { makeAwsClients } from '../../activities/adapters/aws';
import { bootstrapAws } from '../../infra/local/bootstrap-aws';
import { DATA_DIR } from '../../infra/local/paths';
import { freeStackPorts, startExternalServers } from '../../infra/local/stack';
import { createAdyenTransfers } from '../../activities/adapters/adyen/adyen-transfers';
import { adyenRailOf } from '../../ingress/adyen';
import type { AdyenRail } from '../../ingress/deliveries';
import { startIngress, type Ingress } from '../../ingress/server';
import { LOCAL_ADYEN_HMAC_KEY, startAdyenSandbox, type AdyenSandbox } from '../../sandboxes/adyen';
import { startBankSandbox, type BankSandbox } from '../../sandboxes/bank';
import { startCommerceSandbox, type CommerceSandbox } from '../../sandboxes/commerce';
import { startCreatorsSandbox, type CreatorsSandbox } from '../../sandboxes/creators';
import { startEvidenceSandbox, type EvidenceSandbox } from '../../sandboxes/evidence';
import { startPspSandbox, type PspSandbox } from '../../sandboxes/psp';
import { buildWorkflowBundle } from '../../workers/build-bundle';
import { dataConverterFor } from '../../workers/data-converter';
import { awsOptions, loadConfig, type AppConfig } from '../../workers/config';
import { DEFAULT_ADYEN_BALANCE_ACCOUNT_ID } from '../../workers/config-adyen';
import { ChaosTemporal } from './temporal';
import { stackProbeWorkflowId } from '../../workflows/probe/contract';
import { WorkerProcess } from './worker-process';

/** Everything a row acts on: the real stack on free ports, every sandbox, the ingress and one worker process. */
export interface ChaosStack {
  config: AppConfig;
  client: Client;
  temporal: ChaosTemporal;
  worker: WorkerProcess;
  ingress: Ingress;
  psp: PspSandbox;
  /** The second PSP (Adyen Transfers API): its webhooks go to the ingress's `/webhooks/adyen`, the worker calls it. */
  adyen: AdyenSandbox;
  bank: BankSandbox;
  creators: CreatorsSandbox;
  commerce: CommerceSandbox;
  evidence: EvidenceSandbox;
  /** The workflow bundle the worker runs (a row's own worker, e.g. on a time-skipping server, runs it too). */
  bundlePath: string;
  stop(): Promise<void>;
}

/**
 * Starts the stack: its own Temporal dev server with a file DB (a row kills and restarts it), moto with the AWS
 * resources (or the one at `awsEndpoint`, already bootstrapped, e.g. the jest global setup's), the sandboxes with
 * their webhooks pointed at the real ingress, and the worker as a child process on the prebuilt bundle.
 */
export async function startChaosStack(opts: { awsEndpoint?: string; bundlePath?: string } = {}): Promise<ChaosStack> {
  const runDir = join(DATA_DIR, `chaos-${process.pid}-${Date.now().toString(36)}`);
  mkdirSync(runDir, { recursive: true });
  const stops: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    const [temporal, moto, bundlePath] = await Promise.all([
      ChaosTemporal.start(runDir),
      opts.awsEndpoint
        ? undefined
        : freeStackPorts().then((ports) =>
            startExternalServers({ ports, runDir, persist: false, embeddedTemporal: false, headless: true }),
          ),
      opts.bundlePath ?? buildWorkflowBundle(join(runDir, 'workflow-bundle.js'), 'local'),
    ]);
    stops.push(() => temporal.stop());
    if (moto) stops.push(() => moto.stop());
    const secrets = { PSP_WEBHOOK_SECRET: 'whsec_chaos', BANK_WEBHOOK_SECRET: 'bank_chaos' };
    const base = {
      PAYOPS_MODE: 'local',
      TEMPORAL_ADDRESS: temporal.address,
      AWS_ENDPOINT_URL: opts.awsEndpoint ?? moto?.awsEndpoint ?? '',
      TEMPORAL_TASK_QUEUE: 'chaos',
      ...secrets,
    };
    const partial = loadConfig({ ...process.env, ...base });
    if (moto) await bootstrapAws(makeAwsClients(awsOptions(partial)), partial, { taps: [] });
    const connection = await Connection.connect({ address: temporal.address });
    stops.push(() => connection.close());
    const client = new Client({
      connection,
      namespace: partial.TEMPORAL_NAMESPACE,
      dataConverter: dataConverterFor(partial),
    });
    // The ingress starts before the sandboxes (its URL is their webhook target): its Adyen look-up reaches the Adyen
    // sandbox (on a free port, not the local default) once that has started.
    const adyenLookUp: { rail?: AdyenRail } = {};
    const ingress = await startIngress({
      config: partial,
      client,
      port: 0,
      adyen: {
        hmacKeys: [LOCAL_ADYEN_HMAC_KEY],
        rail: {
          getTransfer: (id) => {
            if (!adyenLookUp.rail) throw new Error('the Adyen sandbox has not started yet');
            return adyenLookUp.rail.getTransfer(id);
          },
        },
      },
    });
    stops.push(() => ingress.stop());
    const fastRetries = [100, 300, 900, 2700];
    const [psp, adyen, bank, creators, commerce, evidence] = await Promise.all([
      startPspSandbox({
        port: 0,
        webhookSecret: secrets.PSP_WEBHOOK_SECRET,
        webhookUrl: `${ingress.url}/webhooks/psp`,
        webhookRetryDelaysMs: fastRetries,
      }),
      startAdyenSandbox({
        port: 0,
        hmacKey: LOCAL_ADYEN_HMAC_KEY,
        webhookUrl: `${ingress.url}/webhooks/adyen`,
        webhookRetryDelaysMs: fastRetries,
      }),
      startBankSandbox({
        port: 0,
        hmacSecret: secrets.BANK_WEBHOOK_SECRET,
        webhookUrl: `${ingress.url}/webhooks/bank`,
        webhookRetryDelaysMs: fastRetries,
      }),
      startCreatorsSandbox({ port: 0 }),
      startCommerceSandbox({ port: 0 }),
      startEvidenceSandbox({ port: 0 }),
    ]);
    for (const s of [psp, adyen, bank, creators, commerce, evidence]) stops.push(() => s.stop());
    adyenLookUp.rail = adyenRailOf(
      createAdyenTransfers({ apiKey: 'chaos', balanceAccountId: DEFAULT_ADYEN_BALANCE_ACCOUNT_ID, apiBase: adyen.url }),
    );
    const env = {
      ...base,
      PSP_API_BASE: psp.url,
      // The second PSP: routed payouts may pay there (issue 25).
      BANK_API_BASE: bank.url,
      CREATORS_API_BASE: creators.url,
      COMMERCE_API_BASE: commerce.url,
      EVIDENCE_API_BASE: evidence.url,
      // The worker's Adyen calls (workers/config-adyen.ts) go to this stack's sandbox.
      ADYEN_API_URL: adyen.url,
      // One reconciliation account: the worker's debtor account, in the payouts' currency, on UTC days; a missing
      // statement is a break a minute after its day ends (the recon row reconciles a day the bank has none for).
      RECON_ACCOUNTS: JSON.stringify([
        {
          accountId: 'bank-main',
          rail: 'bank',
          iban: partial.BANK_DEBTOR_IBAN,
          currency: 'USD',
          timezone: 'UTC',
          statementDeadlineHours: 0.02,
          pollEveryMinutes: 0.02,
        },
        // Adyen's balance account (issue 25): the late-success routing row reconciles its day.
        {
          accountId: 'psp-adyen',
          rail: 'psp',
          provider: 'adyen',
          currency: 'EUR',
          timezone: 'UTC',
          statementDeadlineHours: 6,
        },
      ]),
    };
    const config = loadConfig({ ...process.env, ...env });
    const worker = new WorkerProcess(env, bundlePath);
    stops.push(() => worker.stop());
    await worker.start();
    await warmUp(client, config.TEMPORAL_TASK_QUEUE);
    return {
      config,
      client,
      temporal,
      worker,
      ingress,
      psp,
      adyen,
      bank,
      creators,
      commerce,
      evidence,
      bundlePath,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Runs one stack probe to completion before any row: a cold worker loads the workflow bundle on its first workflow
 * task, and when the first row's N tasks all arrive at once on two busy cores, that load has outlasted the 10 s
 * workflow-task timeout (every task then waits the timeout out again: seen as a first row three times slower than
 * the same row later). One workflow pays the load alone; it also proves the worker serves before a row counts on it.
 */
async function warmUp(client: Client, taskQueue: string): Promise<void> {
  const probeId = `chaos-warm-up-${Date.now().toString(36)}`;
  // By name: the test process need not load workflow code to start one.
  await client.workflow.execute('stackProbe', {
    workflowId: stackProbeWorkflowId(probeId),
    taskQueue,
    args: [{ probeId }],
    workflowExecutionTimeout: '2m',
  });
}
