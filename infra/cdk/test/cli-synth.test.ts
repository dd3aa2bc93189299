import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CONTEXT } from './support';

const run = promisify(execFile);
const cdkDir = join(__dirname, '..');

/** `cdk synth` through the real CLI, with no AWS credentials or profile: synthesis must need none. */
test('cdk synth (CLI) works offline, without credentials, and the template passes CloudFormation validation', async () => {
  const outdir = mkdtempSync(join(tmpdir(), 'payops-cdk-cli-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    HOME: outdir,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(outdir, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: join(outdir, 'none'),
  };
  const context = Object.entries({ ...CONTEXT, stage: 'prod' }).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  try {
    const { stderr } = await run(
      join(cdkDir, 'node_modules', '.bin', 'cdk'),
      ['synth', '--quiet', '--no-notices', '--no-version-reporting', '-o', outdir, ...context],
      { cwd: cdkDir, env, timeout: 60_000 },
    );
    const template = JSON.parse(readFileSync(join(outdir, 'payops-prod.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string }>;
    };
    expect(Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function')).toHaveLength(3);
    // The built-in CloudFormation validation ran and found nothing (its findings are reported as warnings).
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: unknown[];
    };
    expect(report.pluginReports).toEqual([]);
    expect(stderr).not.toMatch(/AwsSolutions|Template validation found issues/);
    expect(existsSync(join(outdir, 'manifest.json'))).toBe(true);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});
