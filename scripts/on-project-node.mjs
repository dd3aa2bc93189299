// `npm start` and `npm test` on any Node: runs a command under the project's Node (package.json `engines`). On an
// older Node (say a machine's Node 20) it obtains Node 24 through infra/local/ensure-node.sh (the npm registry, cached
// in ~/.cache/payops), says so in one line on stderr, and runs the command with that Node first on PATH, so every
// `#!/usr/bin/env node` under it (tsx, jest, npm itself) runs on Node 24. Plain JS on purpose: it must run on the
// older Node it replaces (18, 20).
//
//   node scripts/on-project-node.mjs [--quiet] "<shell command>" [args appended to it, shell-quoted]
//
// --quiet: no line (the script's pre-hook already said it: `prestart`, `pretest`). Exits with the command's code.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The major version `engines.node` asks for (`>=24` → 24). */
export function requiredMajor(engines) {
  const m = /(\d+)/.exec(engines ?? '');
  if (!m) throw new Error(`package.json engines.node (${engines}) names no version`);
  return Number(m[1]);
}

/**
 * Whether to re-execute: only when the running Node's major is below the required one, and not when this is
 * already the re-executed run (PAYOPS_ON_PROJECT_NODE is set for the child, so a bad cache can never loop).
 */
export function decide(current, required, env) {
  if (env.PAYOPS_ON_PROJECT_NODE) return { reexec: false };
  const major = Number(/^v?(\d+)/.exec(current)?.[1] ?? 0);
  return major >= required
    ? { reexec: false }
    : { reexec: true, reason: `Node ${current} is older than the project's ${required}` };
}

/** A shell word for `s` (the arguments `npm test -- <args>` appends go to the command as given). */
const quote = (s) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

function main(argv) {
  const quiet = argv[0] === '--quiet';
  const [command, ...extra] = quiet ? argv.slice(1) : argv;
  if (!command) {
    console.error('usage: node scripts/on-project-node.mjs [--quiet] "<command>" [args]');
    process.exit(2);
  }
  const engines = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).engines?.node;
  const required = requiredMajor(engines);
  // PAYOPS_FAKE_NODE_VERSION: the test's stand-in for an older Node (its real-Node-20 run needs no stand-in).
  const current = process.env.PAYOPS_FAKE_NODE_VERSION || process.version;
  const { reexec, reason } = decide(current, required, process.env);
  const env = { ...process.env };
  delete env.PAYOPS_FAKE_NODE_VERSION;
  if (reexec) {
    const bin = execFileSync('bash', [join(ROOT, 'infra/local/ensure-node.sh')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
    const node = join(bin, 'node');
    const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
    if (requiredMajor(version) < required) {
      console.error(`[payops] ${reason}, and ensure-node.sh provided ${version}: install Node ${required} or newer`);
      process.exit(1);
    }
    if (!quiet)
      console.error(`[payops] ${reason}: running on Node ${version} from ${bin} (infra/local/ensure-node.sh)`);
    env.PATH = `${bin}${delimiter}${env.PATH ?? ''}`;
    env.PAYOPS_ON_PROJECT_NODE = version;
    env.npm_node_execpath = node;
    env.NODE = node;
  }
  const child = spawn([command, ...extra.map(quote)].join(' '), { shell: true, stdio: 'inherit', env });
  // The terminal's Ctrl-C reaches the whole process group; a signal sent to this process alone is passed on.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    if (signal) process.kill(process.pid, signal);
    process.exit(code ?? 1);
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main(process.argv.slice(2));
