import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../lib/app';
import type { PayopsStack } from '../lib/payops-stack';

/** Context a platform engineer passes with -c; fake but well-formed (nothing account-specific is committed). */
export const CONTEXT = {
  stage: 'dev',
  notifyFromEmail: 'payouts@example.com',
  temporalPrincipal: '111122223333',
  temporalExternalId: 'payops-test-external-id',
  buildId: 'build-2026-12-01.1',
  workerReservedConcurrency: '20',
  ingressReservedConcurrency: '10',
  workerTimeoutSeconds: '300',
  decisionsOidcIssuer: 'https://login.example.com/',
  decisionsOidcAudience: 'payops-staff',
  decisionsIssuer: 'https://decisions.payops.example',
  decisionsKid: 'payops-decisions-dev-1',
};

export interface Synthesised {
  stack: PayopsStack;
  template: Template;
  /** The policy-validation report (cdk-nag 3 reports there, not as annotations). */
  report: { pluginReports: Array<{ pluginName: string; violations: Array<{ ruleName: string }> }> };
}

/**
 * Synthesises in-process into a temp dir, with cdk-nag on (a finding not acknowledged throws here). The built-in
 * CloudFormation schema validation (about 5 s) is left to the one CLI synth test.
 */
export function synth(context: Record<string, string> = {}): Synthesised {
  const outdir = mkdtempSync(join(tmpdir(), 'payops-cdk-'));
  try {
    const { app, stack } = buildApp({
      outdir,
      context: { ...CONTEXT, ...context },
      builtinCloudFormationValidation: false,
    });
    const assembly = app.synth();
    const report = JSON.parse(
      readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8'),
    ) as Synthesised['report'];
    return { stack, template: Template.fromStack(stack), report };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
