import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(__dirname, '..', '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');
const script = join(root, 'scripts', 'release', 'deploy.ts');
const home = mkdtempSync(join(tmpdir(), 'payops-deploy-'));
/** No AWS credentials anywhere: no variables, no files, no instance metadata. */
const offline: NodeJS.ProcessEnv = {
  PATH: process.env['PATH'],
  HOME: home,
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONFIG_FILE: join(home, 'none'),
  AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
};
const context = [
  'notifyFromEmail=payouts@example.com',
  'temporalPrincipal=111122223333',
  'temporalExternalId=ext-1',
  'decisionsOidcIssuer=https://login.example.com/',
  'decisionsOidcAudience=payops-staff',
  'decisionsIssuer=https://decisions.payops.example',
  'decisionsKid=payops-decisions-prod-1',
];

afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('npm run deploy', () => {
  test('--dry-run synthesises the stage offline, without credentials, for the given build', async () => {
    const args = [
      '--dry-run',
      '--skip-build',
      '--stage=prod',
      '--build-id=rel-dry-1',
      ...context.map((c) => `--context=${c}`),
    ];
    const { stdout } = await run(tsx, [script, ...args], { cwd: root, env: offline, timeout: 240_000 });
    const template = /synthesised payops-prod \(build rel-dry-1\) into (\S+)/.exec(stdout)?.[1];
    expect(template).toBeDefined();
    expect(stdout).toMatch(/nothing deployed, no AWS call made/);
    const resources = (JSON.parse(readFileSync(template ?? '', 'utf8')) as { Resources: Record<string, object> })
      .Resources;
    // The build ID reaches the worker: its published version is described by it.
    expect(JSON.stringify(resources)).toContain('rel-dry-1');
  }, 300_000);

  test('without AWS credentials it stops before building or calling CDK, saying what to set', async () => {
    const err = await run(tsx, [script, '--build-id=rel-x'], { cwd: root, env: offline, timeout: 60_000 }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 1 });
    const { stdout, stderr } = err as { stdout: string; stderr: string };
    expect(stderr).toMatch(/no AWS credentials .*AWS_PROFILE.*--dry-run/);
    expect(stdout).not.toMatch(/build:lambda|cdk/);
  });

  test('--help exits 0; a bad stage exits 2 naming --stage', async () => {
    expect((await run(tsx, [script, '--help'], { cwd: root, env: offline })).stdout).toMatch(/--dry-run/);
    const bad = await run(tsx, [script, '--stage=qa'], { cwd: root, env: offline }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringMatching(/--stage: Invalid option/) });
  });
});
