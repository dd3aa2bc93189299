import { applyAdyenRateLimit, applyPspRateLimit } from '../../client/psp-control';
import { join } from 'node:path';
import { Runtime } from '@temporalio/worker';
import { connectClient } from '../../client/connect';
import { dataConverterFor, kmsOptions } from '../../workers/data-converter';
import { startCodecServer } from '../../workers/codec-server';
import { codecServerSettings } from '../../codec/server-settings';
import { createPayloadCodec } from '../../codec/settings';
import { makeAwsClients } from '../../activities/adapters/aws';
import { loadDecisionsConfig } from '../../decisions/config';
import { startDecisionService } from '../../decisions/server';
import { startIngress } from '../../ingress/server';
import { ADYEN_SANDBOX_PORT, LOCAL_ADYEN_HMAC_KEY, startAdyenSandbox } from '../../sandboxes/adyen';
import { startBankSandbox } from '../../sandboxes/bank';
import { startCommerceSandbox } from '../../sandboxes/commerce';
import { startCreatorsSandbox } from '../../sandboxes/creators';
import { startEvidenceSandbox } from '../../sandboxes/evidence';
import { startIdpSandbox } from '../../sandboxes/idp';
import { startPspSandbox } from '../../sandboxes/psp';
import { awsOptions, loadConfig, temporalEnv } from '../../workers/config';
import { ensurePayoutSchedule } from '../../client/payout-runs';
import { ensureSweepSchedule } from '../../client/sweeper';
import { ensureReconSchedules } from '../../client/recon';
import { loadAdyenConfig } from '../../workers/config-adyen';
import { reconAccounts } from '../../workers/config-recon';
import { createLongLivedWorker } from '../../workers/long-lived';
import { bootstrapAws } from './bootstrap-aws';
import { DATA_DIR } from './paths';
import { ensureSearchAttributes } from './search-attributes';
import { startExternalServers } from './stack';
import { startOutput } from './start-output';

/**
 * `npm start`: the whole product on this machine, in the foreground. Embedded Temporal dev server
 * (SQLite under .data/, Web UI on 8233) unless TEMPORAL_ADDRESS names another cluster; moto; the PSP, bank, creator-directory, commerce, evidence and Adyen sandboxes; the worker; the webhook ingress;
 * the decision service the staff CLIs talk to; the codec server the Web UI decodes payloads with; the monthly payout Schedule. Ctrl-C stops it all.
 * It prints the summary, then only what needs attention; the SDK's details (the bundler's module listing, notices,
 * expected warnings) go to .data/run/start.log, which the summary names. (stripe-mock is for the PSP contract tests:
 * `npm test` starts its own.)
 */
