import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { StepFailed, UsageError } from '../../scripts/release/cli';
import { release } from '../../scripts/release/release';
import { stackEnv } from '../support/stack';

const run = promisify(execFile);
const root = join(__dirname, '..', '..');
// A deployment of this file's own: other test files' workers version under other names.
const deployment = `rel-${randomUUID().slice(0, 8)}`;
const conn = [`--address=${stackEnv('TEMPORAL_ADDRESS')}`, '--namespace=default', `--deployment-name=${deployment}`];
let output: string[] = [];

/** Runs `npm run release -- …` in-process and keeps what it printed. */
async function rel(...argv: string[]): Promise<number> {
  output = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void output.push(a.join(' ')));
  try {
    return await release(argv);
  } finally {
    log.mockRestore();
  }
}

const printedLines = () => output.join('\n').split('\n');

describe('npm run release against the dev server', () => {
  test('promote makes builds current in turn, rollback re-points to the one before, status shows the routing', async () => {
    // Lambda versions have no pollers until Temporal invokes them; the dev server lets us promote them the same way.
    expect(await rel('promote', ...conn, '--build-id=b-1', '--allow-no-pollers')).toBe(0);
    expect(output).toEqual([`${deployment}: current (none) -> b-1`]);
    expect(await rel('promote', ...conn, '--build-id=b-2', '--allow-no-pollers')).toBe(0);
    expect(output).toEqual([`${deployment}: current b-1 -> b-2`]);

    expect(await rel('status', ...conn)).toBe(0);
    expect(printedLines()[0]).toBe(`deployment ${deployment}: current b-2`);
    expect(output.join('\n')).toMatch(/ {2}b-2: CURRENT/);
    expect(output.join('\n')).toMatch(/ {2}b-1: (DRAINING|DRAINED)/);

    expect(await rel('rollback', ...conn, '--allow-no-pollers')).toBe(0);
    expect(output).toEqual([`${deployment}: rolled back, current b-2 -> b-1`]);
    expect(await rel('status', ...conn)).toBe(0);
    expect(printedLines()[0]).toBe(`deployment ${deployment}: current b-1`);

    // Rolling back again goes to b-2, the most recently current other build (a rollback can be undone the same way).
    expect(await rel('rollback', ...conn, '--allow-no-pollers')).toBe(0);
    expect(output).toEqual([`${deployment}: rolled back, current b-1 -> b-2`]);
  });

  test('promote of a build the server never saw, without --allow-no-pollers, fails naming the flag', async () => {
    const err = await rel('promote', ...conn, '--build-id=never-polled').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepFailed);
    expect(String(err)).toMatch(new RegExp(`set current ${deployment}/never-polled: .*--allow-no-pollers`));
  });

  test('status and rollback of a deployment that does not exist fail with its name', async () => {
    const other = `--deployment-name=missing-${randomUUID().slice(0, 8)}`;
    await expect(rel('status', ...conn, other)).rejects.toThrow(/no worker deployment missing-/);
    await expect(rel('rollback', ...conn, other)).rejects.toThrow(/no worker deployment missing-/);
  });

  test('create-version registers the deployment and hands the Lambda, role and external ID to the server', async () => {
    // The dev server checks the handshake itself: it assumes the role (here it has no AWS credentials, so it cannot).
    // A version whose handshake passes can only be created against Temporal Cloud or a server with AWS access.
    const args = [
      ...['--build-id=b-lambda', '--function-arn=arn:aws:lambda:us-east-1:111122223333:function:payops-worker:7'],
      ...['--role-arn=arn:aws:iam::111122223333:role/payops-invoke', '--external-id=payops-ext-1'],
    ];
    const fresh = `rel-lambda-${randomUUID().slice(0, 8)}`;
    const target = [...conn.slice(0, 2), `--deployment-name=${fresh}`];
    const err = await rel('create-version', ...target, ...args).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepFailed);
    expect(String(err)).toMatch(new RegExp(`create-version ${fresh}/b-lambda: .*payops-invoke`));
    // The deployment it needs first now exists (versions with a compute config cannot create it by polling).
    expect(output).toContain(`created worker deployment ${fresh}`);
    expect(await rel('status', ...target)).toBe(0);
    expect(printedLines()).toEqual([`deployment ${fresh}: current (none)`]);
  });

  test('bad arguments are usage errors naming the argument', async () => {
    await expect(rel('promote', ...conn)).rejects.toThrow(new UsageError('--build-id', 'required'));
    await expect(rel('promote', ...conn, '--build-id=a b')).rejects.toThrow(/--build-id: use \[A-Za-z0-9._-\]/);
    await expect(rel('create-version', '--build-id=b', '--function-arn=arn:aws:lambda:x')).rejects.toThrow(
      /--function-arn: must be a published version ARN/,
    );
    await expect(rel('create-version', '--from=/nonexistent.json')).rejects.toThrow(/nonexistent.json: cannot read/);
    await expect(rel('launch')).rejects.toThrow(/unknown command "launch"/);
  });

  test('as a command: --help exits 0, a bad argument exits 2 and names it', async () => {
    const tsx = join(root, 'node_modules', '.bin', 'tsx');
    const script = join(root, 'scripts', 'release', 'release.ts');
    const help = await run(tsx, [script, '--help'], { cwd: root });
    expect(help.stdout).toMatch(/create-version .*\n[\s\S]*promote[\s\S]*rollback[\s\S]*status/);
    const bad = await run(tsx, [script, 'promote', '--build-id'], { cwd: root }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringMatching(/--build-id/) });
  });
});
