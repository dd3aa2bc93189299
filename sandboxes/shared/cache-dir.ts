import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where `infra/local/ensure.sh` puts what it fetches (the servers, the ISO 20022 XSDs): `PAYOPS_CACHE`, else
 * `~/.cache/payops`. Defined here, below the sandboxes, so they never import `infra/local/` (which re-exports it).
 */
export const CACHE_DIR = process.env['PAYOPS_CACHE'] ?? join(homedir(), '.cache', 'payops');
