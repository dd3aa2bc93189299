import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');
const WRAPPER = join(ROOT, 'scripts/on-project-node.mjs');
const PROJECT_NODE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  scripts: Record<string, string>;
};

/** `<node> scripts/on-project-node.mjs <args>` with `env` on top of this process's (without a re-executed marker). */
function wrap(node: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const { PAYOPS_ON_PROJECT_NODE: _marker, ...base } = process.env;
  const r = spawnSync(node, [WRAPPER, ...args], {
    cwd: ROOT,
    env: { ...base, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
}

const PRINT_VERSION = 'node -p process.version';

describe('npm start / npm test on any Node (scripts/on-project-node.mjs)', () => {
  test('when the running Node meets engines, then the command runs as is, says nothing and passes on its exit code', () => {
    const ok = wrap(process.execPath, [PRINT_VERSION]);
    expect(ok).toEqual({ code: 0, out: process.version, err: '' });
    expect(wrap(process.execPath, ['--quiet', 'exit 3']).code).toBe(3);
    // `npm test -- <args>` appends its arguments, shell-quoted, to the command.
    expect(wrap(process.execPath, ['node -e "console.log(process.argv[1])"', "it's one arg"]).out).toBe("it's one arg");
  });

  test('when the running Node reports an older version (a stand-in), then the command runs on the Node ensure-node.sh provides, said in one line', () => {
    const r = wrap(process.execPath, [PRINT_VERSION], { PAYOPS_FAKE_NODE_VERSION: 'v20.0.0' });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^v24\./);
    expect(r.err.split('\n')).toEqual([
      expect.stringMatching(
        /^\[payops\] Node v20\.0\.0 is older than the project's 24: running on Node v24\.\S+ from \S+ \(infra\/local\/ensure-node\.sh\)$/,
      ),
    ]);
    expect(wrap(process.execPath, ['--quiet', PRINT_VERSION], { PAYOPS_FAKE_NODE_VERSION: 'v18.20.0' })).toMatchObject({
      out: expect.stringMatching(/^v24\./),
      err: '',
    });
  });

  test('when run by a real Node 20 (from the npm registry, as ensure-node.sh fetches Node 24), then the command and every node under it run on Node 24', () => {
    const node20 = join(
      execFileSync('bash', [join(ROOT, 'infra/local/ensure-node.sh'), '20.20.2'], { encoding: 'utf8' }).trim(),
      'node',
    );
    expect(execFileSync(node20, ['--version'], { encoding: 'utf8' }).trim()).toBe('v20.20.2');
    const r = wrap(node20, [`${PRINT_VERSION} && exit 4`]);
    expect(r.code).toBe(4);
    expect(r.out).toMatch(/^v24\./);
    expect(r.err).toMatch(/^\[payops\] Node v20\.20\.2 is older than the project's 24: running on Node v24\./);
  });

  test('when npm runs start, test or their pre-hooks, then they go through the wrapper (the hooks say it, the scripts are quiet)', () => {
    expect(PROJECT_NODE.engines.node).toBe('>=24');
    for (const hook of ['prestart', 'pretest'])
      expect(PROJECT_NODE.scripts[hook]).toMatch(/^node scripts\/on-project-node\.mjs "/);
    for (const script of ['start', 'test'])
      expect(PROJECT_NODE.scripts[script]).toMatch(/^node scripts\/on-project-node\.mjs --quiet /);
  });
});
