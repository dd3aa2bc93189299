// Installs node_modules when missing or older than the lockfile, so `npm start` / `npm test` work on a fresh clone.
import { existsSync, statSync } from 'node:fs';
import { execSync } from 'node:child_process';

const stamp = 'node_modules/.package-lock.json';
const lock = existsSync('package-lock.json') ? 'package-lock.json' : 'package.json';
if (!existsSync(stamp) || statSync(stamp).mtimeMs < statSync(lock).mtimeMs) {
  console.error('[ensure] installing npm dependencies');
  // `npm install`, not `npm ci`: npm 11.19 writes lockfiles without the other platforms' optional
  // packages (@swc/core-*, …) and `npm ci` then refuses them; install still takes the locked versions.
  execSync('npm install --no-audit --no-fund', { stdio: 'inherit' });
}