async function main(): Promise<void> {
  const output = startOutput(join(DATA_DIR, 'run', 'start.log'), (line) => console.error(line));
  Runtime.install({ logger: output.logger });
  process.removeAllListeners('warning');
  process.on('warning', output.warning);
  const external = Boolean(process.env['TEMPORAL_ADDRESS']);
  const ports = { temporal: 7233, ui: 8233, moto: 5000, stripeMock: 12111, stripeMockHttps: 12110 };
  const codecPort = loadConfig({ ...process.env, PAYOPS_MODE: 'local' }).CODEC_SERVER_PORT;
  const servers = await startExternalServers({
    ports,
    runDir: join(DATA_DIR, 'run'),
    persist: true,
    embeddedTemporal: !external,
    stripeMock: false,
    uiCodecEndpoint: `http://127.0.0.1:${codecPort}`,
  });
  const stoppers: Array<() => Promise<void>> = [() => output.close(), () => servers.stop()];
  const stopAll = async () => {
    for (const stop of stoppers.reverse()) await stop().catch((err) => console.error('[stop]', err));
  };
  try {
    const config = loadConfig({
      ...process.env,
      PAYOPS_MODE: 'local',
      TEMPORAL_ADDRESS: servers.temporalAddress ?? process.env['TEMPORAL_ADDRESS'],
      AWS_ENDPOINT_URL: servers.awsEndpoint,
    });
    await bootstrapAws(makeAwsClients(awsOptions(config)), config);
    const ingressUrl = `http://127.0.0.1:${config.INGRESS_PORT}`;
    const portOf = (url: string) => Number(new URL(url).port);
    const psp = await startPspSandbox({
      port: portOf(config.PSP_API_BASE),
      webhookUrl: `${ingressUrl}/webhooks/psp`,
      webhookSecret: config.PSP_WEBHOOK_SECRET,
    });
    stoppers.push(() => psp.stop());
    const bank = await startBankSandbox({
      port: portOf(config.BANK_API_BASE),
      webhookUrl: `${ingressUrl}/webhooks/bank`,
      hmacSecret: config.BANK_WEBHOOK_SECRET,
    });
    stoppers.push(() => bank.stop());
    const creators = await startCreatorsSandbox({ port: portOf(config.CREATORS_API_BASE) });
    stoppers.push(() => creators.stop());
    const commerce = await startCommerceSandbox({ port: portOf(config.COMMERCE_API_BASE) });
    stoppers.push(() => commerce.stop());
    const evidence = await startEvidenceSandbox({ port: portOf(config.EVIDENCE_API_BASE) });
    stoppers.push(() => evidence.stop());
    // The second PSP (Adyen's Transfers API), where the ingress, the worker and the pacing look for it
    // (workers/config-adyen.ts: `ADYEN_API_URL`, local default its port), signing its webhooks to `/webhooks/adyen`
    // with the key the ingress trusts locally.
    const adyenConfig = loadAdyenConfig('local', process.env);
    const adyen = await startAdyenSandbox({
      port: adyenConfig.apiUrl ? portOf(adyenConfig.apiUrl) : ADYEN_SANDBOX_PORT,
      hmacKey: adyenConfig.hmacKeys[0] ?? LOCAL_ADYEN_HMAC_KEY,
      webhookUrl: `${ingressUrl}/webhooks/adyen`,
    });
    stoppers.push(() => adyen.stop());
    const idp = await startIdpSandbox({ port: portOf(config.IDP_URL) });
    stoppers.push(() => idp.stop());

    const codecServer = await startCodecServer({
      codec: createPayloadCodec(config, kmsOptions(config)),
      settings: codecServerSettings(config),
    });
    stoppers.push(() => codecServer.stop());

    const { client, close } = await connectClient({
      env: temporalEnv(config),
      dataConverter: dataConverterFor(config),
    });
    stoppers.push(close);
    const added = await ensureSearchAttributes(client, config.TEMPORAL_NAMESPACE);
    if (added.length > 0)
      console.log(`[start] registered search attributes new since this stack was created: ${added.join(', ')}`);
    const ingress = await startIngress({ config, client, port: config.INGRESS_PORT });
    stoppers.push(() => ingress.stop());
    const decisions = loadDecisionsConfig(config);
    const decisionService = await startDecisionService({
      config,
      decisions,
      client,
      port: portOf(config.DECISIONS_URL),
    });
    stoppers.push(() => decisionService.stop());
    await ensurePayoutSchedule(client, { taskQueue: config.TEMPORAL_TASK_QUEUE });
    await ensureSweepSchedule(client, config);
    await ensureReconSchedules(client, {
      TEMPORAL_TASK_QUEUE: config.TEMPORAL_TASK_QUEUE,
      accounts: reconAccounts(config),
    });
    await applyPspRateLimit(client, config); // PSP pacing: the server paces `<queue>-psp` for every worker
    // …and Adyen's own queue on Adyen's limits, so a pause there records a rate its resume restores.
    await applyAdyenRateLimit(client, { TEMPORAL_TASK_QUEUE: config.TEMPORAL_TASK_QUEUE, ...adyenConfig });

    const { worker, connection: workerConnection } = await createLongLivedWorker({ config });
    const running = worker.run();
    stoppers.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await workerConnection.close();
    });

    console.log(`
payops is running
  Temporal      ${config.TEMPORAL_ADDRESS} (namespace ${config.TEMPORAL_NAMESPACE})
  Web UI        ${servers.uiUrl ?? '(external cluster)'}
  Worker        polling task queue ${config.TEMPORAL_TASK_QUEUE}; Schedule payout-run-monthly (1st of the month, 06:00 UTC)
  Ingress       ${ingressUrl}/webhooks/psp  ${ingressUrl}/webhooks/bank  ${ingressUrl}/webhooks/adyen
  Codec server  ${codecServer.url} (payloads are encrypted; the Web UI decodes them through it)
  Sandboxes     PSP ${psp.url}  bank ${bank.url}  creators ${creators.url}  commerce ${commerce.url}  evidence ${evidence.url}  Adyen ${adyen.url}
  Console       ${decisionService.url}/console (finance and ops pages: sign in at the local IdP as fin.dave, cs.alice, legal.grace, ops.frank, …)
  Decisions     ${decisionService.url} (the staff CLIs' service: signs and sends decisions, serves their reads)
  Staff login   ${idp.url} (npx payops-finance login --as fin.carol)
  AWS (moto)    ${servers.awsEndpoint}
  Details       ${output.file} (bundler output, SDK notices, expected warnings); below: only what needs attention
Ctrl-C stops everything.`);
  } catch (err) {
    await stopAll();
    throw err;
  }
  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n[${signal}] stopping…`);
    stopAll().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
