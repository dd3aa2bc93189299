import type { Template } from 'aws-cdk-lib/assertions';
import { readSettings } from '../lib/settings';
import { CONTEXT, synth } from './support';

/**
 * The second PSP's secrets (issue 25): only in a deployment with Adyen, created or imported by context, each granted to
 * the processes that read it: the API key to the workers and the ingress (its transfer look-up), the webhook HMAC key
 * to the ingress only, the decision service neither.
 */
const ADYEN = { adyenBalanceAccountId: 'BA0000000000000000LIVE01', adyenEnvironment: 'LIVE' };
const IMPORTED_API_KEY = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:payops/adyen-api-key-AbC123';

type Resources = Array<[string, { Properties: Record<string, unknown> }]>;
const resourcesOf = (template: Template, type: string) => Object.entries(template.findResources(type)) as Resources;

/** A function's environment variables, by the function's logical ID fragment. */
const envOf = (template: Template, fn: string) =>
  (
    resourcesOf(template, 'AWS::Lambda::Function').find(([id]) => id.includes(fn))![1].Properties['Environment'] as {
      Variables: Record<string, unknown>;
    }
  ).Variables;

/** The resources a role may `secretsmanager:GetSecretValue`, as JSON (Refs name the secrets' logical IDs). */
const secretsReadBy = (template: Template, role: string) => {
  const [roleId] = resourcesOf(template, 'AWS::IAM::Role').find(([id]) => id.includes(`${role}Role`))!;
  const [, policy] = resourcesOf(template, 'AWS::IAM::Policy').find(([, p]) => JSON.stringify(p).includes(roleId))!;
  const statements = (policy.Properties['PolicyDocument'] as { Statement: Array<Record<string, unknown>> }).Statement;
  return JSON.stringify(
    statements
      .filter((s) => JSON.stringify(s['Action']).includes('secretsmanager:GetSecretValue'))
      .map((s) => s['Resource']),
  );
};

const adyenVariables = (vars: Record<string, unknown>) => Object.keys(vars).filter((k) => k.startsWith('ADYEN_'));

describe("Adyen's secrets in the stack", () => {
  test('when the context names no Adyen balance account, then no Adyen secret exists and no function is given an ADYEN_ variable', () => {
    const { template } = synth();
    template.resourceCountIs('AWS::SecretsManager::Secret', 8);
    for (const fn of ['Worker', 'Ingress', 'Decisions']) expect(adyenVariables(envOf(template, fn))).toEqual([]);
    for (const role of ['Worker', 'Ingress', 'Decisions']) expect(secretsReadBy(template, role)).not.toMatch(/Adyen/);
  });

  describe('when the context turns Adyen on, then its two secrets are created and granted least-privilege', () => {
    let template: Template;
    let secretId: (name: string) => string;
    beforeAll(() => {
      template = synth(ADYEN).template;
      secretId = (name) => resourcesOf(template, 'AWS::SecretsManager::Secret').find(([id]) => id.includes(name))![0];
    });

    test('two retained secrets more; the HMAC key starts as a random hex key nobody signs with', () => {
      template.resourceCountIs('AWS::SecretsManager::Secret', 10);
      const [, hmac] = resourcesOf(template, 'AWS::SecretsManager::Secret').find(([id]) =>
        id.includes('AdyenWebhookHmacKey'),
      )!;
      expect(hmac.Properties['GenerateSecretString']).toMatchObject({
        PasswordLength: 64,
        ExcludePunctuation: true,
        ExcludeLowercase: true,
        ExcludeCharacters: 'GHIJKLMNOPQRSTUVWXYZ',
      });
      template.allResources('AWS::SecretsManager::Secret', { DeletionPolicy: 'Retain' });
    });

    test('the workers read the API key (never the webhook key), with the balance account and environment', () => {
      const vars = envOf(template, 'Worker');
      expect(vars['ADYEN_API_KEY_SECRET_ARN']).toEqual({ Ref: secretId('AdyenApiKey') });
      expect(vars).not.toHaveProperty('ADYEN_WEBHOOK_HMAC_KEY_SECRET_ARN');
      expect(vars).toMatchObject({ ADYEN_BALANCE_ACCOUNT_ID: ADYEN.adyenBalanceAccountId, ADYEN_ENVIRONMENT: 'LIVE' });
      const granted = secretsReadBy(template, 'Worker');
      expect(granted).toContain(secretId('AdyenApiKey'));
      expect(granted).not.toContain(secretId('AdyenWebhookHmacKey'));
    });

    test('the ingress reads both: the HMAC key checks signatures, the API key looks each transfer up at Adyen', () => {
      const vars = envOf(template, 'Ingress');
      expect(vars['ADYEN_WEBHOOK_HMAC_KEY_SECRET_ARN']).toEqual({ Ref: secretId('AdyenWebhookHmacKey') });
      expect(vars['ADYEN_API_KEY_SECRET_ARN']).toEqual({ Ref: secretId('AdyenApiKey') });
      const granted = secretsReadBy(template, 'Ingress');
      expect(granted).toContain(secretId('AdyenWebhookHmacKey'));
      expect(granted).toContain(secretId('AdyenApiKey'));
    });

    test('the decision service holds no Adyen secret, only the balance account that names the same reconciliation accounts', () => {
      expect(adyenVariables(envOf(template, 'Decisions'))).toEqual(['ADYEN_BALANCE_ACCOUNT_ID']);
      expect(envOf(template, 'Decisions')['ADYEN_BALANCE_ACCOUNT_ID']).toBe(ADYEN.adyenBalanceAccountId);
      expect(secretsReadBy(template, 'Decisions')).not.toMatch(/Adyen/);
    });
  });

  test('when the context names an existing secret by ARN, then it is imported (not created) and granted by that ARN', () => {
    const { template } = synth({ ...ADYEN, adyenApiKeySecretArn: IMPORTED_API_KEY });
    template.resourceCountIs('AWS::SecretsManager::Secret', 9);
    expect(
      resourcesOf(template, 'AWS::SecretsManager::Secret')
        .map(([id]) => id)
        .join(),
    ).not.toMatch(/AdyenApiKey/);
    for (const fn of ['Worker', 'Ingress'])
      expect(envOf(template, fn)['ADYEN_API_KEY_SECRET_ARN']).toBe(IMPORTED_API_KEY);
    for (const role of ['Worker', 'Ingress']) expect(secretsReadBy(template, role)).toContain(IMPORTED_API_KEY);
    expect(secretsReadBy(template, 'Decisions')).not.toContain(IMPORTED_API_KEY);
  });

  test('when Adyen context is incomplete or malformed, then synthesis fails naming each key', () => {
    const node = (ctx: Record<string, string>) => ({ tryGetContext: (k: string) => ctx[k] });
    expect(() => readSettings(node({ ...CONTEXT, adyenBalanceAccountId: 'BA1' }))).toThrow(
      /adyenEnvironment: must be TEST or LIVE with adyenBalanceAccountId \(got undefined\)/,
    );
    expect(() => readSettings(node({ ...CONTEXT, adyenEnvironment: 'LIVE' }))).toThrow(
      /adyenBalanceAccountId: required with adyenEnvironment/,
    );
    expect(() =>
      readSettings(
        node({
          ...CONTEXT,
          ...ADYEN,
          adyenBalanceAccountId: 'BA 1',
          adyenWebhookHmacKeySecretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:payops/adyen-hmac',
        }),
      ),
    ).toThrow(/adyenBalanceAccountId: must be an Adyen balance account ID[\s\S]*adyenWebhookHmacKeySecretArn: must be/);
  });
});
