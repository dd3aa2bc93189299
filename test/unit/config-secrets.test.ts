import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { startIngress } from '../../ingress/server';
import { ConfigError, LOCAL_SECRETS, loadConfig, requireSecrets } from '../../workers/config';
import { createLambdaHandler } from '../../workers/lambda';
import { createLongLivedWorker } from '../../workers/long-lived';

const run = promisify(execFile);
const root = join(__dirname, '..', '..');
const MARKER = 'real-secret-value-never-shown';

/** The message `fn` throws (it must throw a ConfigError). */
function configErrorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

/** Runs a process entry point with exactly `env` (plus PATH); resolves with its exit code and output. */
async function startProcess(script: string, env: Record<string, string>) {
  try {
    await run(join(root, 'node_modules/.bin/tsx'), [join(root, script)], {
      cwd: root,
      env: { PATH: process.env['PATH'] ?? '', ...env },
      timeout: 60_000,
    });
    return { code: 0, output: '' };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('secrets in configuration: local defaults only in local mode', () => {
  test('when local mode has no secrets, then the public local constants apply', () => {
    const config = loadConfig({}, { role: 'ingress' });
    expect(config.PSP_SECRET_KEY).toBe(LOCAL_SECRETS.PSP_SECRET_KEY);
    expect(config.PSP_WEBHOOK_SECRET).toBe(LOCAL_SECRETS.PSP_WEBHOOK_SECRET);
    expect(config.BANK_WEBHOOK_SECRET).toBe(LOCAL_SECRETS.BANK_WEBHOOK_SECRET);
  });

  test('when aws mode lacks a secret its process needs, then start-up stops naming the variable', () => {
    const worker = configErrorOf(() => loadConfig({ PAYOPS_MODE: 'aws' }, { role: 'worker' }));
    expect(worker).toMatch(/PSP_SECRET_KEY: required outside local mode/);
    expect(worker).toMatch(/PSP_SECRET_KEY_SECRET_ARN/);
    const ingress = configErrorOf(() =>
      loadConfig({ PAYOPS_MODE: 'aws', PSP_WEBHOOK_SECRET: MARKER }, { role: 'ingress' }),
    );
    expect(ingress).toMatch(/BANK_WEBHOOK_SECRET: required/);
    expect(ingress).not.toMatch(/PSP_WEBHOOK_SECRET:/);
    expect(ingress).not.toContain(MARKER);
    // Least privilege: the worker does not need the webhook secrets, nor the ingress the PSP key.
    const temporal = {
      TEMPORAL_ADDRESS: 'cluster.example:7233',
      TEMPORAL_NAMESPACE: 'payops',
      TEMPORAL_API_KEY: 'k',
      WORKER_BUILD_ID: 'b1',
      PAYLOAD_KMS_KEY_ID: 'alias/payops',
    };
    const workerConfig = loadConfig({ PAYOPS_MODE: 'aws', PSP_SECRET_KEY: MARKER, ...temporal }, { role: 'worker' });
    expect(workerConfig.PSP_SECRET_KEY).toBe(MARKER);
  });

  test('when aws mode is given a public local constant, then it is refused naming the variable', () => {
    const message = configErrorOf(() =>
      loadConfig({
        PAYOPS_MODE: 'aws',
        PSP_SECRET_KEY: LOCAL_SECRETS.PSP_SECRET_KEY,
        PSP_WEBHOOK_SECRET: MARKER,
        PSP_WEBHOOK_SECRET_PREVIOUS: LOCAL_SECRETS.PSP_WEBHOOK_SECRET,
        PSP_WEBHOOK_SECRET_PREVIOUS_UNTIL: '2030-01-01T00:00:00Z',
        BANK_WEBHOOK_SECRET: LOCAL_SECRETS.BANK_WEBHOOK_SECRET,
      }),
    );
    expect(message).toMatch(/PSP_SECRET_KEY: a public local-mode constant is refused in aws mode/);
    expect(message).toMatch(/PSP_WEBHOOK_SECRET_PREVIOUS: a public/);
    expect(message).toMatch(/BANK_WEBHOOK_SECRET: a public/);
    expect(message).not.toMatch(/PSP_WEBHOOK_SECRET: /);
  });

  test('when a rotation names a previous secret without the end of its grace period, then it is refused', () => {
    const message = configErrorOf(() => loadConfig({ BANK_WEBHOOK_SECRET_PREVIOUS: MARKER }));
    expect(message).toMatch(/BANK_WEBHOOK_SECRET_PREVIOUS_UNTIL: required with BANK_WEBHOOK_SECRET_PREVIOUS/);
    expect(message).not.toContain(MARKER);
    expect(configErrorOf(() => loadConfig({ PSP_WEBHOOK_SECRET_PREVIOUS_UNTIL: 'tomorrow' }))).toMatch(
      /PSP_WEBHOOK_SECRET_PREVIOUS_UNTIL/,
    );
  });

  test('when a secret is invalid, then the message never shows its value', () => {
    const message = configErrorOf(() => loadConfig({ PSP_WEBHOOK_SECRET: '', TEMPORAL_API_KEY: '' }));
    expect(message).toMatch(/PSP_WEBHOOK_SECRET: .*\(got a value not shown\)/);
    expect(message).toMatch(/TEMPORAL_API_KEY: .*\(got a value not shown\)/);
  });

  test('when the worker, the Lambda worker or the ingress is created without its secrets in aws mode, then it refuses before connecting', async () => {
    const aws = loadConfig({ PAYOPS_MODE: 'aws' });
    expect(() => requireSecrets(aws, 'worker')).toThrow(/PSP_SECRET_KEY/);
    await expect(createLongLivedWorker({ config: aws })).rejects.toThrow(/PSP_SECRET_KEY: required/);
    expect(() => createLambdaHandler({ config: aws, workflowBundlePath: 'unused.js' })).toThrow(
      /PSP_SECRET_KEY: required/,
    );
    await expect(startIngress({ config: aws, client: {} as Client })).rejects.toThrow(
      /PSP_WEBHOOK_SECRET: required[\s\S]*BANK_WEBHOOK_SECRET: required/,
    );
  });

  test('when the worker and ingress processes start in aws mode without real secrets, then they exit 1 naming the variables', async () => {
    const base = { PAYOPS_MODE: 'aws', TEMPORAL_ADDRESS: '127.0.0.1:1', AWS_REGION: 'eu-west-1' };
    const [worker, ingress] = await Promise.all([
      startProcess('workers/long-lived.ts', base),
      startProcess('ingress/server.ts', { ...base, PSP_WEBHOOK_SECRET: MARKER, BANK_WEBHOOK_SECRET: 'whsec_local' }),
    ]);
    expect(worker.code).toBe(1);
    expect(worker.output).toMatch(/PSP_SECRET_KEY: required outside local mode/);
    expect(ingress.code).toBe(1);
    expect(ingress.output).toMatch(/BANK_WEBHOOK_SECRET: a public local-mode constant is refused/);
    expect(ingress.output).not.toContain(MARKER);
  });
});
