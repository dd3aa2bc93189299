// Installs node_modules when missing or out of date with the lockfile, so `npm start` / `npm test` work on a fresh
// clone: the root package, then infra/cdk (its own package, so the runtime never ships aws-cdk-lib). With `runtime`
// (`npm start`) the root package only: the CDK app is for deploying and its typecheck, not for running.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Up to date when npm's record of the last install (node_modules/.package-lock.json) is newer than the lockfile, or
 * holds every locked non-optional package at its locked version: a git checkout gives the lockfile a new mtime
 * without changing it (e.g. a worktree sharing the main checkout's node_modules).
 */
function upToDate(dir) {
  const stamp = join(dir, 'node_modules', '.package-lock.json');
  const lock = join(dir, 'package-lock.json');
  if (!existsSync(stamp)) return false;
  if (!existsSync(lock)) return statSync(stamp).mtimeMs >= statSync(join(dir, 'package.json')).mtimeMs;
  if (statSync(stamp).mtimeMs >= statSync(lock).mtimeMs) return true;
  const installed = JSON.parse(readFileSync(stamp, 'utf8')).packages ?? {};
  return Object.entries(JSON.parse(readFileSync(lock, 'utf8')).packages ?? {}).every(
    ([path, pkg]) => path === '' || pkg.optional || installed[path]?.version === pkg.version,
  );
}

function ensure(dir) {
  if (upToDate(dir)) return;
  console.error(`[ensure] installing npm dependencies${dir === '.' ? '' : ` in ${dir}`}`);
  // `npm install`, not `npm ci`: npm 11.19 writes lockfiles without the other platforms' optional
  // packages (@swc/core-*, …) and `npm ci` then refuses them; install still takes the locked versions.
  execSync(`npm install --no-audit --no-fund${dir === '.' ? '' : ` --prefix ${dir}`}`, { stdio: 'inherit' });
}

ensure('.');
if (process.argv[2] !== 'runtime') ensure('infra/cdk');
