import { rmSync } from 'node:fs';
import type { ExternalServers } from '../../infra/local/stack';

/** Stops every server the global setup started, by PID, and removes the run directory. */
export default async function globalTeardown(): Promise<void> {
  const stack = (globalThis as { __payopsStack?: ExternalServers }).__payopsStack;
  await stack?.stop();
  const runDir = process.env['PAYOPS_TEST_RUN_DIR'];
  if (runDir && !process.env['PAYOPS_KEEP_TEST_RUN']) rmSync(runDir, { recursive: true, force: true });
}
