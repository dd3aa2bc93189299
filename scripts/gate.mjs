// The phases of `npm test` (and its `pretest`), each timed: `node scripts/gate.mjs pretest|test [jest args]`.
// `test` ends with one line of timings, the pretest's included (it runs first, as its own npm script, and leaves its
// time in .data/gate-pretest.json). Plain JS: it runs under the project's Node that scripts/on-project-node.mjs picked.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PRETEST_FILE = join(ROOT, '.data', 'gate-pretest.json');

const PHASES = {
  pretest: [
    ['dependencies', 'node scripts/ensure-deps.mjs'],
    ['local tools', 'bash infra/local/ensure.sh'],
  ],
  test: [
    ['typecheck', 'npm run --silent typecheck'],
    ['lint', 'npm run --silent lint'],
    ['jest', 'npx jest'],
  ],
};

const seconds = (ms) => `${Math.round(ms / 1000)} s`;

/** Runs the phases in order; stops at the first that fails. Returns each phase's time and the exit code. */
function run(phases, extra) {
  const times = [];
  for (const [name, command] of phases) {
    const started = Date.now();
    const last = phases[phases.length - 1][0] === name;
    const { status } = spawnSync(last && extra.length ? `${command} ${extra.join(' ')}` : command, {
      cwd: ROOT,
      shell: true,
      stdio: 'inherit',
    });
    times.push([name, Date.now() - started]);
    if (status !== 0) return { times, code: status ?? 1 };
  }
  return { times, code: 0 };
}

function main([which, ...extra]) {
  const phases = PHASES[which];
  if (!phases) {
    console.error('usage: node scripts/gate.mjs pretest|test [jest args]');
    process.exit(2);
  }
  const { times, code } = run(phases, which === 'test' ? extra : []);
  if (which === 'pretest') {
    mkdirSync(dirname(PRETEST_FILE), { recursive: true });
    writeFileSync(PRETEST_FILE, JSON.stringify(times));
  } else {
    let before = [];
    try {
      before = JSON.parse(readFileSync(PRETEST_FILE, 'utf8'));
      rmSync(PRETEST_FILE);
    } catch {
      // npm test --ignore-scripts, or jest run alone: no pretest to report.
    }
    const all = [...before, ...times];
    const total = all.reduce((sum, [, ms]) => sum + ms, 0);
    console.error(`[gate] ${all.map(([n, ms]) => `${n} ${seconds(ms)}`).join(' · ')} · total ${seconds(total)}`);
  }
  process.exit(code);
}

main(process.argv.slice(2));
