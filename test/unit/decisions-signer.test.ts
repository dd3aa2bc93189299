import { ed25519 } from '@noble/curves/ed25519';
import type { KMSClient } from '@aws-sdk/client-kms';
import { loadDecisionsConfig } from '../../decisions/config';
import { kmsSigner, localSigner } from '../../decisions/signer';
import { loadConfig } from '../../workers/config';
import { verifyCommandAssertion } from '../../workflows/shared/command-assertion';
import {
  LOCAL_DECISIONS_ISSUER,
  LOCAL_DECISIONS_KID,
  trustedKeys,
  type TrustedKey,
} from '../../workflows/shared/trust';

const staff = { subject: 'ops.frank', roles: ['ops'], name: 'Frank' };
const binding = {
  workflowId: 'payout-p1',
  runId: 'run-1',
  command: 'holdPayout',
  args: { reason: 'sanctions review' },
};

describe('decision service: assertions and configuration', () => {
  test('when the local signer mints an assertion, then the workflows accept it for that command only', async () => {
    const token = await localSigner({ issuer: LOCAL_DECISIONS_ISSUER, kid: LOCAL_DECISIONS_KID })(staff, binding);
    const keys = trustedKeys('local', 'decisions');
    expect(verifyCommandAssertion(token, Date.now(), binding, keys)).toMatchObject({
      ok: true,
      identity: { subject: 'ops.frank', roles: ['ops'], name: 'Frank' },
    });
    const changed = { ...binding, args: { reason: 'something else' } };
    expect(verifyCommandAssertion(token, Date.now(), changed, keys)).toMatchObject({
      ok: false,
      code: 'assertion_arguments_changed',
    });
    const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()) as object;
    expect(header).toEqual({ alg: 'EdDSA', kid: LOCAL_DECISIONS_KID, typ: 'payops-command+jwt' });
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<string, number>;
    expect((claims['exp'] ?? 0) - (claims['iat'] ?? 0)).toBe(60);
  });

  test('when KMS signs (RAW message, ED25519_SHA_512), then the signature it returns makes an assertion the key verifies', async () => {
    const secret = ed25519.utils.randomPrivateKey();
    const sent: Array<Record<string, unknown>> = [];
    const kms = {
      send: async (command: { input: Record<string, unknown> }) => {
        sent.push(command.input);
        return { Signature: ed25519.sign(command.input['Message'] as Uint8Array, secret) };
      },
    } as unknown as KMSClient;
    const token = await kmsSigner(
      { issuer: 'https://decisions.example', kid: 'kms-1' },
      'alias/decisions',
      kms,
    )(staff, binding);
    expect(sent[0]).toMatchObject({
      KeyId: 'alias/decisions',
      MessageType: 'RAW',
      SigningAlgorithm: 'ED25519_SHA_512',
    });
    const key: TrustedKey = {
      use: 'decisions',
      issuer: 'https://decisions.example',
      kid: 'kms-1',
      x: Buffer.from(ed25519.getPublicKey(secret)).toString('base64url'),
      trustedFrom: '2026-01-01T00:00:00Z',
      environments: ['aws'],
    };
    expect(verifyCommandAssertion(token, Date.now(), binding, [key])).toMatchObject({ ok: true });
  });

  test('when the service runs outside local mode without its settings, then it refuses to start naming each', () => {
    const app = loadConfig({ PAYOPS_MODE: 'aws' });
    expect(() => loadDecisionsConfig(app, {})).toThrow(
      /DECISIONS_OIDC_ISSUER[\s\S]*DECISIONS_OIDC_DISCOVERY_URL[\s\S]*DECISIONS_OIDC_AUDIENCE[\s\S]*DECISIONS_ISSUER[\s\S]*DECISIONS_KID[\s\S]*DECISIONS_KMS_KEY_ID/,
    );
    const local = loadDecisionsConfig(loadConfig({ PAYOPS_MODE: 'local', IDP_URL: 'http://127.0.0.1:1234' }), {});
    expect(local.oidc).toMatchObject({
      discoveryUrl: 'http://127.0.0.1:1234/.well-known/openid-configuration',
      rolesClaim: 'roles',
    });
  });

  test('when the reports\u2019 Athena workgroup is set without its database (or the reverse, or malformed), then the service refuses to start naming the field; both set, the reports are queried there', () => {
    const app = loadConfig({ PAYOPS_MODE: 'local' });
    expect(() => loadDecisionsConfig(app, { REPORTS_ATHENA_WORKGROUP: 'payops-dev-reports' })).toThrow(
      /REPORTS_GLUE_DATABASE: required with REPORTS_ATHENA_WORKGROUP/,
    );
    expect(() => loadDecisionsConfig(app, { REPORTS_GLUE_DATABASE: 'payops_dev_reports' })).toThrow(
      /REPORTS_ATHENA_WORKGROUP: required with REPORTS_GLUE_DATABASE/,
    );
    expect(() =>
      loadDecisionsConfig(app, { REPORTS_ATHENA_WORKGROUP: 'a b', REPORTS_GLUE_DATABASE: 'Payops-Dev' }),
    ).toThrow(/REPORTS_ATHENA_WORKGROUP: must be an Athena workgroup name[\s\S]*REPORTS_GLUE_DATABASE: must be a Glue/);
    expect(loadDecisionsConfig(app, {}).athena).toBeUndefined();
    expect(
      loadDecisionsConfig(app, {
        REPORTS_ATHENA_WORKGROUP: 'payops-dev-reports',
        REPORTS_GLUE_DATABASE: 'payops_dev_reports',
      }).athena,
    ).toEqual({ workgroup: 'payops-dev-reports', database: 'payops_dev_reports' });
  });
});
