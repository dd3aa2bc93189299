import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AWS_TRUST_KEYS_FILE, loadAwsTrustedKeys, TrustSetError } from '../../workers/aws-trust';
import { buildWorkflowBundle } from '../../workers/build-bundle';
import { assertBundleTrust, bundleTrustEnvironment } from '../../workers/bundle-trust';
import { loadConfig } from '../../workers/config';
import { createLongLivedWorker } from '../../workers/long-lived';
import { packageAll } from '../../workers/package-lambda';
import {
  LOCAL_DECISIONS_KID,
  TRUSTED_KEYS,
  trustEnvironment,
  trustedKeys,
  TrustEnvironmentMissing,
} from '../../workflows/shared/trust';

/** A trust set with one decision-service key (public half only), as tests that build the aws bundle pass it. */
const TEST_KEYS = join(__dirname, '..', 'support', 'aws-trust-keys.json');
const TEST_X = 'heFB9SNUr4fEFZRhywU0khVZ-syMvq25FSjsewjeChw';
const dir = mkdtempSync(join(tmpdir(), 'payops-trust-'));
const keysFile = (keys: unknown[]) => {
  const file = join(dir, `keys-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ keys }));
  return file;
};
const decisions = {
  use: 'decisions',
  issuer: 'https://decisions.payops.test',
  kid: 'd-1',
  x: TEST_X,
  trustedFrom: '2026-01-01T00:00:00Z',
};
const global = globalThis as { __PAYOPS_TRUST_ENV__?: string };

describe('the trust environment is compiled in, fail-closed', () => {
  test('when the define is missing (unbundled code without the test setup), then trustEnvironment throws and no key is trusted by default', () => {
    const saved = global.__PAYOPS_TRUST_ENV__;
    delete global.__PAYOPS_TRUST_ENV__;
    try {
      expect(() => trustEnvironment()).toThrow(TrustEnvironmentMissing);
      expect(() => trustedKeys(undefined, 'decisions')).toThrow(/__PAYOPS_TRUST_ENV__/);
    } finally {
      global.__PAYOPS_TRUST_ENV__ = saved;
    }
  });

  test('when the unit tests run, then their environment is the explicit local one of the jest setup', () => {
    expect(trustEnvironment()).toBe('local');
    expect(trustedKeys(undefined, 'decisions').map((k) => k.kid)).toEqual([LOCAL_DECISIONS_KID]);
    // Unbundled, no aws key is compiled in, and the local ones are never aws'.
    expect(trustedKeys('aws', 'decisions')).toEqual([]);
    expect(TRUSTED_KEYS.filter((k) => k.environments.includes('aws'))).toEqual([]);
  });
});

describe('the aws trust set (infra/trust/aws-keys.json)', () => {
  test('when the shipped file has no decisions key, then loading it fails naming the file and the missing use', () => {
    const shipped = JSON.parse(readFileSync(AWS_TRUST_KEYS_FILE, 'utf8')) as { keys: Array<{ use: string }> };
    if (shipped.keys.some((k) => k.use === 'decisions')) return; // a real key was added: the rule is tested below
    expect(() => loadAwsTrustedKeys()).toThrow(/aws-keys\.json: the aws trust set has no current 'decisions' key/);
  });

  test('when the file has a current decisions key, then its keys load as they are', () => {
    expect(loadAwsTrustedKeys(TEST_KEYS)).toEqual([
      expect.objectContaining({ use: 'decisions', kid: 'payops-decisions-test-1', x: TEST_X }),
    ]);
  });

  test('when the only decisions key is retired, then the set is refused (every decision would be)', () => {
    const retired = keysFile([{ ...decisions, trustedUntil: '2026-06-01T00:00:00Z' }]);
    expect(() => loadAwsTrustedKeys(retired, Date.parse('2026-07-01T00:00:00Z'))).toThrow(/no current 'decisions'/);
    expect(loadAwsTrustedKeys(retired, Date.parse('2026-05-01T00:00:00Z'))).toHaveLength(1);
  });

  test('when an entry is bad, then the error names the entry and the rule', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ ...decisions, x: 'short' }, /keys\.0\.x: must be an Ed25519 public key/],
      [{ ...decisions, use: 'admin' }, /keys\.0\.use/],
      [{ ...decisions, environments: ['aws'] }, /keys\.0: Unrecognized key/],
      [{ ...decisions, use: 'staff', kid: 's-1' }, /keys\[0\] \(staff s-1\): a staff key needs trustedUntil/],
      [{ ...decisions, x: 'Ld8p6HamHFt8w3r63H29fboq7YZ8KtKcyJSsTsdkleA' }, /is a local key/],
      [{ ...decisions, trustedUntil: '2025-01-01T00:00:00Z' }, /trustedUntil must be after trustedFrom/],
    ];
    for (const [entry, message] of cases) {
      expect(() => loadAwsTrustedKeys(keysFile([entry]))).toThrow(message);
    }
    expect(() => loadAwsTrustedKeys(keysFile([decisions, decisions]))).toThrow(/issuer and kid are listed twice/);
  });

  test('when npm run build:lambda runs without a decisions key, then it fails before bundling anything', async () => {
    const empty = keysFile([]);
    await expect(packageAll(join(dir, 'out'), undefined, { awsTrustKeysFile: empty })).rejects.toThrow(
      /no current 'decisions' key/,
    );
    await expect(
      buildWorkflowBundle(join(dir, 'never.js'), 'aws', undefined, { awsTrustKeysFile: empty }),
    ).rejects.toThrow(TrustSetError);
  });
});

describe('the bundle carries its trust environment; the worker checks it against PAYOPS_MODE', () => {
  const bundleFile = (first: string) => {
    const file = join(dir, `bundle-${Math.random().toString(36).slice(2)}.js`);
    writeFileSync(file, `${first}\n(() => {})();\n`);
    return file;
  };
  const localBundle = () => bundleFile('/*! payops-trust-environment=local */');
  const awsBundle = () => bundleFile('/*! payops-trust-environment=aws */');

  test('when a worker in aws mode is given a local bundle, then it refuses, naming both', () => {
    expect(() => assertBundleTrust(localBundle(), 'aws')).toThrow(
      /WORKFLOW_BUNDLE_PATH: the bundle was built for the local trust environment but PAYOPS_MODE=aws/,
    );
    expect(assertBundleTrust(awsBundle(), 'aws')).toBe('aws');
    expect(assertBundleTrust(localBundle(), 'local')).toBe('local');
  });

  test('when a bundle has no trust banner, then it is refused in either mode', () => {
    for (const mode of ['local', 'aws'] as const) {
      expect(() => assertBundleTrust(bundleFile('(() => {})();'), mode)).toThrow(/carries no trust environment/);
    }
  });

  test('when the long-lived worker starts with PAYOPS_MODE=aws and a local bundle, then it refuses before connecting', async () => {
    const config = loadConfig({ PAYOPS_MODE: 'aws', PSP_SECRET_KEY: 'sk_live_test', PAYLOAD_KMS_KEY_ID: 'alias/x' });
    await expect(createLongLivedWorker({ config, workflowBundlePath: localBundle() })).rejects.toThrow(
      /built for the local trust environment but PAYOPS_MODE=aws/,
    );
  });

  test('when the aws bundle is built, then its first line says aws, its environment is a constant and it holds the configured key', async () => {
    const out = await buildWorkflowBundle(join(dir, 'aws.js'), 'aws', undefined, { awsTrustKeysFile: TEST_KEYS });
    const code = readFileSync(out, 'utf8');
    expect(bundleTrustEnvironment(code)).toBe('aws');
    expect(code).toContain(TEST_X);
    // webpack's define made the environment a constant: the bundle cannot fall back to local at run time.
    expect(code).toMatch(/function trustEnvironment\(\) \{\s*const env =\s+false \? 0 : "aws";/);
  }, 180_000);
});
