import { join } from 'node:path';
import { CACHE_DIR } from '../../sandboxes/shared/cache-dir';

/**
 * Dev tooling only (not the workers): where `ensure.sh` put the servers, and the repo's local state. The cache
 * directory is defined below the sandboxes (`sandboxes/shared/cache-dir.ts`: the bank reads its XSDs there).
 */
export { CACHE_DIR };
export const bin = (name: 'temporal' | 'temporal-test-server' | 'python' | 'stripe-mock') => {
  if (name === 'temporal' && process.env['TEMPORAL_CLI_PATH']) return process.env['TEMPORAL_CLI_PATH'];
  return name === 'python' ? join(CACHE_DIR, 'venv', 'bin', 'python') : join(CACHE_DIR, 'bin', name);
};
export const REPO_ROOT = join(__dirname, '..', '..');
export const DATA_DIR = join(REPO_ROOT, '.data');
