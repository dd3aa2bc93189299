// The phases of `npm test` (and its `pretest`), each timed: `node scripts/gate.mjs pretest|test [jest args]`.
// `test` ends with one line of timings, the pretest's included (it runs first, as its own npm script, and leaves its
// time in .data/gate-pretest.json). The test phases run side by side: jest's longest files (the fault matrix) mostly
// wait on the product's own timeouts, so typecheck and lint fit beside them; their output is shown when they end.
// Plain JS: it runs under the project's Node that scripts/on-project-node.mjs picked.
import { spawn, spawnSync } from 'node:child_process';
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
function inOrder(phases) {
  const times = [];
  for (const [name, command] of phases) {
    const started = Date.now();
    const { status } = spawnSync(command, { cwd: ROOT, shell: true, stdio: 'inherit' });
    times.push([name, Date.now() - started]);
    if (status !== 0) return { times, code: status ?? 1 };
  }
  return { times, code: 0 };
}

/**
 * Runs the phases side by side; the last one (jest) writes to the terminal as it goes, the others' output is held
 * and printed when each ends (in full when it failed). Returns each phase's time and the first failing exit code.
 */
async function sideBySide(phases, extra) {
  const runs = phases.map(([name, command], i) => {
    const live = i === phases.length - 1;
    const started = Date.now();
    const child = spawn(live && extra.length ? `${command} ${extra.join(' ')}` : command, {
      cwd: ROOT,
      shell: true,
      stdio: live ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    });
    let held = '';
    if (!live) for (const stream of [child.stdout, child.stderr]) stream.on('data', (d) => (held += d));
    return new Promise((resolve) =>
      child.on('close', (code) => {
        const ms = Date.now() - started;
        if (!live)
          process.stderr.write(
            code === 0 ? `[gate] ${name} passed (${seconds(ms)})\n` : `${held}[gate] ${name} FAILED\n`,
          );
        resolve({ name, ms, code: code ?? 1 });
      }),
    );
  });
  const done = await Promise.all(runs);
  return { times: done.map((r) => [r.name, r.ms]), code: done.find((r) => r.code !== 0)?.code ?? 0 };
}

async function main([which, ...extra]) {
  const phases = PHASES[which];
  if (!phases) {
    console.error('usage: node scripts/gate.mjs pretest|test [jest args]');
    process.exit(2);
  }
  const { times, code } = which === 'test' ? await sideBySide(phases, extra) : inOrder(phases);
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
    // The test phases overlap: their wall time is the longest of them.
    const total = before.reduce((sum, [, ms]) => sum + ms, 0) + Math.max(...times.map(([, ms]) => ms));
    const all = [...before, ...times];
    console.error(`[gate] ${all.map(([n, ms]) => `${n} ${seconds(ms)}`).join(' · ')} · wall ${seconds(total)}`);
  }
  process.exit(code);
}

void main(process.argv.slice(2));
